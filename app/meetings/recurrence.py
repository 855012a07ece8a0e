"""Cadences as RFC 5545 recurrence rules, expanded by `dateutil.rrule` in the meeting's zone.

The first start is converted to the cadence's time zone before expansion, so every occurrence
keeps the local wall-clock time (10:00 Berlin stays 10:00 Berlin across daylight-saving
changes); occurrences are handed back in UTC. No date arithmetic by hand.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from app.core.moments import drawable_moment

# Finer frequencies (hourly and below) are not meetings; they would also explode expansions.
FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
MAX_PER_YEAR = 400  # at most about one a day


class InvalidRule(ValueError):
    """The rule or the time zone cannot be used; the message says why, for a person."""


def zone(name: str) -> ZoneInfo:
    """The IANA time zone (`Europe/Berlin`), or InvalidRule."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # `Europe` is a folder
        raise InvalidRule(f"{name!r} is not an IANA time zone such as 'Europe/Berlin'.") from exc


def parse(rule: str, first_start: datetime, time_zone: str) -> rrule:
    """The rule (`FREQ=WEEKLY;BYDAY=TU`, with or without `RRULE:`) anchored at `first_start`
    in `time_zone`; InvalidRule when it is not a daily, weekly, monthly or yearly rule."""
    text = rule.strip().removeprefix("RRULE:")
    if not text or any(part in text.upper() for part in ("DTSTART", "\n", "RRULE:", "EXDATE")):
        raise InvalidRule("Give one RRULE (e.g. 'FREQ=WEEKLY;BYDAY=TU'), without DTSTART.")
    try:
        parsed = rrulestr(text, dtstart=first_start.astimezone(zone(time_zone)))
    except (ValueError, TypeError) as exc:
        raise InvalidRule(f"Not an RFC 5545 recurrence rule: {exc}.") from exc
    frequency = re.search(r"(?:^|;)FREQ=(\w+)", text.upper())
    if not isinstance(parsed, rrule) or frequency is None or frequency[1] not in FREQUENCIES:
        raise InvalidRule("The rule must recur DAILY, WEEKLY, MONTHLY or YEARLY.")
    first_year = list(parsed.xafter(first_start, count=MAX_PER_YEAR + 1, inc=True))
    if not first_year:
        raise InvalidRule("The rule yields no occurrence from its first start on.")
    if len(first_year) > MAX_PER_YEAR and first_year[-1] - first_year[0] < timedelta(days=366):
        raise InvalidRule(f"The rule recurs more than {MAX_PER_YEAR} times a year.")
    return parsed


def between(
    rule: str, first_start: datetime, time_zone: str, start: datetime, end: datetime
) -> list[datetime]:
    """The occurrences starting in [start, end), in UTC."""
    parsed = parse(rule, first_start, time_zone)
    found = parsed.between(start, end, inc=True)
    return [moment.astimezone(UTC) for moment in found if moment < end]


def next_after(
    rule: str, first_start: datetime, time_zone: str, moment: datetime, count: int
) -> list[datetime]:
    """The next `count` occurrences starting after `moment`, in UTC."""
    parsed = parse(rule, first_start, time_zone)
    return [found.astimezone(UTC) for found in parsed.xafter(moment, count=count)]


def local(moment: datetime, time_zone: str) -> datetime:
    """The instant as the wall-clock time of `time_zone` (with its offset)."""
    return drawable_moment(moment).astimezone(zone(time_zone))
