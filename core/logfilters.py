"""Logging filters for a console people read (config/settings.py LOGGING)."""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 403 or 404 is the client's business: one line, no traceback. Django logs refused
    requests with the exception attached (`Forbidden (Permission denied): /orders/new/` and
    then the whole stack); 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
