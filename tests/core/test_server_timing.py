"""Every response says how long the server took (the crawl's time budget reads it)."""

import re

import pytest


@pytest.mark.django_db
def test_pages_and_api_answers_carry_server_timing(client, dispatcher):
    client.force_login(dispatcher)
    for url in ("/", "/healthz", "/api/v1/no-such-thing/"):
        value = client.get(url)["Server-Timing"]
        assert re.fullmatch(r"app;dur=\d+\.\d", value), value
