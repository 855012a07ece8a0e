"""HubSpot's CRM objects as the HubSpot fake keeps and prints them: types, associations, texts.

The standard properties and the default property sets follow the table of "Search the CRM"; the
association type ids follow `hubspot.crm.association_type` of hubspot-api-client 12; the error
texts are HubSpot's own (see `hubspot.py` for where each shape comes from).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

BATCH_READ_MAX = 100
ASSOCIATIONS_BATCH_MAX = 1000
ASSOCIATIONS_PAGE_DEFAULT = 1000  # associations per input and page (see `hubspot.py`)
SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, SEARCH_RESULTS_MAX = 10, 200, 10_000
OWNERS_LIMIT_DEFAULT, OWNERS_LIMIT_MAX = 100, 500
HUBSPOT_DEFINED = "HUBSPOT_DEFINED"


@dataclass(frozen=True)
class ObjectType:
    name: str  # as in the path: "deals"
    type_id: str
    singular: str
    label: str  # as in error messages: "DEAL"
    modified: str  # the last-modified property
    defaults: tuple[str, ...]  # returned when no properties are asked for
    standard: frozenset[str]  # known properties: null when asked for and unset


def _object_type(
    name: str, type_id: str, singular: str, modified: str, defaults: str, more: str
) -> ObjectType:
    shown = tuple(defaults.split())
    known = frozenset((*shown, *more.split(), "createdate", "hs_object_id", modified))
    return ObjectType(name, type_id, singular, singular.upper(), modified, shown, known)


OBJECT_TYPES = {
    t.name: t
    for t in (
        _object_type(
            "deals",
            "0-3",
            "deal",
            "hs_lastmodifieddate",
            "amount closedate createdate dealname dealstage hs_lastmodifieddate hs_object_id"
            " pipeline",
            "hubspot_owner_id description deal_currency_code hs_is_closed hs_is_closed_won"
            " hs_is_closed_lost",
        ),
        _object_type(
            "companies",
            "0-2",
            "company",
            "hs_lastmodifieddate",
            "createdate domain hs_lastmodifieddate hs_object_id name",
            "website phone city country industry hubspot_owner_id",
        ),
        _object_type(
            "contacts",
            "0-1",
            "contact",
            "lastmodifieddate",
            "createdate email firstname hs_object_id lastmodifieddate lastname",
            "jobtitle phone company hubspot_owner_id",
        ),
        _object_type(
            "line_items",
            "0-8",
            "line_item",
            "hs_lastmodifieddate",
            "amount createdate hs_lastmodifieddate hs_object_id name price quantity",
            "hs_sku hs_product_id description",
        ),
    )
}


@dataclass(frozen=True)
class AssociationKind:
    type_id: int
    label: str | None
    v3_type: str  # the `type` of the v3 GET's association list


# (from, to) -> (the extra kind of the first, primary, record or None; the kind every record has)
ASSOCIATION_KINDS: dict[tuple[str, str], tuple[AssociationKind | None, AssociationKind]] = {
    ("deals", "companies"): (
        AssociationKind(5, "Deal with Primary Company", "deal_to_company"),
        AssociationKind(341, None, "deal_to_company_unlabeled"),
    ),
    ("companies", "deals"): (
        AssociationKind(6, None, "company_to_deal"),
        AssociationKind(342, None, "company_to_deal_unlabeled"),
    ),
    ("deals", "contacts"): (None, AssociationKind(3, None, "deal_to_contact")),
    ("contacts", "deals"): (None, AssociationKind(4, None, "contact_to_deal")),
    ("deals", "line_items"): (None, AssociationKind(19, None, "deal_to_line_item")),
    ("line_items", "deals"): (None, AssociationKind(20, None, "line_item_to_deal")),
}


@dataclass
class Record:
    object_id: str
    properties: dict[str, str | None]
    created_at: datetime
    updated_at: datetime
    archived: bool = False


def instant(moment: datetime) -> str:
    """A date-time as HubSpot prints it (Java's `Instant.toString()`, millisecond precision)."""
    moment = moment.astimezone(UTC)
    whole = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = moment.microsecond // 1000
    return f"{whole}.{millis:03d}Z" if millis else f"{whole}Z"


def property_text(value: object) -> str | None:
    """A property value as HubSpot stores it: a string (or None when unset)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return instant(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return instant(datetime(value.year, value.month, value.day, tzinfo=UTC))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def render(
    kind: ObjectType, record: Record, wanted: Sequence[str], history: Sequence[str]
) -> dict[str, Any]:
    """A `SimplePublicObject`: the properties asked for (or the defaults) and the stamps."""
    names = [*wanted, "createdate", "hs_object_id", kind.modified] if wanted else kind.defaults
    known = kind.standard | record.properties.keys()
    answer: dict[str, Any] = {
        "id": record.object_id,
        "properties": {n: record.properties.get(n) for n in sorted(set(names)) if n in known},
    }
    if history:
        answer["propertiesWithHistory"] = {
            name: [
                {
                    "sourceType": "API",
                    "value": record.properties[name],
                    "timestamp": instant(record.updated_at),
                }
            ]
            for name in history
            if record.properties.get(name) is not None
        }
    answer |= {
        "createdAt": instant(record.created_at),
        "updatedAt": instant(record.updated_at),
        "archived": record.archived,
    }
    return answer


def kind_of(name: str) -> ObjectType | None:
    wanted = name.casefold()
    return next(
        (t for t in OBJECT_TYPES.values() if wanted in (t.name, t.type_id, t.singular)), None
    )


# The default deal pipeline's stages and their probabilities, as HubSpot creates them.
DEFAULT_DEAL_STAGES = {
    "appointmentscheduled": 0.2,
    "qualifiedtobuy": 0.4,
    "presentationscheduled": 0.6,
    "decisionmakerboughtin": 0.8,
    "contractsent": 0.9,
    "closedwon": 1.0,
    "closedlost": 0.0,
}


def closed_flags(probability: float | None) -> dict[str, str]:
    """A deal's calculated `hs_is_closed*` properties from its stage's probability: HubSpot's
    pipelines take 1.0 for a closed won stage and 0.0 for a closed lost one (an unknown stage is
    open)."""
    won, lost = probability == 1.0, probability == 0.0
    return {
        "hs_is_closed_won": property_text(won),
        "hs_is_closed_lost": property_text(lost),
        "hs_is_closed": property_text(won or lost),
    }


def after_token(offset: int) -> str:
    """An opaque paging cursor, as HubSpot's are (clients pass it back, never read it)."""
    return base64.urlsafe_b64encode(f"v4-{offset}".encode()).decode()


def after_offset(token: object) -> int | None:
    """The offset an `after_token` stands for; None for anything else."""
    try:
        text = base64.urlsafe_b64decode(str(token).encode()).decode()
    except (ValueError, UnicodeError):
        return None
    prefix, _, number = text.partition("-")
    return int(number) if prefix == "v4" and number.isascii() and number.isdigit() else None


def id_order(record: Record) -> tuple[int, str]:
    return (
        (0, f"{int(record.object_id):020d}")
        if record.object_id.isdigit()
        else (1, record.object_id)
    )


def number_id(object_id: str) -> int | str:
    return int(object_id) if object_id.isdigit() else object_id


def not_found_error(kind: ObjectType, ids: list[str]) -> dict[str, Any]:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": f"Could not get some {kind.label} objects, they may be deleted or not exist."
        " Check that ids are valid.",
        "context": {"ids": ids},
    }


def no_associations_error(source: ObjectType, target: ObjectType, from_id: str) -> dict[str, Any]:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {target.singular} is associated with {source.singular} {from_id}.",
        "context": {
            "fromObjectId": [from_id],
            "fromObjectType": [source.singular],
            "toObjectType": [target.singular],
        },
    }
