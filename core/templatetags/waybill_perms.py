"""`{% can "app:view-name" arg1 arg2 as may %}`: whether the signed-in user may use that page
(the view's own role check, core.permissions.user_can). Wrap every action link or button in it
so no page shows what its target would refuse."""

from django import template

from core.permissions import user_can

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, url_name: str, *args) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return user is not None and user_can(user, url_name, *(str(a) for a in args))
