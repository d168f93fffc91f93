"""The top bar in a real browser: on a 1280-pixel screen the dispatcher's fifteen links sit
beside the brand and the user menu in two rows (they took three rows and 188 pixels before,
a quarter of a laptop's screen); the admin's twenty-two in three. On a phone the links hide
behind the menu button and open as one column. Screenshots go to docs/screenshots/nav/ under
`make screenshots` (WAYBILL_SCREENSHOTS=1), else to the temporary directory."""

from __future__ import annotations

import pytest

from core.roles import Role
from tests.browser.shots import screenshot

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]


def _rows(page) -> int:
    """How many rows the main navigation's links take."""
    tops = page.locator(".mainnav a").evaluate_all(
        "links => links.map(a => Math.round(a.getBoundingClientRect().top))"
    )
    return len(set(tops))


@pytest.mark.parametrize(("role", "rows"), [(Role.DISPATCHER, 2), (Role.ADMIN, 3)])
def test_the_links_sit_beside_the_brand_and_user_menu(live_server, login, browser, role, rows):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    login(context, role, username=f"nav-{role}")
    page = context.new_page()
    page.goto(live_server.url + "/")
    bar, brand, nav, menu = (
        page.locator(selector).bounding_box()
        for selector in ("header.topbar", ".brand", ".mainnav", ".usermenu")
    )
    assert _rows(page) == rows
    # One band: the links right of the brand, the user menu right of the links, no row of its
    # own for either.
    assert nav["x"] >= brand["x"] + brand["width"]
    assert menu["x"] >= nav["x"] + nav["width"] - 1
    assert bar["height"] <= 40 * rows + 10
    screenshot(page, "nav", f"desktop-{role}")
    context.close()


def test_on_a_phone_the_links_open_from_the_menu_button(live_server, login, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(context, Role.DISPATCHER, username="nav-phone")
    page = context.new_page()
    page.goto(live_server.url + "/")
    links = page.locator(".mainnav a")
    assert not links.first.is_visible()
    page.locator(".nav-toggle-label").click()
    assert links.first.is_visible()
    lefts = links.evaluate_all(
        "links => links.map(a => Math.round(a.getBoundingClientRect().left))"
    )
    assert len(lefts) > 10 and len(set(lefts)) == 1  # all of them, in one column
    screenshot(page, "nav", "phone-open-dispatcher", full_page=True)
    context.close()
