"""Where the intake reads a connection and keeps what its CRM sent: two steps, so that the
intake's rules (app/crm/intake.py) stay in one place whichever database answers them.

`DatabaseIntake` takes them through the engine on any database. On PostgreSQL the app hands the
intake the fast path's `LeanIntake` (app/fastpath/intake.py) instead: the same two steps as one
statement each on a plain asyncpg connection, the claim and the kept request in one, and this
store where those connections fail. The suite runs the intake through each on its database, and
tests/crm/test_intake_store.py holds the two side by side on PostgreSQL.
"""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import insert, select
from sqlmodel import col

from app.db import Database, insert_or_ignore
from app.models import (
    CrmConnection,
    CrmDeliveryClaim,
    CrmInboundRequest,
    CrmSource,
    InboundKind,
    InboundOutcome,
)


@dataclass(frozen=True)
class Sender:
    """A connection as its intake knows it: whose it is, whether it is on, and what a request
    is checked against (secrets still encrypted)."""

    id: UUID
    organization_id: UUID
    provider: CrmSource
    enabled: bool
    secret_encrypted: bytes | None
    previous_secret_encrypted: bytes | None
    previous_secret_expires_at: datetime | None
    won_stages: list[str]
    basic_auth_username: str | None
    salesforce_organization_id: str | None


SENDER_COLUMNS = tuple(field.name for field in fields(Sender))  # what is read of a connection


@dataclass(frozen=True)
class Kept:
    """A request as it is kept (`crm_inbound_requests`); `outcome` is what it is unless its
    delivery turns out to be claimed already."""

    id: UUID
    organization_id: UUID
    connection_id: UUID
    received_at: datetime
    delivery_key: str | None
    headers: dict[str, str]
    body: bytes
    body_bytes: int
    body_sha256: str
    outcome: InboundOutcome
    detail: str | None

    def row(self, outcome: InboundOutcome) -> dict[str, Any]:
        """Its columns when kept as `outcome`: only a `received` request waits for the worker."""
        return {
            "id": self.id,
            "organization_id": self.organization_id,
            "connection_id": self.connection_id,
            "received_at": self.received_at,
            "delivery_key": self.delivery_key,
            "headers": self.headers,
            "body": self.body,
            "body_bytes": self.body_bytes,
            "body_sha256": self.body_sha256,
            "outcome": outcome,
            "detail": self.detail,
            "deal_ids": [],
            "project_ids": [],
            "kind": InboundKind.push,
            "attempts": 0,
            "next_attempt_at": self.received_at if outcome is InboundOutcome.received else None,
        }


class IntakeStore(Protocol):
    async def sender(self, connection_id: UUID) -> Sender | None:
        """The connection, or None when there is none of that id."""

    async def keep(self, kept: Kept, *, claim: bool) -> InboundOutcome:
        """Keep the request. With `claim`, its delivery is claimed in the same transaction,
        and a delivery claimed before is kept as a `duplicate`: the outcome it was kept as."""


class DatabaseIntake:
    """The two steps through the engine: on SQLite, and on PostgreSQL where the fast path's
    connections fail."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def sender(self, connection_id: UUID) -> Sender | None:
        columns = [getattr(CrmConnection, name) for name in SENDER_COLUMNS]
        statement: Any = select(*columns).where(col(CrmConnection.id) == connection_id)
        async with self.database.transaction(write=False) as session:
            row = (await session.exec(statement)).first()
        return None if row is None else Sender(*row)

    async def keep(self, kept: Kept, *, claim: bool) -> InboundOutcome:
        outcome = kept.outcome
        async with self.database.transaction() as session:
            if claim:
                claimed = await session.exec(
                    insert_or_ignore(session, CrmDeliveryClaim.__table__).values(  # type: ignore[attr-defined]
                        connection_id=kept.connection_id,
                        delivery_key=kept.delivery_key,
                        claimed_at=kept.received_at,
                    )
                )
                if claimed.rowcount == 0:
                    outcome = InboundOutcome.duplicate
            await session.exec(insert(CrmInboundRequest).values(kept.row(outcome)))
        return outcome
