"""Fields only Waybill staff may read (costs and other internal figures).

A serializer lists them in `Meta.internal_fields`; responses to partner keys (and to anything
that is not a staff session, e.g. a serializer used without a request) leave them out. The
schema keeps them as optional properties, so one component serves both audiences.
"""

from __future__ import annotations


def viewer_is_staff(context: dict) -> bool:
    """Whether the serializer renders for a signed-in staff user (not a partner key)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return getattr(user, "partner", None) is None


class InternalFieldsMixin:
    """Serializer mixin: drops `Meta.internal_fields` from the output unless staff reads it."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not viewer_is_staff(self.context):
            for name in getattr(self.Meta, "internal_fields", ()):
                data.pop(name, None)
        return data
