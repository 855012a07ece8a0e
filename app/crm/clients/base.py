"""What every CRM API client returns and raises, and how a CRM's values are bounded before they
become a canonical deal (the CRM is trusted for what it says, never for how much of it)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol, get_args
from uuid import UUID

import structlog
from pydantic import EmailStr, StringConstraints, TypeAdapter, ValidationError

from app.core.schemas import LongText, Name
from app.deals.schemas import MAX_LINE_ITEMS, CanonicalDeal
from app.models import CrmSource

logger = structlog.get_logger("handover.crm")


@dataclass(frozen=True)
class ApiAccess:
    """What we call a connection's CRM API with."""

    provider: CrmSource
    connection_id: UUID
    base_url: str  # no trailing slash
    token: str  # HubSpot private-app token, Pipedrive API token, Salesforce access token
    won_stages: tuple[str, ...]  # HubSpot stage ids, Salesforce stage names


@dataclass(frozen=True)
class Contact:
    external_id: str
    name: str
    email: str | None
    title: str | None


@dataclass(frozen=True)
class CrmDeal:
    """A deal as the CRM's API tells it: complete."""

    deal: CanonicalDeal
    contacts: list[Contact]
    won: bool
    lost: bool
    modified_at: datetime | None  # aware, UTC


@dataclass(frozen=True)
class ChangedPage:
    external_ids: list[str]  # deals changed (won or not) since `since`, oldest change first
    # the caller's next cursor: every change before it is on this page or an earlier one (the
    # newest change among them, where the CRM lists deals in one list)
    last_modified: datetime | None
    next_page: str | None  # opaque: ask for the following page with it; None at the end


class CrmUnavailable(Exception):
    """An outage, a timeout, a 5xx, a 429 too long to wait out: try again later. `asked` is
    False when no request went out at all (the connection is paused until `retry_after`)."""

    def __init__(
        self, reason: str, retry_after: float | None = None, *, asked: bool = True
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.asked = asked


class CrmRefused(Exception):
    """401/403, a missing scope, an unsafe base URL, a request the CRM will never accept: a person
    must act before asking again helps."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CrmClient(Protocol):
    async def complete(self, external_ids: Sequence[str]) -> dict[str, CrmDeal]:
        """The deals the CRM knows among these ids (unknown ids are simply absent)."""
        ...

    async def changed_since(self, since: datetime, page: str | None = None) -> ChangedPage:
        """Deals changed since `since` (HubSpot: after it, to the millisecond; Pipedrive and
        Salesforce: from its second on, as they stamp to the second), oldest first,
        a page at a time."""
        ...


def _max_length(annotated: Any) -> int:
    return next(
        meta.max_length
        for meta in get_args(annotated)[1:]
        if isinstance(meta, StringConstraints) and meta.max_length is not None
    )


NAME_LENGTH = _max_length(Name)
LONG_TEXT_LENGTH = _max_length(LongText)
MAX_CONTACTS = 100
_CENT = Decimal("0.01")
_QUANTUM = Decimal("0.0001")
_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)


def text(value: Any, limit: int = NAME_LENGTH) -> str | None:
    """The value as text PostgreSQL can store, cut to `limit`; None when blank."""
    if value is None or isinstance(value, dict | list):
        return None
    cleaned = str(value).replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    cleaned = cleaned.strip()[:limit].strip()
    return cleaned or None


def decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def money(value: Any) -> Decimal | None:
    """A non-negative amount in cents that fits the canonical deal (16 digits), else None."""
    number = decimal(value)
    if number is None or number < 0:
        return None
    number = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    return number if len(number.as_tuple().digits) <= 16 else None


def quantity(value: Any) -> Decimal | None:
    """A line item's quantity (1 when the CRM has none), None when it is not a positive number
    the canonical deal can hold."""
    if value is None or value == "":
        return Decimal(1)
    number = decimal(value)
    if number is None or number <= 0:
        return None
    number = number.quantize(_QUANTUM, rounding=ROUND_HALF_UP)
    return number if number > 0 and len(number.as_tuple().digits) <= 12 else None


def currency(value: Any) -> str | None:
    code = text(value, 3)
    return code.upper() if code and len(code) == 3 and code.isalpha() and code.isascii() else None


def website(value: Any) -> str | None:
    """A URL for the customer: as given when it has a scheme, `https://domain` for a domain."""
    given = text(value, 2048)
    if given is None or any(character.isspace() for character in given):
        return None
    if not given.lower().startswith(("http://", "https://")):
        given = f"https://{given.lstrip('/')}"
    return given if len(given) <= 2048 and len(given) > len("https://") else None


def email(value: Any) -> str | None:
    given = text(value, 320)
    if given is None:
        return None
    try:
        return _EMAIL.validate_python(given)
    except ValidationError:
        return None


def moment(value: Any) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text or epoch milliseconds."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    given = str(value).strip()
    try:
        if given.isdigit():
            return datetime.fromtimestamp(int(given) / 1000, UTC)
        parsed = datetime.fromisoformat(given)
        # year 1 at +05:00 is before the first UTC moment a datetime can hold (OverflowError)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return None


def day(value: Any) -> date | None:
    """A date from an ISO date, an ISO datetime (its UTC date) or epoch milliseconds."""
    given = text(value, 64)
    if given is None:
        return None
    if len(given) == 10:
        try:
            return date.fromisoformat(given)
        except ValueError:
            return None
    parsed = moment(given)
    return parsed.date() if parsed else None


def line_item(
    name: Any, count: Any, unit_price: Any, sku: Any, fallback_name: str
) -> dict[str, Any] | None:
    """A canonical line item, or None for one without a positive quantity."""
    amount = quantity(count)
    if amount is None:
        return None
    return {
        "name": text(name) or fallback_name,
        "quantity": amount,
        "unit_price": money(unit_price),
        "sku": text(sku),
    }


def contact(external_id: Any, name: Any, address: Any, title: Any) -> Contact | None:
    label = text(name) or text(address)
    if label is None or external_id is None:
        return None
    return Contact(str(external_id), label, email(address), text(title))


def crm_deal(
    values: dict[str, Any],
    *,
    contacts: list[Contact],
    won: bool,
    lost: bool,
    modified_at: datetime | None,
    provider: CrmSource,
) -> CrmDeal | None:
    """The complete deal, or None (logged) when the canonical schema still refuses it."""
    values = {**values, "line_items": values.get("line_items", [])[:MAX_LINE_ITEMS]}
    if (values.get("amount") is None) != (values.get("currency") is None):
        if values.get("amount") is not None:
            logger.warning(
                "a CRM deal's amount has no currency and is left out",
                provider=provider.value,
                external_id=values.get("external_id"),
            )
        values["amount"] = values["currency"] = None
    try:
        deal = CanonicalDeal.model_validate(values)
    except ValidationError as exc:
        logger.warning(
            "a CRM deal does not fit the canonical deal and is skipped",
            provider=provider.value,
            external_id=values.get("external_id"),
            problems=[f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()],
        )
        return None
    return CrmDeal(deal, contacts[:MAX_CONTACTS], won, lost, modified_at)
