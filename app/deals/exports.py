"""What the CRMs' deals exports (CSV) look like, and how an export row becomes a canonical deal.

The import (`app/deals/importer.py`) plans and runs; this module knows the exports: each CRM's
column names for a deal's fields, how a layout is told from the header row, and how an export's
amounts, dates and owners are read. Kept apart so that a CRM changing its export is a change here.

Where the export columns come from (neither CRM documents a deals export's header row as such):
- HubSpot writes each property's label as its header (knowledge.hubspot.com, "Export records"),
  owners as names, associations as a names column and an IDs column ("(Primary)" in newer
  exports, several values joined by `;`), datetimes as `YYYY-MM-DD HH:MM`. The labels are those
  of HubSpot's default deal properties (knowledge.hubspot.com, "HubSpot's default deal
  properties") as its properties API spells them: `hs_object_id` "Record ID", `dealname` "Deal
  Name", `dealstage` "Deal Stage", `amount` "Amount", `deal_currency_code` "Currency", `closedate`
  "Close Date", `hubspot_owner_id` "Deal owner", `description` "Deal Description". The exports API
  (developers.hubspot.com, CRM exports, `exportInternalValuesOptions`) can write internal names
  and stage ids instead: both are read.
- Pipedrive writes "<Object> - <Field>" headers, deal fields first (support.pipedrive.com,
  "Exporting data from Pipedrive"); the names below are those seen in code that reads real
  exports: "Deal - ID", "Deal - Title", "Deal - Value", "Deal - Currency of Value", "Deal - Status"
  (Open, Won, Lost), "Deal - Owner" (a name), "Deal - Organization", "Deal - Organization ID",
  "Deal - Won time", "Deal - Expected close date", "Organization - Name"… Whether a deals export
  carries the organization's ID is not settled: without it the customer is matched by name.
"""

import re
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.models import CrmSource


class Layout(StrEnum):
    canonical = "canonical"
    hubspot = "hubspot"
    pipedrive = "pipedrive"


LAYOUT_NAMES = {
    Layout.canonical: "the canonical columns",
    Layout.hubspot: "a HubSpot deals export",
    Layout.pipedrive: "a Pipedrive deals export",
}
# An export's columns for each field, most specific first: a row takes the first filled one.
EXPORT_COLUMNS: dict[Layout, dict[str, tuple[str, ...]]] = {
    Layout.hubspot: {
        "external_id": ("Record ID", "hs_object_id"),
        "name": ("Deal Name", "dealname"),
        "stage": ("Deal Stage", "dealstage"),
        "amount": ("Amount",),
        "currency": ("Currency", "deal_currency_code"),
        "close_date": ("Close Date", "closedate"),
        "owner": ("Deal owner",),
        "requirements": ("Deal Description", "description"),
        "customer_external_id": ("Associated Company IDs (Primary)", "Associated Company IDs"),
        # A deal without a company was sold to its contact.
        "customer_name": (
            "Associated Company (Primary)",
            "Associated Company",
            "Associated Contact",
        ),
    },
    Layout.pipedrive: {
        "external_id": ("Deal - ID",),
        "name": ("Deal - Title",),
        "status": ("Deal - Status",),
        "stage": ("Deal - Stage",),
        "amount": ("Deal - Value",),
        "currency": ("Deal - Currency of Value", "Deal - Currency"),
        "close_date": (
            "Deal - Deal closed on",
            "Deal - Closed on",
            "Deal - Won time",
            "Deal - Expected close date",
        ),
        "owner": ("Deal - Owner",),
        "customer_external_id": ("Deal - Organization ID", "Organization - ID"),
        "customer_name": (
            "Deal - Organization",
            "Organization - Name",
            "Deal - Contact person",
            "Person - Name",
        ),
    },
}
# Without these an export cannot be read at all (which deal, what it is called, is it won).
REQUIRED = {
    Layout.hubspot: ("external_id", "name", "stage"),
    Layout.pipedrive: ("external_id", "name", "status"),
}
_HUBSPOT_SIGNS = {"record id", "deal name", "deal stage", "hs_object_id", "dealname", "dealstage"}
# Currency marks that name one currency; `$` and `¥` name several and say nothing.
_MARKS = {"€": "EUR", "£": "GBP", "$": None, "¥": None}
_AMOUNT = re.compile(r"(?P<before>[^\d-]*?)\s*(?P<number>\d(?:[\d.,'\s]*\d)?)\s*(?P<after>\D*)")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def header_key(header: str) -> str:
    """A header as compared: exports differ in case and spacing, never in meaning."""
    return " ".join(header.split()).casefold()


def stage_key(stage: str) -> str:
    """A stage as compared: case, spaces and punctuation aside, so HubSpot's id `closedwon` and
    the label an export shows, "Closed Won", are the same stage."""
    return "".join(character for character in stage.casefold() if character.isalnum())


def detect_layout(header: Sequence[str], source: CrmSource | None) -> Layout:
    """The layout a header row is written in; `source` decides only when the header cannot."""
    keys = {header_key(name) for name in header}
    if "external_id" in keys:
        return Layout.canonical
    if keys & _HUBSPOT_SIGNS:
        return Layout.hubspot
    if any(key.startswith("deal - ") for key in keys):
        return Layout.pipedrive
    if source in (CrmSource.hubspot, CrmSource.pipedrive):
        return Layout(source.value)
    return Layout.canonical


def parse_amount(text: str) -> tuple[str, str | None]:
    """An export's amount as a decimal string, and the currency it names, if any: `117.0`,
    `$12,400.50`, `EUR 1.234,50`, `1 234,5 €`. Anything else is a ValueError, never a guess."""
    match = _AMOUNT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"amount: {text!r} is not a number")
    named: set[str] = set()
    for mark in (match["before"].strip(), match["after"].strip()):
        if mark in _MARKS:
            code = _MARKS[mark]
        elif re.fullmatch(r"[A-Z]{3}", mark) or not mark:
            code = mark or None
        else:
            raise ValueError(f"amount: {text!r} is not a number")
        if code is not None:
            named.add(code)
    if len(named) > 1:
        raise ValueError(f"amount: {text!r} names two currencies")
    digits = match["number"]
    if re.search(r"[\s']", digits):  # 12 400,50 and 12'400.50 group by thousands
        if not re.fullmatch(r"\d{1,3}([\s']\d{3})+([.,]\d+)?", digits):
            raise ValueError(f"amount: {text!r} is not a number")
        digits = re.sub(r"[\s']", "", digits)
    if "," in digits and "." in digits:  # the last of the two separates the decimals
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        whole, _, fraction = digits.rpartition(decimal)
        grouping = "." if decimal == "," else ","
        if not re.fullmatch(rf"\d{{1,3}}(\{grouping}\d{{3}})*", whole):
            raise ValueError(f"amount: {text!r} is not a number")
        digits = f"{whole.replace(grouping, '')}.{fraction}"
    elif "," in digits or digits.count(".") > 1:
        separator = "," if "," in digits else "."
        if re.fullmatch(rf"\d{{1,3}}(\{separator}\d{{3}})+", digits):  # 12,400 and 1.234.567
            digits = digits.replace(separator, "")
        elif re.fullmatch(r"\d+,\d{1,2}", digits):  # a decimal comma: 12,5
            digits = digits.replace(",", ".")
        else:
            raise ValueError(f"amount: {text!r} is not a number")
    if not re.fullmatch(r"\d+(\.\d+)?", digits):
        raise ValueError(f"amount: {text!r} is not a number")
    return str(Decimal(digits)), (named.pop() if named else None)


def export_body(cells: dict[str, str]) -> dict[str, Any]:
    """An export row's cells (by canonical field) as a canonical deal's body: what cannot be
    read, or was sold to no one, is a ValueError."""
    body: dict[str, Any] = {
        key: cells[key] for key in ("external_id", "name", "stage", "requirements") if key in cells
    }
    if "customer_name" not in cells:
        raise ValueError("customer: the deal has no company (organization) and no contact")
    body["customer"] = {"name": cells["customer_name"]}
    if "customer_external_id" in cells:
        body["customer"]["external_id"] = cells["customer_external_id"]
    if "amount" in cells:
        body["amount"], named = parse_amount(cells["amount"])
        currency = cells.get("currency", "").upper()
        if named and currency and named != currency:
            raise ValueError(f"amount: {cells['amount']!r} is not in the currency {currency}")
        if currency or named:
            body["currency"] = currency or named
    if "close_date" in cells:
        date = _DATE.fullmatch(cells["close_date"])
        if date is None:
            raise ValueError(f"close_date: {cells['close_date']!r} is not a date (YYYY-MM-DD)")
        body["close_date"] = date.group(1)
    # Exports name the owner; a member is matched by email only, so a name is just kept.
    owner = cells.get("owner")
    if owner:
        body["owner_email" if _EMAIL.fullmatch(owner) else "owner_name"] = owner
    return body
