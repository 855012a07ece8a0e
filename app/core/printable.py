"""Text fit for the files people open: an SVG chart, a calendar feed."""

import re

# C0 controls but tab and line breaks, and DEL: XML 1.0 forbids the first, RFC 5545's text both.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(text: str) -> str:
    """`text` without control characters. Input refuses only NUL, so a name may hold a vertical
    tab; written as it is, it would make a whole chart unreadable XML, or a feed bad iCalendar.
    Applied to what a renderer writes, where the only controls are such text's."""
    return _UNPRINTABLE.sub("", text)
