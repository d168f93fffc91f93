from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """4530 -> '1 h 15 min'."""
    if seconds in (None, ""):
        return ""
    minutes = round(int(seconds) / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@register.filter
def km(metres) -> str:
    if metres in (None, ""):
        return ""
    return f"{int(metres) / 1000:.1f} km"


@register.filter
def load_tone(pct) -> str:
    return "bad" if pct > 100 else "warn" if pct >= 90 else "good"
