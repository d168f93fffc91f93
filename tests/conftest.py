"""Shared fixtures. Tests run on PostgreSQL (DATABASE_URL, or the embedded one from `make test`)
with Celery tasks executed eagerly; tests/integration starts a real worker instead.


Django is imported inside the fixtures, not at module level, so the pure-Python solver tests
(tests/routing/solver, which override the two autouse fixtures) also run with `-p no:django`.
"""

import secrets

import pytest

from core.roles import Role

# Part of every cache key prefix: a page cached by an earlier run of the same test (same node
# id, same factory tokens, --reuse-db) must not be served to this one.
_RUN = secrets.token_hex(4)


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Unit tests run tasks in-process (eagerly); integration tests override this."""
    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _isolated_cache(settings, request):
    """Each test gets its own cache key prefix so Redis-cached pages never leak between tests."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            **settings.CACHES["default"],
            "KEY_PREFIX": f"test-{_RUN}-{_digest(request.node.nodeid)}",
        },
    }


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_user(role: str | None, **kwargs):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(**kwargs)
    if role:
        # get_or_create: transactional tests flush the roles the data migration created.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def user_factory(db):
    return make_user


@pytest.fixture
def dispatcher(db):
    return make_user(Role.DISPATCHER, username="dana")


@pytest.fixture
def warehouse_user(db):
    return make_user(Role.WAREHOUSE, username="wim")


@pytest.fixture
def purchasing_user(db):
    return make_user(Role.PURCHASING, username="pia")


@pytest.fixture
def approver(db):
    return make_user(Role.APPROVER, username="arne")


@pytest.fixture
def driver_user(db):
    return make_user(Role.DRIVER, username="dirk")


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="ada")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def staff_api(db, api_client):
    """An API client factory logged in as a user with `role`."""

    from rest_framework.test import APIClient

    def _login(role: str = Role.ADMIN, **kwargs):
        client = APIClient()
        client.force_login(make_user(role, **kwargs))
        return client

    return _login


@pytest.fixture
def partner(db):
    from tests.factories import PartnerFactory

    return PartnerFactory()


@pytest.fixture
def partner_api(db):
    """An API client factory authenticated with a new partner key holding `scopes`."""

    from rest_framework.test import APIClient

    from partners.models import ApiKey
    from partners.services.api_keys import api_key_create
    from tests.factories import PartnerFactory

    def _client(partner=None, scopes=None):
        partner = partner or PartnerFactory()
        key, raw = api_key_create(
            partner=partner, name="test key", scopes=scopes or list(ApiKey.Scope.values)
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.partner = partner
        client.api_key = key
        return client

    return _client
