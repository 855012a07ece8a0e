"""`handover import-deals`: a CRM export (CSV) through the same path as every pushed deal.

Three layouts, told apart by the header row (`--source` decides when it cannot): our canonical
columns (`COLUMNS`), a HubSpot deals export and a Pipedrive deals export. An export's own column
names are mapped to the canonical deal and its other columns (exports have dozens) are ignored;
in the canonical layout an unknown column is still an error. Only won rows are taken, the others
are `skipped`. One row, one transaction: a rejected row (invalid, or naming an unknown template or
manager) changes nothing and the rest goes on; running the import again finds every deal
`existing`.

What the exports look like, and where their column names come from: `app/deals/exports.py`.
"""

import csv
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlmodel import select

from app.core.auth import Caller
from app.core.bounded_json import read_json
from app.core.errors import DomainError
from app.crm import service as crm_service
from app.crm.schemas import DEFAULT_WON_STAGES
from app.db import Database
from app.deals import service
from app.deals.exports import (
    EXPORT_COLUMNS,
    LAYOUT_NAMES,
    REQUIRED,
    Layout,
    detect_layout,
    export_body,
    header_key,
    stage_key,
)
from app.deals.schemas import DealPush
from app.models import CrmSource, Member

# The canonical layout: the canonical deal, flattened. Empty cells are absent values.
COLUMNS = (
    "external_id",
    "name",
    "customer_external_id",
    "customer_name",
    "customer_website",
    "amount",
    "currency",
    "close_date",
    "stage",
    "owner_email",
    "owner_name",
    "requirements",
    "line_items",
)
# Canonical rows with a stage count as won in these stages unless told otherwise.
CANONICAL_WON_STAGES = ("closedwon", "Closed Won", "won")


@dataclass(frozen=True)
class RowResult:
    line: int
    external_id: str
    outcome: str  # created, existing, skipped, rejected
    reason: str | None = None


class CannotImport(Exception):
    """The import cannot start: nothing was read or changed."""


class UnknownManager(CannotImport):
    """The project manager named for the import is not a member of the organization."""


@dataclass(frozen=True)
class ConnectionRules:
    """What an import takes from a CRM connection: its CRM, and the stages that mean won."""

    provider: CrmSource
    won_stages: tuple[str, ...]
    connection_id: UUID | None = None  # the deals' connection: their projects write back there


@dataclass(frozen=True)
class Plan:
    """How a file is read: its layout, the deals' source, and which rows are won."""

    layout: Layout
    source: CrmSource
    columns: dict[str, tuple[str, ...]]  # field → the file's own headers for it
    won_stages: frozenset[str] | None  # stage keys; None: every row is won (Pipedrive: status)

    def describe(self) -> str:
        if self.layout is Layout.pipedrive:
            rule = "won: status Won"
        elif self.won_stages is None:
            rule = "won: every row"
        else:
            rule = f"won: stage {', '.join(sorted(self.won_stages))}"
        return f"Reading {LAYOUT_NAMES[self.layout]} as source {self.source} ({rule})."


def plan_import(
    header: Sequence[str],
    *,
    source: CrmSource | None = None,
    connection: ConnectionRules | None = None,
    won_stages: Sequence[str] = (),
) -> Plan:
    """Read the header row: the layout, the source (the export's CRM, else the connection's or
    `source`, else generic) and the won stages (the connection's and `won_stages`; without them
    HubSpot's `closedwon`, and in the canonical layout every row when there is no stage column,
    else `CANONICAL_WON_STAGES`; a generic connection without won stages takes every row, as it
    does every push). Pipedrive deals are won by their status, never by a stage."""
    if connection is not None:
        if source is not None and source != connection.provider:
            raise CannotImport(
                f"--source {source} contradicts the connection, which is {connection.provider}."
            )
        source = connection.provider
    layout = detect_layout(header, source)
    columns: dict[str, tuple[str, ...]] = {}
    if layout is not Layout.canonical:
        exported_by = CrmSource(layout.value)
        if source is not None and source != exported_by:
            raise CannotImport(f"The file is {LAYOUT_NAMES[layout]}, but the source is {source}.")
        source = exported_by
        present = {header_key(name): name for name in header}
        for field, names in EXPORT_COLUMNS[layout].items():
            found = tuple(present[key] for key in map(header_key, names) if key in present)
            if found:
                columns[field] = found
        needed = EXPORT_COLUMNS[layout]
        missing = [needed[field][0] for field in REQUIRED[layout] if field not in columns]
        if missing:
            raise CannotImport(
                f"The file is {LAYOUT_NAMES[layout]} without the column(s) {', '.join(missing)}."
            )
    stages = [*(connection.won_stages if connection else ()), *won_stages]
    won: frozenset[str] | None
    if layout is Layout.pipedrive:
        if won_stages:
            raise CannotImport("--won-stage does not apply to Pipedrive: its status says won.")
        won = None
    elif stages:
        won = frozenset(key for key in map(stage_key, stages) if key)
    elif layout is Layout.hubspot:
        won = frozenset(map(stage_key, DEFAULT_WON_STAGES[CrmSource.hubspot]))
    elif connection is not None and connection.provider is CrmSource.generic:
        won = None
    elif "stage" in {header_key(name) for name in header}:
        won = frozenset(map(stage_key, CANONICAL_WON_STAGES))
    else:
        won = None
    return Plan(layout, source or CrmSource.generic, columns, won)


def _cells(plan: Plan, row: dict[str | Any, str | Any]) -> dict[str, str]:
    """The row's filled cells: by header (canonical), or by canonical field (exports)."""
    if plan.layout is Layout.canonical:
        return {
            key: value.strip()
            for key, value in row.items()
            if isinstance(key, str) and isinstance(value, str) and value.strip()
        }
    cells: dict[str, str] = {}
    for field, headers in plan.columns.items():
        value = next((row[name].strip() for name in headers if (row.get(name) or "").strip()), "")
        if value and plan.layout is Layout.hubspot and field.startswith("customer_"):
            value = value.split(";")[0].strip()  # several associated records: the first
        if value:
            cells[field] = value
    return cells


def _skipped_because(plan: Plan, cells: dict[str, str]) -> str | None:
    """Why a row is not won, or None when it is."""
    if plan.layout is Layout.pipedrive:
        status = cells.get("status", "")
        return None if stage_key(status) == "won" else f"status {status or '(none)'!r} is not Won"
    stage = cells.get("stage", "")
    if plan.won_stages is None or stage_key(stage) in plan.won_stages:
        return None
    return f"stage {stage!r} is not won" if stage else "no stage"


def _canonical_body(cells: dict[str, str]) -> dict[str, Any]:
    unknown = set(cells) - set(COLUMNS)
    if unknown:
        raise ValueError(f"unknown columns: {', '.join(sorted(unknown))}")
    body: dict[str, Any] = {
        key: cells[key]
        for key in COLUMNS
        if key in cells and not key.startswith("customer_") and key != "line_items"
    }
    body["customer"] = {
        key.removeprefix("customer_"): cells[key]
        for key in ("customer_external_id", "customer_name", "customer_website")
        if key in cells
    }
    if "line_items" in cells:
        body["line_items"] = read_json(cells["line_items"])
    return body


def _deal(
    plan: Plan, cells: dict[str, str], options: dict[str, Any], currency: str | None
) -> DealPush:
    body = _canonical_body(cells) if plan.layout is Layout.canonical else export_body(cells)
    if currency is not None and body.get("amount") and not body.get("currency"):
        body["currency"] = currency
    if body.get("amount") and not body.get("currency"):
        raise ValueError("currency: the amount has no currency in the file (pass --currency)")
    return DealPush.model_validate({**body, **options})


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'row'}: {error['msg']}"
            for error in exc.errors()
        )
    if isinstance(exc, DomainError) and exc.errors:
        return "; ".join(f"{error.loc[-1]}: {error.message}" for error in exc.errors)
    return str(exc)


def count_rows(path: Path) -> int:
    """The file's data rows, counted by reading it whole before a row is imported: a file that
    cannot be read to its end (not UTF-8, a cell over the csv module's 128 KiB) is refused then,
    not halfway through with projects already made."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            return max(sum(1 for _ in reader) - 1, 0)
        except UnicodeDecodeError as exc:
            raise CannotImport("the file is not UTF-8: save the export as CSV UTF-8") from exc
        except csv.Error as exc:
            raise CannotImport(f"line {reader.line_num}: {exc}") from exc


async def manager_by_email(database: Database, organization_id: UUID, email: str) -> UUID:
    async with database.transaction(write=False) as session:
        found = await session.exec(
            select(Member.id).where(
                Member.organization_id == organization_id, Member.email == email.lower()
            )
        )
        member_id = found.first()
    if member_id is None:
        raise UnknownManager(f"No member with the email {email} in the organization.")
    return member_id


async def connection_rules(
    database: Database, organization_id: UUID, connection_id: UUID
) -> ConnectionRules:
    """The organization's CRM connection's provider and won stages."""
    caller = Caller(organization_id, None, frozenset())
    async with database.transaction(write=False) as session:
        try:
            connection = await crm_service.get_connection(session, caller, connection_id)
        except crm_service.CrmConnectionNotFound as exc:
            raise CannotImport(str(exc)) from exc
        return ConnectionRules(connection.provider, tuple(connection.won_stages), connection.id)


async def import_deals(
    database: Database,
    organization_id: UUID,
    rows: Iterable[dict[str | Any, str | Any]],
    plan: Plan,
    *,
    currency: str | None = None,
    project_template_id: UUID | None = None,
    project_manager_id: UUID | None = None,
    connection_id: UUID | None = None,
) -> AsyncIterator[RowResult]:
    """Take every won row of the file (after its header row), yielding each row's result in
    order. `currency` is that of amounts the file gives none for."""
    caller = Caller(organization_id, None, frozenset())
    options: dict[str, Any] = {"source": plan.source}
    if project_template_id is not None:
        options["project_template_id"] = project_template_id
    if project_manager_id is not None:
        options["project_manager_id"] = project_manager_id
    for line, row in enumerate(rows, start=2):
        cells = _cells(plan, row)
        external_id = cells.get("external_id", "")
        skipped = _skipped_because(plan, cells)
        if skipped is not None:
            yield RowResult(line, external_id, "skipped", skipped)
            continue
        try:
            deal = _deal(plan, cells, options, currency)
            async with database.transaction() as session:
                intake = await service.push_deal(session, caller, deal, connection_id)
        except (ValueError, DomainError) as exc:  # ValidationError is a ValueError
            yield RowResult(line, external_id, "rejected", _reason(exc))
            continue
        yield RowResult(line, external_id, intake.project.value)
