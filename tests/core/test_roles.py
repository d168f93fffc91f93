import pytest
from django.test import Client

from core.roles import Role
from partners.models import ApiKey
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

ALL_ROLES = [r.value for r in Role]


# A driver-only user's home is the driver app (TrackingConfig.home_url), not the dashboard.
@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r != Role.DRIVER])
def test_every_staff_role_sees_its_dashboard(client, role):
    client.force_login(make_user(role))
    response = client.get("/")
    assert response.status_code == 200
    assert role in response.content.decode()


def test_a_driver_only_user_lands_in_the_driver_app(client):
    client.force_login(make_user(Role.DRIVER))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/driver/"


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r != Role.ADMIN])
def test_partner_admin_page_is_forbidden_to_other_roles(client, role):
    client.force_login(make_user(role))
    assert client.get("/partners/").status_code == 403


def test_partner_admin_page_is_open_to_admins(client):
    client.force_login(make_user(Role.ADMIN))
    assert client.get("/partners/").status_code == 200


@pytest.mark.parametrize("url", ["/", "/partners/"])
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_navigation_shows_only_what_the_role_may_open(client):
    client.force_login(make_user(Role.DRIVER))
    html = client.get("/").content.decode()
    assert 'href="/partners/"' not in html
    client.force_login(make_user(Role.ADMIN))
    assert 'href="/partners/"' in client.get("/").content.decode()


def test_forms_enforce_csrf(partner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Role.ADMIN))
    data = {"partner": partner.pk, "name": "k", "scopes": ["orders:read"]}
    assert client.post("/partners/", data).status_code == 403
    assert not ApiKey.objects.exists()
    page = client.get("/partners/")
    token = page.cookies["csrftoken"].value
    response = client.post("/partners/", {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert ApiKey.objects.count() == 1
    assert "shown once" in response.content.decode()


def test_api_key_form_rejects_bad_input_with_field_errors(client, partner):
    client.force_login(make_user(Role.ADMIN))
    response = client.post("/partners/", {"partner": partner.pk, "name": "", "scopes": []})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert not ApiKey.objects.exists()


def test_login_page_signs_a_user_in(client):
    make_user(Role.WAREHOUSE, username="wim")
    response = client.post("/accounts/login/", {"username": "wim", "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_roles_survive_a_flush_and_the_demo_loads_after_one():
    """`manage.py flush` empties every table; the role groups come back with it (as the
    content types do), so the demo and every role check still find them."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(ALL_ROLES)
