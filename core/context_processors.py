from django.conf import settings

from core.navigation import navigation_for
from core.roles import STAFF_ROLES, user_has_role
from core.sentmail import is_active as sent_mail_kept


def navigation(request):
    user = request.user
    return {
        "nav_items": navigation_for(user),
        # The kept e-mail (development installs) is linked from the user menu.
        "show_sent_mail": sent_mail_kept()
        and getattr(user, "is_authenticated", False)
        and user_has_role(user, *STAFF_ROLES),
        # Every map page uses the configured tiles ("" = offline: no tile requests at all).
        "map_tiles_url": settings.MAP_TILES_URL,
    }
