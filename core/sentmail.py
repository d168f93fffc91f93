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


def _read(path: Path, *, headers_only: bool) -> SentMail:
    with path.open("rb") as fh:
        parser = email.parser.BytesParser(policy=email.policy.default)
        msg = parser.parse(fh, headersonly=headers_only)
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


def sent_mail_list(*, limit: int = 200) -> list[SentMail]:
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
