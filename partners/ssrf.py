"""Outbound-request guard for partner-supplied URLs (webhooks): no internal targets (SSRF).

Two layers, both skipped only when `settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS` is on:

* `check_url()` resolves the host and refuses the URL if ANY address is loopback, private,
  link-local (which includes 169.254.169.254, the cloud metadata service), unspecified,
  multicast, reserved or otherwise not globally routable. Used at registration and before each
  send, so the partner gets a clear error.
* `GuardedSession` re-checks the address the socket actually connected to, so a DNS answer that
  changes between the check and the connection (rebinding) cannot reach an internal service.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from core.exceptions import ValidationFailed

# Addresses that are technically "global" in ipaddress's tables but still internal in practice.
_EXTRA_BLOCKED = [
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (often cloud-internal)
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS IMDS over IPv6
]


class UnsafeTarget(ValidationFailed):
    code = "unsafe_url"
    title = "Webhook URL refused"


def private_targets_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
        or not ip.is_global
    ):
        return False
    return not any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version)


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def check_url(url: str, *, field: str = "url") -> None:
    """Raise `UnsafeTarget` (422) unless `url` is http(s) and all its addresses are public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("The URL must be an absolute http:// or https:// URL.", field=field)
    if private_targets_allowed():
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeTarget("The URL has an invalid port.", field=field) from exc
    try:
        addresses = resolve(parts.hostname, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget(
            f"The host '{parts.hostname}' could not be resolved.", field=field
        ) from exc
    blocked = [a for a in addresses if not address_is_public(a)]
    if not addresses or blocked:
        raise UnsafeTarget(
            f"The host '{parts.hostname}' resolves to a non-public address "
            f"({', '.join(blocked) or 'none'}); webhooks may only target public addresses.",
            field=field,
        )


class _PeerCheckMixin:
    def connect(self):
        super().connect()
        if private_targets_allowed():
            return
        peer = self.sock.getpeername()[0]
        if not address_is_public(peer):
            self.sock.close()
            raise UnsafeTarget(f"Connection to the non-public address {peer} was refused.")


class _GuardedHTTPConnection(_PeerCheckMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_PeerCheckMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


def guarded_session() -> requests.Session:
    """A requests session that never follows proxies from the environment and checks each peer."""
    session = requests.Session()
    session.trust_env = False
    adapter = _GuardedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
