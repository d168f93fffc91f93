import pytest

from partners.models import ApiKey
from partners.services.accounts import partner_scopes_set
from tests.partners.receiver import start_receiver


@pytest.fixture
def receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def allow_loopback(settings):
    """Our receiver listens on 127.0.0.1, which the SSRF guard refuses by default."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def granted_partner(partner):
    partner_scopes_set(partner=partner, allowed_scopes=list(ApiKey.Scope.values))
    return partner
