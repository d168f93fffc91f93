"""API paths are resolved before the pages (an /api/v1/ read used to walk every page pattern
first), and moving them first changed no page's or API path's answer."""

from django.urls import get_resolver, resolve


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def test_an_api_read_tries_no_page_pattern_on_its_way():
    for path, name in [
        ("/api/v1/me/", "api-me"),
        ("/api/v1/webhook-deliveries/msg_1/", "webhook-delivery-detail"),
        ("/api/v1/returns/RMA-1/", None),
    ]:
        match = resolve(path)
        assert name is None or match.url_name == name
        assert {str(tried[0].pattern) for tried in match.tried} == {"api/v1/"}, path


def test_no_page_pattern_could_answer_an_api_path():
    api, *pages = get_resolver().url_patterns
    assert str(api.pattern) == "api/v1/"
    for route in _routes(pages):
        assert not route.startswith(("api/v1/", "<", "^")), route
    assert resolve("/healthz").url_name == "healthz"
    assert resolve("/partners/").url_name == "partners"
