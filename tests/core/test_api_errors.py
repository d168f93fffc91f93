"""Problem details in every mode: with DEBUG=1 Django answers unknown URLs, ids its URL patterns
refuse and a plain view's 405 itself (HTML debug pages); the API must still speak problem+json."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.api_error_urls")]

PROBLEM = "application/problem+json"


@pytest.fixture(params=[True, False], ids=["DEBUG=1", "DEBUG=0"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def client(dispatcher):
    client = Client(raise_request_exception=False)
    client.force_login(dispatcher)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/no-such-thing/",
        "/api/v1/orders/not-a-reference/lines/9/",
        "/api/test/plain/not-an-int/",
        "/api/",
    ],
)
def test_an_unknown_api_address_is_a_404_problem(client, debug, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not found"


def test_a_method_a_plain_view_refuses_is_a_405_problem_keeping_allow(client, debug):
    response = client.delete("/api/test/plain/7/")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response["Allow"] == "GET"
    assert "DELETE" in response.json()["detail"]


def test_a_drf_405_stays_the_problem_drf_wrote(client, debug):
    response = client.delete("/api/v1/me/")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert "DELETE" in response.json()["detail"]


def test_an_unexpected_error_is_a_500_problem_without_a_traceback_page(client, debug):
    response = client.get("/api/test/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert "Traceback" not in response.content.decode()


def test_pages_outside_the_api_keep_their_html_errors(client, settings):
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
