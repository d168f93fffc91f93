"""Development e-mail: every message the app sends is kept as one `.eml` file under
`EMAIL_FILE_PATH` (var/mail/) instead of being printed, and staff read them at /mail/.

Active when EMAIL_URL is unset (config/settings.py); with EMAIL_URL set mail goes out through
that server and nothing is kept. Only the newest EMAIL_KEEP messages stay (the demo's simulator
sends a few hundred a day).
"""

from __future__ import annotations

import email
import email.policy
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

BACKEND = "core.sentmail.SentMailBackend"
NAME = re.compile(r"^\d{19}-[0-9a-f]{8}$")


def is_active() -> bool:
    return settings.EMAIL_BACKEND == BACKEND


def _folder() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


class SentMailBackend(BaseEmailBackend):
    """Writes each message to `<EMAIL_FILE_PATH>/<ns timestamp>-<random>.eml` (written under a
    temporary name and renamed, so a reader never sees half a message)."""

    def send_messages(self, email_messages) -> int:
        folder = _folder()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            name = f"{time.time_ns():019d}-{secrets.token_hex(4)}"
            part = folder / f".{name}.part"
            part.write_bytes(message.message().as_bytes(linesep="\n"))
            part.rename(folder / f"{name}.eml")
            sent += 1
        if sent:
            _prune(folder, keep=getattr(settings, "EMAIL_KEEP", 1000))
        return sent


def _prune(folder: Path, *, keep: int) -> None:
    files = sorted(folder.glob("*.eml"))
    for old in files[: max(0, len(files) - keep)]:
        old.unlink(missing_ok=True)


@dataclass
class SentMail:
    name: str
    subject: str
    sender: str
    to: str
    sent_at: datetime | None
    text: str = ""
    html: str = ""


HEAD_BYTES = 16384  # enough for any header block the app writes


def _decoded(value: str) -> str:
    parts = decode_header(value)
    return "".join(
        text.decode(charset or "ascii", "replace") if isinstance(text, bytes) else text
        for text, charset in parts
    )


class _Headers:
    """compat32 headers decoded on access (RFC 2047 subjects and names): ten times cheaper
    than the default policy's header objects, which the list does not need."""

    def __init__(self, msg):
        self.msg = msg

    def __getitem__(self, name):
        value = self.msg[name]
        return _decoded(value) if value is not None else None

    def get_all(self, name):
        return [_decoded(v) for v in self.msg.get_all(name) or []]


def _read(path: Path, *, headers_only: bool) -> SentMail:
    with path.open("rb") as fh:
        if headers_only:
            # The list needs four headers: parse the header block only, not the bodies.
            head = fh.read(HEAD_BYTES).split(b"\n\n", 1)[0] + b"\n\n"
            msg = _Headers(
                email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
            )
        else:
            msg = email.parser.BytesParser(policy=email.policy.default).parse(fh)
    try:
        sent_at = parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    mail = SentMail(
        name=path.stem,
        subject=str(msg["Subject"] or "(no subject)"),
        sender=str(msg["From"] or ""),
        to=", ".join(str(v) for v in (msg.get_all("To") or [])),
        sent_at=sent_at,
    )
    if not headers_only:
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        mail.text = text.get_content() if text is not None else ""
        mail.html = html.get_content() if html is not None else ""
    return mail


def sent_mail_list(*, limit: int = 100) -> list[SentMail]:
    """The newest `limit` messages, newest first (headers only)."""
    folder = _folder()
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [_read(path, headers_only=True) for path in files]


def sent_mail_get(*, name: str) -> SentMail | None:
    """One message with its bodies; None for an unknown or malformed name."""
    if not NAME.match(name or ""):
        return None
    path = _folder() / f"{name}.eml"
    return _read(path, headers_only=False) if path.is_file() else None
