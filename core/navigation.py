"""Navigation, dashboard cards, home pages and page sections contributed by each app without
core importing them.

An app's AppConfig may define `nav_items` and `trailing_nav_items` (lists of `NavItem`),
`dashboard_cards(user) -> list[DashboardCard]`, `home_url(user) -> str | None` (where "/"
sends a user who has a home of their own) and `page_sections(page, *, user, obj) ->
list[PageSection]` (what a higher app adds to a lower app's page, e.g. tracking's proof of
delivery on orders' order page); core collects them in INSTALLED_APPS order. The site-wide
links (API docs, admin) close the menu.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from core.roles import Role, user_has_role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...] = ()


@dataclass
class DashboardCard:
    title: str
    value: int | str
    url: str = ""
    hint: str = ""
    tone: str = "neutral"  # neutral | good | warn | bad
    roles: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class PageSection:
    """A card another app adds to a page: `template` rendered with `context` as `section`."""

    title: str
    template: str
    context: dict = field(default_factory=dict)


SITE_NAV_ITEMS = [
    NavItem("API docs", "api-docs", roles=(Role.ADMIN, Role.DISPATCHER)),
    NavItem("Admin", "admin:index", roles=(Role.ADMIN,)),
]


def navigation_for(user) -> list[dict]:
    from core.permissions import user_can_path  # (AppConfigs import this module early)

    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    configs = list(apps.get_app_configs())
    declared = [i for c in configs for i in getattr(c, "nav_items", [])]
    declared += [i for c in configs for i in getattr(c, "trailing_nav_items", [])]
    declared += SITE_NAV_ITEMS
    for item in declared:
        if item.roles and not user_has_role(user, *item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        if user_can_path(user, url):  # the page's own check: never a link it would refuse
            items.append({"label": item.label, "url": url})
    return items


def dashboard_cards_for(user) -> list[DashboardCard]:
    from core.permissions import user_can_path

    cards: list[DashboardCard] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "dashboard_cards", None)
        if provider is None:
            continue
        for card in provider(user):
            if card.roles and not user_has_role(user, *card.roles):
                continue
            if card.url and not user_can_path(user, card.url):
                card.url = ""  # the count still informs; its page would refuse the user
            cards.append(card)
    return cards


def home_url_for(user) -> str | None:
    """The first app-declared home for this user, or None for the dashboard."""
    for config in apps.get_app_configs():
        provider = getattr(config, "home_url", None)
        url = provider(user) if provider is not None else None
        if url:
            return url
    return None


def page_sections_for(page: str, *, user, obj) -> list[PageSection]:
    """The sections apps add to `page` (a URL name such as "orders:detail") showing `obj`."""
    sections: list[PageSection] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "page_sections", None)
        if provider is not None:
            sections.extend(provider(page, user=user, obj=obj))
    return sections
