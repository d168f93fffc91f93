"""Checks the fleet services share."""

from __future__ import annotations

from collections.abc import Iterable

from core.exceptions import ValidationFailed
from orders.models import VehicleSkill


def clean_skills(skills: Iterable[str], *, field: str = "skills") -> list[str]:
    """Known skills, each once, in a stable order; 422 naming the unknown ones."""
    skills = list(dict.fromkeys(skills or []))
    unknown = [s for s in skills if s not in VehicleSkill.values]
    if unknown:
        raise ValidationFailed(
            f"Unknown skill(s): {', '.join(unknown)}. Known: {', '.join(VehicleSkill.values)}.",
            field=field,
            code="unknown_skill",
        )
    return sorted(skills)


def not_negative(**values) -> None:
    for name, value in values.items():
        if value is not None and value < 0:
            raise ValidationFailed(f"{name} must not be negative.", field=name, code="min_value")
