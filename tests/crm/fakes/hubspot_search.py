"""HubSpot's CRM search semantics, for the HubSpot fake: filter groups, operators, sorts.

Follows "Search the CRM" (developers.hubspot.com/docs/api-reference/.../search-the-crm) and the
`Filter` / `FilterGroup` / `PublicObjectSearchRequest` models of hubspot-api-client 12: filter
groups are OR-ed and the filters inside a group AND-ed; at most 5 groups, 6 filters per group and
18 filters in all; date-time properties are compared as instants whether the filter gives epoch
milliseconds or ISO 8601; `sorts` may be `{"propertyName", "direction"}` objects or plain strings.
Not modelled (unverified or not needed): the case rules HubSpot documents for enumeration
properties, `CONTAINS_TOKEN` wildcards beyond a substring match, and search's indexing delay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

OPERATORS = frozenset(
    {
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
DATETIME_PROPERTIES = frozenset(
    {"createdate", "hs_createdate", "hs_lastmodifieddate", "lastmodifieddate", "closedate"}
)
Properties = Mapping[str, str | None]


class SearchRequestInvalid(ValueError):
    """The request breaks a documented search limit or names an unknown operator."""


def instant_millis(value: object) -> int | None:
    """Epoch milliseconds of a HubSpot date-time value (epoch ms digits or ISO 8601)."""
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _number(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _ordered(name: str, actual: str, wanted: object) -> tuple[Any, Any]:
    """Both sides in the order HubSpot compares them: instants, numbers, or case-folded text."""
    if name in DATETIME_PROPERTIES:
        left, right = instant_millis(actual), instant_millis(wanted)
        if left is not None and right is not None:
            return left, right
    left_number, right_number = _number(actual), _number(wanted)
    if left_number is not None and right_number is not None:
        return left_number, right_number
    return actual.casefold(), str(wanted).casefold()


def _equal(name: str, actual: str, wanted: object) -> bool:
    left, right = _ordered(name, actual, wanted)
    return bool(left == right)


def _filter_matches(properties: Properties, flt: Mapping[str, Any]) -> bool:
    name, operator = str(flt.get("propertyName")), str(flt.get("operator"))
    actual = properties.get(name)
    present = actual not in (None, "")
    if operator == "HAS_PROPERTY":
        return present
    if operator == "NOT_HAS_PROPERTY":
        return not present
    if operator in ("IN", "NOT_IN"):
        hit = present and any(_equal(name, str(actual), v) for v in flt.get("values") or [])
        return hit if operator == "IN" else not hit
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(flt.get("value", "")).strip("*").casefold()
        hit = present and token in str(actual).casefold()
        return hit if operator == "CONTAINS_TOKEN" else not hit
    if not present:
        return operator == "NEQ"
    left, right = _ordered(name, str(actual), flt.get("value"))
    comparisons: dict[str, Callable[[], bool]] = {
        "EQ": lambda: left == right,
        "NEQ": lambda: left != right,
        "LT": lambda: left < right,
        "LTE": lambda: left <= right,
        "GT": lambda: left > right,
        "GTE": lambda: left >= right,
        "BETWEEN": lambda: (
            left >= right and left <= _ordered(name, str(actual), flt.get("highValue"))[1]
        ),
    }
    return comparisons[operator]()


def groups_of(request: Mapping[str, Any]) -> list[list[Mapping[str, Any]]]:
    """The request's filter groups, checked against HubSpot's documented limits."""
    groups = [list(group.get("filters") or []) for group in request.get("filterGroups") or []]
    if len(groups) > MAX_GROUPS:
        raise SearchRequestInvalid(f"A maximum of {MAX_GROUPS} filterGroups can be used")
    if any(len(group) > MAX_FILTERS_PER_GROUP for group in groups):
        raise SearchRequestInvalid(f"A maximum of {MAX_FILTERS_PER_GROUP} filters per group")
    if sum(len(group) for group in groups) > MAX_FILTERS:
        raise SearchRequestInvalid(f"A maximum of {MAX_FILTERS} filters can be used")
    for group in groups:
        for flt in group:
            if flt.get("operator") not in OPERATORS or not flt.get("propertyName"):
                raise SearchRequestInvalid(f"Invalid filter: {dict(flt)}")
    return groups


def matches(properties: Properties, groups: Sequence[Sequence[Mapping[str, Any]]]) -> bool:
    if not groups:
        return True
    return any(all(_filter_matches(properties, flt) for flt in group) for group in groups)


def sort_keys(request: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """(property, descending) pairs from `sorts` given as objects or as `name` / `-name`."""
    keys: list[tuple[str, bool]] = []
    for sort in request.get("sorts") or []:
        if isinstance(sort, str):
            keys.append((sort.lstrip("-"), sort.startswith("-")))
        else:
            keys.append((str(sort.get("propertyName")), sort.get("direction") == "DESCENDING"))
    return keys


def sort_value(name: str, value: str | None) -> tuple[int, Any]:
    """A sort key that orders instants and numbers by value, text by its case-folded form."""
    if value in (None, ""):
        return (0, "")
    text = str(value)
    if name in DATETIME_PROPERTIES and (millis := instant_millis(text)) is not None:
        return (1, millis)
    if (number := _number(text)) is not None:
        return (1, number)
    return (2, text.casefold())
