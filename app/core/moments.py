"""Calendar dates and moments as the API accepts them: ISO 8601 text, years 1900 to 2999.

Every view must be able to render what is stored (a timeline pads a date by weeks, a calendar
feed adds a meeting's duration, a time zone shifts a moment by up to a day), so a date or a
moment from a client is refused with a 422 at the door when it falls outside the range, its
moments checked once converted to UTC. Only text is taken: a number is not a date, even though
pydantic would read it as a Unix timestamp (`?to=0`).

One type per kind, for request bodies and query parameters alike (docs/api.md, "Dates and
moments"), and one for the lower bound of a "changed since" filter, which also takes a date
alone as the start of that day in UTC; the lean poll (app/fastpath/) parses
`updated_since` with the same type.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

_YEAR = r"(19\d\d|2\d\d\d)"
_DAY = r"-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_TIME = r"T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?"
_OFFSET = r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)"
# What the document promises (generators of test data read it): the years in range.
DATE_PATTERN = f"^{_YEAR}{_DAY}$"
MOMENT_PATTERN = f"^{_YEAR}{_DAY}{_TIME}{_OFFSET}$"
# What is parsed: any year, so that a year out of range is told as such.
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT_TEXT = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})"
)

DATE_FORMAT = "Input should be a date as YYYY-MM-DD, such as 2027-01-19"
MOMENT_FORMAT = (
    "Input should be a date and time with a UTC offset (RFC 3339), such as 2027-01-19T09:00:00Z"
)

DATE_RANGE = "Input should be a date from 1900-01-01 to 2999-12-31"
MOMENT_RANGE = (
    "Input should be a moment from 1900-01-01T00:00:00Z to 2999-12-31T23:59:59Z, once in UTC"
)


def _date_text(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", DATE_FORMAT)


def _day_in_range(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError("date_out_of_range", DATE_RANGE)
    return value


def _moment_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _MOMENT_TEXT.fullmatch(value):
        return value
    raise PydanticCustomError("datetime_format", MOMENT_FORMAT)


def _moment_in_range(value: datetime) -> datetime:
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:  # `0001-01-01T00:00:00+23:59` is in the year 0
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc <= LATEST:
        raise PydanticCustomError("datetime_out_of_range", MOMENT_RANGE)
    return in_utc


CalendarDate = Annotated[
    date,
    BeforeValidator(_date_text),
    AfterValidator(_day_in_range),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
"""A day, `YYYY-MM-DD`, from 1900-01-01 to 2999-12-31."""

Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_moment_text),
    AfterValidator(_moment_in_range),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}),
]
"""An instant with its UTC offset (RFC 3339), read as UTC, from 1900 to 2999 in UTC."""

SINCE_FORMAT = (
    "Input should be a date and time with a UTC offset (RFC 3339), such as "
    "2027-01-19T09:00:00Z, or a date, such as 2027-01-19, read as the start of that day in UTC"
)


def _since_text(value: Any) -> Any:
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("datetime_format", SINCE_FORMAT) from None
        return datetime(_day_in_range(day).year, day.month, day.day, tzinfo=UTC)
    try:
        return _moment_text(value)
    except PydanticCustomError:
        raise PydanticCustomError("datetime_format", SINCE_FORMAT) from None


Since = Annotated[
    AwareDatetime,
    BeforeValidator(_since_text),
    AfterValidator(_moment_in_range),
    WithJsonSchema(
        {
            "type": "string",
            "anyOf": [
                {"format": "date-time", "pattern": MOMENT_PATTERN},
                {"format": "date", "pattern": DATE_PATTERN},
            ],
        }
    ),
]
"""The lower bound of a "changed since" filter: a moment, or a date alone, read as the start of
that day in UTC (what a person means by "since the 5th"). Moments a client writes stay
`Moment`: a meeting needs its time."""

UpdatedSince = Annotated[
    Since | None,
    Query(
        description="Changed at or after: a moment with a UTC offset (RFC 3339), or a date, "
        "read as the start of that day in UTC. To miss nothing, use `sync_token`."
    ),
]
"""The `updated_since` filter of the lists PM tools poll."""


def drawable(day: date) -> date:
    """`day`, or the nearer end of the range: how a view shows a date stored before the range
    was enforced, rather than failing on it (a timeline pads the last day by two)."""
    return min(max(day, FIRST_DAY), LAST_DAY)


def drawable_moment(moment: datetime) -> datetime:
    """`moment`, or the nearer end of the range, in UTC: a meeting stored before the range was
    enforced still has a local start and an end (9999-12-31T23:59Z plus an hour has none)."""
    return min(max(moment, EARLIEST), LATEST).astimezone(UTC)
