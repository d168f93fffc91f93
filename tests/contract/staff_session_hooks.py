"""schemathesis hooks for the staff run (loaded through SCHEMATHESIS_HOOKS): the requests carry
the staff session cookie, and the CSRF cookie and `X-CSRFToken` header a browser client sends
with a session (Django refuses a session write without them).

The session goes into the case's cookies as the schema's `cookieAuth` scheme, so the auth checks
can take it away and expect 401; the CSRF token alone authenticates nobody.
"""

import os

import schemathesis


@schemathesis.auth()
class StaffSession:
    def get(self, case, ctx):
        return {
            "sessionid": os.environ["WAYBILL_CONTRACT_SESSIONID"],
            "csrftoken": os.environ["WAYBILL_CONTRACT_CSRFTOKEN"],
        }

    def set(self, case, data, ctx):
        cookies = case.cookies if isinstance(case.cookies, dict) else {}
        case.cookies = {**cookies, **data}
        headers = case.headers if isinstance(case.headers, dict) else {}
        case.headers = {**headers, "X-CSRFToken": data["csrftoken"]}
