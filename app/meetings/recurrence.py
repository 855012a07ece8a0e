"""Cadences as RFC 5545 recurrence rules, expanded by `dateutil.rrule` in the meeting's zone.

The first start is converted to the cadence's time zone before expansion, so every occurrence
keeps the local wall-clock time (10:00 Berlin stays 10:00 Berlin across daylight-saving
changes); occurrences are handed back in UTC. No date arithmetic by hand.

Every expansion is bounded in work, whatever the rule. dateutil walks period after period until
it finds an occurrence past the window, and stops on its own only at the year 9999: a rule that
rarely or never matches ("the Monday that is a 29 February", "30 February") would be walked for
thousands of years. So a window is expanded in a copy of the calendar near the year 9999 (see
`_frame_years`), where that walk ends a few decades after the window.
"""

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateutil_parser
from dateutil.easter import easter
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from app.core.moments import drawable_moment

# Finer frequencies (hourly and below) are not meetings; they would also explode expansions.
FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
MAX_PER_YEAR = 400  # at most about one a day
HORIZON = relativedelta(years=10)  # how far ahead a cadence is looked at (docs/delivery.md)
LAST_YEAR = 9998  # the last year a window is moved to; dateutil stops after 9999
CYCLE_YEARS = 400  # the Gregorian calendar repeats, weekdays included, every 400 years


class InvalidRule(ValueError):
    """The rule or the time zone cannot be used; the message says why, for a person."""


def zone(name: str) -> ZoneInfo:
    """The IANA time zone (`Europe/Berlin`), or InvalidRule."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # `Europe` is a folder
        raise InvalidRule(f"{name!r} is not an IANA time zone such as 'Europe/Berlin'.") from exc


@dataclass(frozen=True)
class _Anchored:
    """A rule as dateutil reads it, and what a bounded expansion needs of it: the first start
    in the cadence's zone, and the rule's UNTIL, taken out of the rule (see `_expand`)."""

    parsed: rrule
    first_start: datetime
    until: datetime | None
    easter: bool  # dateutil's BYEASTER, which the calendar does not repeat every 400 years
    frequency: str
    interval: int
    counted: bool  # COUNT counts from the first start, so the walk always begins there


def _anchored(rule: str, first_start: datetime, time_zone: str) -> _Anchored:
    """The rule anchored at `first_start` in `time_zone`, unchecked beyond being a daily to
    yearly RRULE: a rule stored before a check was added is still read."""
    text = rule.strip().removeprefix("RRULE:")
    if not text or any(part in text.upper() for part in ("DTSTART", "\n", "RRULE:", "EXDATE")):
        raise InvalidRule("Give one RRULE (e.g. 'FREQ=WEEKLY;BYDAY=TU'), without DTSTART.")
    local_start = first_start.astimezone(zone(time_zone))
    try:
        parsed = rrulestr(text, dtstart=local_start)
    except (ValueError, TypeError) as exc:
        raise InvalidRule(f"Not an RFC 5545 recurrence rule: {exc}.") from exc
    frequency = _part(text, "FREQ")
    if not isinstance(parsed, rrule) or frequency is None or frequency.upper() not in FREQUENCIES:
        raise InvalidRule("The rule must recur DAILY, WEEKLY, MONTHLY or YEARLY.")
    until = _part(text, "UNTIL")
    return _Anchored(
        parsed,
        local_start,
        None if until is None else dateutil_parser.parse(until),  # as rrulestr reads it
        _part(text, "BYEASTER") is not None,
        frequency.upper(),
        int(_part(text, "INTERVAL") or 1),
        _part(text, "COUNT") is not None,
    )


def _part(text: str, name: str) -> str | None:
    """The value of one part of the rule (`FREQ` of `FREQ=WEEKLY;BYDAY=TU`), if it has it."""
    found = re.search(rf"(?:^|;){name}=([^;]*)", text, flags=re.IGNORECASE)
    return None if found is None else found[1]


def parse(rule: str, first_start: datetime, time_zone: str) -> rrule:
    """The rule (`FREQ=WEEKLY;BYDAY=TU`, with or without `RRULE:`) anchored at `first_start`
    in `time_zone`; InvalidRule when it is not a daily, weekly, monthly or yearly rule, when it
    has no occurrence within ten years of its first start, or recurs more than daily."""
    anchored = _anchored(rule, first_start, time_zone)
    if anchored.easter:  # dateutil's own extension; the calendars that read the feed have none
        raise InvalidRule("BYEASTER is not part of RFC 5545.")
    first = _expand(anchored, first_start, first_start + HORIZON, limit=1)
    if not first:
        raise InvalidRule("The rule yields no occurrence within ten years of its first start.")
    first_year = _expand(anchored, first[0], first[0] + timedelta(days=366), MAX_PER_YEAR + 1)
    if len(first_year) > MAX_PER_YEAR:
        raise InvalidRule(f"The rule recurs more than {MAX_PER_YEAR} times a year.")
    return anchored.parsed


def between(
    rule: str, first_start: datetime, time_zone: str, start: datetime, end: datetime
) -> list[datetime]:
    """The occurrences starting in [start, end), in UTC."""
    return _expand(_anchored(rule, first_start, time_zone), start, end)


def walk(
    rule: str, first_start: datetime, time_zone: str, start: datetime, end: datetime
) -> Iterator[datetime]:
    """The occurrences starting in [start, end), in UTC, one at a time: a caller that needs
    only the first few of many cadences stops each walk there. The rule is read at once, so
    an unusable rule raises here, not at the first step."""
    return _walk(_anchored(rule, first_start, time_zone), start, end)


def next_after(
    rule: str, first_start: datetime, time_zone: str, moment: datetime, count: int
) -> list[datetime]:
    """The next `count` occurrences starting after `moment` and within ten years, in UTC: a
    cadence is a meeting to plan, not a date decades away."""
    anchored = _anchored(rule, first_start, time_zone)
    return _expand(anchored, moment + timedelta(microseconds=1), moment + HORIZON, count)


def local(moment: datetime, time_zone: str) -> datetime:
    """The instant as the wall-clock time of `time_zone` (with its offset)."""
    return drawable_moment(moment).astimezone(zone(time_zone))


def _expand(
    anchored: _Anchored, start: datetime, end: datetime, limit: int | None = None
) -> list[datetime]:
    """The occurrences starting in [start, end), in UTC, at most `limit`."""
    return list(islice(_walk(anchored, start, end), limit))


def _walk(anchored: _Anchored, start: datetime, end: datetime) -> Iterator[datetime]:
    """The rule's UNTIL cuts the window instead of the walk: dateutil only checks it against an
    occurrence it found."""
    if anchored.until is not None:
        end = min(end, anchored.until + timedelta(microseconds=1))
    for moment in _occurrences_around(anchored, start, end):
        if moment >= end:
            return
        if moment >= start:
            yield moment


def _occurrences_around(anchored: _Anchored, start: datetime, end: datetime) -> Iterator[datetime]:
    """The occurrences from a day before `start` to a day after `end`, in UTC, walked in the
    calendar that `_frame_years` finds for those years; none when there is no such one."""
    since = start.astimezone(anchored.first_start.tzinfo) - timedelta(days=1)
    first_start = _later_first_start(anchored, since)
    since = max(since, first_start - timedelta(days=1))  # dateutil drops its microseconds
    until = end.astimezone(first_start.tzinfo) + timedelta(days=1)
    if since > until:
        return
    shift = _frame_years(first_start.year, until.year, easter_too=anchored.easter)
    if shift is None:
        return
    moved = anchored.parsed.replace(dtstart=_moved(first_start, shift), until=None)
    for moment in moved.xafter(_moved(since, shift), inc=True):
        if moment > _moved(until, shift):
            return
        yield _moved(moment, -shift).astimezone(UTC)


def _later_first_start(anchored: _Anchored, before: datetime) -> datetime:
    """A first start a year or more before `before` from which the rule has the very
    occurrences it has from its own: the same date, time and weekday, at the start of a period
    the rule recurs in. The walk from there to `before` is short however long ago the cadence
    began; a COUNT rule counts from its own first start, so it keeps that one."""
    first_start = anchored.first_start
    if anchored.counted:
        return first_start
    for year in range(before.year - 1, max(first_start.year, before.year - CYCLE_YEARS), -1):
        try:
            later = first_start.replace(year=year)
        except ValueError:  # 29 February
            continue
        if later.weekday() == first_start.weekday() and _in_step(anchored, later):
            return later
    return first_start


def _in_step(anchored: _Anchored, later: datetime) -> bool:
    """Whether `later` (same date, time and weekday) starts a period the rule recurs in."""
    years = later.year - anchored.first_start.year
    days = later.toordinal() - anchored.first_start.toordinal()
    periods = {"YEARLY": years, "MONTHLY": 12 * years, "WEEKLY": days // 7, "DAILY": days}
    return periods[anchored.frequency] % anchored.interval == 0


def _frame_years(first: int, last: int, *, easter_too: bool) -> int | None:
    """How many years to move a walk over the years `first`…`last` so that it ends near the
    year 9999, where dateutil stops, in years of the very same calendar (leap years where they
    were, each year starting on the same weekday, Easter on the same day when the rule asks
    for it): the occurrences there, moved back, are the rule's own.

    A whole 400-year cycle always keeps the calendar (Easter apart), so one of the 400 shifts
    tried fits; within a century the calendar repeats every 28 years, so for a walk of a few
    years the one found leaves about 30 years to walk after the window."""
    highest = LAST_YEAR - last
    for shift in range(highest, highest - CYCLE_YEARS, -1):
        if all(_same_year(year, year + shift, easter_too) for year in range(first - 1, last + 2)):
            return shift
    return None


def _same_year(year: int, other: int, easter_too: bool) -> bool:
    """Whether two years have the same calendar, as dateutil's expansion sees a year."""
    same = calendar.isleap(year) == calendar.isleap(other) and (
        date(year, 1, 1).weekday() == date(other, 1, 1).weekday()
    )
    if same and easter_too:
        return easter(year).timetuple().tm_yday == easter(other).timetuple().tm_yday
    return same


def _moved(moment: datetime, years: int) -> datetime:
    """The same wall-clock time `years` later (earlier when negative), in the same zone."""
    return moment.replace(year=moment.year + years)
