"""The API as documented, against a live production-style server: `schemathesis run --checks all`
over every operation of /api/schema/, once with a partner key holding every scope and once with
a staff (admin) session, must report no failure.

gunicorn (DEBUG=0, the repository's gunicorn.conf.py) serves the test database with a small
data set (a warehouse granted to the partner, a location, a product with stock, an order).
Bounded for 2 cores: fixed seed, MAX_EXAMPLES examples per operation and phase, both runs at once
(about 2 minutes in all).

422 is an accepted answer to schema-valid input where the operation documents it (docs/api.md:
a business rule such as an unknown SKU or an expiry in the past); every other check runs as
schemathesis ships it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import Group
from django.urls import resolve

from core.permissions import HasRole, HasScope
from core.roles import Role
from inventory.services.access import partner_warehouse_grant
from partners.apis.base import PartnerKeyScope
from partners.models import ApiKey
from partners.services.accounts import partner_scopes_set
from partners.services.api_keys import api_key_create
from tests.contract.live import ROOT, gunicorn, staff_login
from tests.factories import (
    CustomerOrderFactory,
    LocationFactory,
    OrderLineFactory,
    PartnerFactory,
    ProductFactory,
    UserFactory,
    WarehouseFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SEED = 42
MAX_EXAMPLES = 3
RUN_TIMEOUT_S = 600
# The coverage phase (every boundary and type variant of every field, ~50 requests an
# operation) alone takes 4-6 minutes here; examples, fuzzing (positive and negative data) and
# the stateful phase (chains through the links schemathesis infers) fit the budget.
PHASES = "examples,fuzzing,stateful"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Schema-valid input may meet a business rule (docs/api.md); 5xx and 3xx are never acceptable.
POSITIVE_STATUSES = ["2xx", "401", "403", "404", "409", "422", "429"]
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def world():
    partner = PartnerFactory(name="Contract shop")
    scopes = list(ApiKey.Scope.values)
    partner_scopes_set(partner=partner, allowed_scopes=scopes)
    _key, raw = api_key_create(partner=partner, name="contract", scopes=scopes)
    # The run may revoke a key: it gets this one, never the key it authenticates with.
    spare, _raw = api_key_create(partner=partner, name="spare", scopes=["orders:read"])
    warehouse = WarehouseFactory(code="CTR")
    partner_warehouse_grant(partner=partner, warehouse=warehouse)
    location = LocationFactory(warehouse=warehouse)
    product = ProductFactory(sku="CTR-1")
    order = CustomerOrderFactory(warehouse=warehouse, partner=partner)
    OrderLineFactory(order=order, product=product)
    admin = UserFactory(username="contract-admin")
    admin.set_password("contract-pass-1")
    admin.save()
    admin.groups.add(Group.objects.get_or_create(name=Role.ADMIN)[0])
    return {"raw": raw, "spare": spare, "location": location}


def view_class(path: str):
    match = resolve(re.sub(r"\{[^}]+\}", "0", path))
    return getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)


def unreachable(schema: dict, who: str) -> list[str]:
    """Operations whose permission check refuses `who` before the input is read: staff-only
    views for a partner key (no scope reaches them), partner-key-only views for staff. They all
    answer 403, so their coverage phase (every boundary of every field) would prove nothing."""
    labels = []
    for path, item in schema["paths"].items():
        for method in item:
            if method not in METHODS:
                continue
            cls = view_class(path)
            permissions = getattr(cls, "permission_classes", [])
            if who == "staff":
                refused = PartnerKeyScope in permissions
            elif HasScope in permissions:
                refused = method.upper() not in cls().required_scopes
            else:
                refused = HasRole in permissions
            if refused:
                labels.append(f"{method.upper()} {path}")
    return sorted(labels)


def run_schemathesis(base: str, tmp: Path, name: str, *, spare_key: str, env=None, headers=()):
    schema = requests.get(f"{base}/api/schema/?format=json", timeout=30).json()
    config = tmp / f"{name}.toml"
    config.write_text(
        f"""
seed = {SEED}
[checks.positive_data_acceptance]
expected-statuses = {json.dumps(POSITIVE_STATUSES)}
[[operations]]
include-name = "POST /api/v1/api-keys/{{key_id}}/revoke/"
parameters = {{ "path.key_id" = "{spare_key}" }}
[[operations]]
include-name = {json.dumps(unreachable(schema, name))}
phases.coverage.enabled = false
"""
    )
    argv = [str(SCHEMATHESIS), "--config-file", str(config), "run", f"{base}/api/schema/"]
    argv += ["--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--workers", "2"]
    argv += ["--phases", PHASES]
    argv += ["--report", "json", "--report-dir", str(tmp / name), "--no-color"]
    for header in headers:
        argv += ["-H", header]
    # Its own working directory: schemathesis keeps a cache of examples in the current one.
    work = tmp / f"{name}-cwd"
    work.mkdir()
    return subprocess.Popen(
        argv,
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def report(tmp: Path, name: str) -> dict:
    (path,) = (tmp / name).glob("*.json")
    return json.loads(path.read_text())


def failures_text(output: str) -> str:
    start = output.find("= FAILURES =")
    return output[start:] if start >= 0 else output[-6000:]


def test_live_server_honours_its_schema_for_partners_and_staff(world, tmp_path):
    with gunicorn(tmp_path / "gunicorn.log", API_RATE_LIMIT="1000000/min") as base:
        cookies = staff_login(base, username="contract-admin", password="contract-pass-1")
        spare = world["spare"].prefix
        partner = run_schemathesis(
            base,
            tmp_path,
            "partner",
            spare_key=spare,
            headers=[f"Authorization: Bearer {world['raw']}"],
        )
        staff = run_schemathesis(
            base,
            tmp_path,
            "staff",
            spare_key=spare,
            env={
                "SCHEMATHESIS_HOOKS": "tests.contract.staff_session_hooks",
                "WAYBILL_CONTRACT_SESSIONID": cookies["sessionid"],
                "WAYBILL_CONTRACT_CSRFTOKEN": cookies["csrftoken"],
            },
        )
        outputs = {
            "partner": partner.communicate(timeout=RUN_TIMEOUT_S)[0],
            "staff": staff.communicate(timeout=RUN_TIMEOUT_S)[0],
        }
    problems = []
    for name, output in outputs.items():
        (tmp_path / f"{name}.txt").write_text(output)
        result = report(tmp_path, name)
        assert result["operations"]["tested"] == result["operations"]["total"], name
        if result["exit_code"] != 0 or result["failures"] or result["errors"]:
            problems.append(f"--- {name} ---\n{failures_text(output)}")
    assert not problems, "\n".join(problems)
    # The partner run kept its key (it could only ever revoke the spare one).
    assert ApiKey.objects.get(prefix=world["raw"].split("_")[1]).revoked_at is None
