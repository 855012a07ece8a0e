"""What every provider module works with: the request as received, the connection's
credentials, and what a request says about deals."""

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.core.bounded_json import MAX_JSON_DEPTH, read_json
from app.core.errors import FieldProblem
from app.deals.schemas import CanonicalDeal
from app.settings import Settings


class Rejected(Exception):
    """The request does not prove it comes from the connection's CRM. The reason is logged and
    counted, never told to the caller."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail  # kept with the request for support (never a secret)


class Malformed(Exception):
    """A verified request whose body is not what its CRM documents."""

    def __init__(self, message: str, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or [FieldProblem(loc=["body"], message=message, type="malformed")]


@dataclass(frozen=True)
class Received:
    """An inbound request, exactly as it arrived (header names lower-cased)."""

    method: str
    path: str  # with the query string, as the client sent it
    headers: Mapping[str, str]
    body: bytes
    # the service's public base URL it was sent to (app/core/urls.py), without a trailing slash;
    # empty for a request read again from its kept record (verified when it arrived)
    base_url: str = ""


@dataclass(frozen=True)
class Credentials:
    """What the connection checks a request against (secrets decrypted, live ones only)."""

    secrets: list[str]
    won_stages: list[str]
    basic_auth_username: str | None = None
    salesforce_organization_id: str | None = None


@dataclass(frozen=True)
class DealSignal:
    """One deal a request speaks of: won (with what is needed to plan its project), or a change
    to a deal that may already have its project."""

    external_id: str
    won: bool
    deal: CanonicalDeal | None
    changes: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)
    lost: bool = False  # the CRM says the deal is lost now
    # When the CRM last modified the deal as sent (aware, UTC); None when the request does not
    # say (a generic canonical deal, HubSpot's events, which carry one property each).
    modified_at: datetime | None = None


@dataclass(frozen=True)
class Reading:
    """What a verified request says: its delivery's key (the same on every retry of it) and the
    deals it speaks of."""

    delivery_key: str
    signals: list[DealSignal]


def as_received(body: bytes) -> bytes:
    return body


@dataclass(frozen=True)
class Provider:
    verify: Callable[[Received, Credentials, Settings, datetime], None]
    read: Callable[[Received, Credentials], Reading]
    # What of a body is kept (for support, and for the worker to read again): all of it, but a
    # credential the CRM puts in its messages, which `crm:read` keys would otherwise read.
    kept_body: Callable[[bytes], bytes] = as_received


def json_body(body: bytes) -> Any:
    """The body as JSON, or `Malformed`: not JSON, or nested deeper than `MAX_JSON_DEPTH`
    (which a CRM never sends, and which would break every later reading of it)."""
    try:
        return read_json(body)
    except ValueError as exc:
        raise Malformed(f"The body is not JSON nested at most {MAX_JSON_DEPTH} deep.") from exc


def delivery_key(prefix: str, ids: Iterable[str]) -> str:
    """A short stable key for a delivery: `prefix:<id>` for one short provider id (readable
    for support), else a digest of all of them (any order)."""
    given = sorted(ids)
    if len(given) == 1 and len(given[0]) <= 150:
        return f"{prefix}:{given[0]}"
    return f"{prefix}:" + hashlib.sha256("\n".join(given).encode()).hexdigest()


def canonical(values: dict[str, Any], where: list[str | int]) -> CanonicalDeal:
    """The canonical deal from a provider's fields, or `Malformed` naming what is wrong."""
    try:
        return CanonicalDeal.model_validate(values)
    except ValidationError as exc:
        raise Malformed(
            "The deal does not fit the canonical deal schema.",
            [
                FieldProblem(loc=[*where, *error["loc"]], message=error["msg"], type=error["type"])
                for error in exc.errors()
            ],
        ) from exc
