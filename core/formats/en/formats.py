"""Input formats for English locales (en, en-gb): ISO first.

A widget renders its value in the first input format, and `<input type="date">` only accepts
ISO `yyyy-mm-dd`: with the British `dd/mm/yyyy` first, date fields showed empty and were
submitted empty. Typed British dates are still accepted.
"""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
