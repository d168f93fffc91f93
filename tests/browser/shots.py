"""Where the browser tests that run in `make test` keep their screenshots."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def screenshot(page, folder: str, name: str, **options) -> None:
    """`page` as docs/screenshots/<folder>/<name>.png under `make screenshots`
    (WAYBILL_SCREENSHOTS=1), else in the temporary directory, so `make test` leaves the working
    tree as it found it. `options` go to Playwright's `page.screenshot` (e.g. full_page)."""
    root = (
        Path(__file__).resolve().parents[2] / "docs" / "screenshots"
        if os.environ.get("WAYBILL_SCREENSHOTS")
        else Path(tempfile.gettempdir()) / "waybill-screenshots"
    )
    (root / folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(root / folder / f"{name}.png"), **options)
