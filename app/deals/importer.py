"""`handover import-deals`: a CRM export (CSV) through the same path as every pushed deal.

One row, one transaction: a rejected row (invalid, or naming an unknown template or manager)
changes nothing and the rest goes on; running the import again finds every deal `existing`.
"""

import csv
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

from pydantic import ValidationError
from sqlmodel import select

from app.core.auth import Caller
from app.core.errors import DomainError
from app.db import Database
from app.deals import service
from app.deals.schemas import DealPush
from app.models import CrmSource, Member

# The CSV's columns: the canonical deal, flattened. Empty cells are absent values.
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


@dataclass(frozen=True)
class RowResult:
    line: int
    external_id: str
    outcome: str  # created, existing, rejected
    reason: str | None = None


def _deal(row: dict[str, str], options: dict[str, Any]) -> DealPush:
    cells = {key: value.strip() for key, value in row.items() if key and value and value.strip()}
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
        body["line_items"] = json.loads(cells["line_items"])
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
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


class UnknownManager(Exception):
    """The project manager named for the import is not a member of the organization."""


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


async def import_deals(
    database: Database,
    organization_id: UUID,
    handle: TextIO,
    *,
    source: CrmSource,
    project_template_id: UUID | None,
    project_manager_id: UUID | None,
) -> AsyncIterator[RowResult]:
    """Take every row of the CSV, yielding each row's result in order."""
    caller = Caller(organization_id, None, frozenset())
    options: dict[str, Any] = {"source": source}
    if project_template_id is not None:
        options["project_template_id"] = project_template_id
    if project_manager_id is not None:
        options["project_manager_id"] = project_manager_id
    for line, row in enumerate(csv.DictReader(handle), start=2):
        external_id = (row.get("external_id") or "").strip()
        try:
            deal = _deal(row, options)
            async with database.transaction() as session:
                intake = await service.push_deal(session, caller, deal)
        except (ValueError, DomainError) as exc:  # ValidationError is a ValueError
            yield RowResult(line, external_id, "rejected", _reason(exc))
            continue
        yield RowResult(line, external_id, intake.project.value)
