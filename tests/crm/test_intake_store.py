"""The intake's two steps answer alike through the engine and, on PostgreSQL, through the fast
path: the suite runs the intake through one of them per database, this holds them side by side."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import col, select

from app.crm.intake_store import DatabaseIntake, IntakeStore, Kept, Sender
from app.fastpath.intake import LeanIntake
from app.fastpath.pools import LeanPools
from app.models import CrmDeliveryClaim, CrmInboundRequest, CrmSource, InboundKind, InboundOutcome
from app.models.base import new_id, utcnow
from tests.conftest import settings_for
from tests.crm.samples import connection
from tests.factories import Tenant


class _NoFallback:
    """For holding the lean store to its own statements: falling back would hide them."""

    async def sender(self, connection_id: uuid.UUID) -> Sender | None:
        raise AssertionError("the lean store fell back to the engine")

    async def keep(self, kept: Kept, *, claim: bool) -> InboundOutcome:
        raise AssertionError("the lean store fell back to the engine")


def _stores(app: FastAPI) -> dict[str, IntakeStore]:
    stores: dict[str, IntakeStore] = {"engine": DatabaseIntake(app.state.database)}
    if not app.state.settings.is_sqlite:
        stores["lean"] = LeanIntake(app.state.lean_pools, fallback=_NoFallback())
    return stores


def _kept(
    connection_id: uuid.UUID, organization_id: uuid.UUID, key: str | None, **over: Any
) -> Kept:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": organization_id,
        "connection_id": connection_id,
        "received_at": utcnow(),
        "delivery_key": key,
        "headers": {"content-type": "application/json", "webhook-id": key or "none"},
        "body": b'{"external_id": "D-1"}',
        "body_bytes": 22,
        "body_sha256": "0" * 64,
        "outcome": InboundOutcome.received,
        "detail": "1 deal(s) to plan",
    }
    return Kept(**{**values, **over})


async def _row(tenant: Tenant, kept_id: uuid.UUID) -> CrmInboundRequest:
    async with tenant.database.transaction(write=False) as session:
        found = await session.exec(
            select(CrmInboundRequest).where(col(CrmInboundRequest.id) == kept_id)
        )
        return found.one()


async def test_both_stores_read_the_connection_as_it_is(app: FastAPI, tenant: Tenant) -> None:
    created = await connection(tenant, "generic", won_stages=["won", "signed"])
    rotated = await tenant.post(
        f"/v1/crm-connections/{created['id']}/rotate-secret", json={"grace_period_seconds": 600}
    )
    assert rotated.status_code == 200, rotated.text
    connection_id = uuid.UUID(created["id"])

    senders = {name: await store.sender(connection_id) for name, store in _stores(app).items()}
    unknown = {name: await store.sender(uuid.uuid4()) for name, store in _stores(app).items()}

    sender = senders["engine"]
    assert sender is not None
    assert (sender.id, sender.organization_id) == (connection_id, tenant.organization_id)
    assert (sender.provider, sender.enabled, sender.won_stages) == (
        CrmSource.generic,
        True,
        ["won", "signed"],
    )
    assert sender.secret_encrypted
    assert sender.previous_secret_encrypted
    assert sender.previous_secret_expires_at is not None
    assert sender.previous_secret_expires_at > utcnow() + timedelta(seconds=590)
    assert list(senders.values()) == [sender] * len(senders)
    assert list(unknown.values()) == [None] * len(unknown)


@pytest.mark.parametrize("store_name", ["engine", "lean"])
async def test_a_claimed_delivery_is_kept_once_then_as_a_duplicate(
    app: FastAPI, tenant: Tenant, store_name: str
) -> None:
    stores = _stores(app)
    if store_name not in stores:
        pytest.skip("the lean store is PostgreSQL's")
    store = stores[store_name]
    created = await connection(tenant, "generic")
    connection_id = uuid.UUID(created["id"])
    first = _kept(connection_id, tenant.organization_id, "msg_once")
    again = _kept(connection_id, tenant.organization_id, "msg_once")
    ignored = _kept(
        connection_id, tenant.organization_id, "msg_other", outcome=InboundOutcome.ignored
    )
    refused = _kept(connection_id, tenant.organization_id, None, outcome=InboundOutcome.rejected)

    outcomes = [
        await store.keep(first, claim=True),
        await store.keep(again, claim=True),
        await store.keep(ignored, claim=True),
        await store.keep(refused, claim=False),
    ]

    assert outcomes == [
        InboundOutcome.received,
        InboundOutcome.duplicate,
        InboundOutcome.ignored,
        InboundOutcome.rejected,
    ]
    rows = [await _row(tenant, kept.id) for kept in (first, again, ignored, refused)]
    assert [row.outcome for row in rows] == outcomes
    # Only a received request waits for the worker; every row is a push, kept as it came.
    assert [row.next_attempt_at for row in rows] == [first.received_at, None, None, None]
    assert {row.kind for row in rows} == {InboundKind.push}
    assert (rows[0].headers, rows[0].body, rows[0].detail) == (
        first.headers,
        first.body,
        first.detail,
    )
    assert (rows[0].deal_ids, rows[0].project_ids, rows[0].attempts) == ([], [], 0)
    async with tenant.database.transaction(write=False) as session:
        claims = await session.exec(
            select(CrmDeliveryClaim.delivery_key).where(
                col(CrmDeliveryClaim.connection_id) == connection_id
            )
        )
        assert sorted(claims.all()) == ["msg_once", "msg_other"]


async def test_a_lean_store_that_cannot_connect_keeps_the_push_through_the_engine(
    app: FastAPI, tenant: Tenant
) -> None:
    """Nothing listens where its pools connect: each step is taken through the engine."""
    created = await connection(tenant, "generic")
    connection_id = uuid.UUID(created["id"])
    unreachable = LeanPools(settings_for("postgresql://handover@127.0.0.1:9/nowhere"))
    store = LeanIntake(unreachable, fallback=DatabaseIntake(app.state.database))
    first = _kept(connection_id, tenant.organization_id, "msg_fallback")
    again = _kept(connection_id, tenant.organization_id, "msg_fallback")

    sender = await store.sender(connection_id)
    outcomes = [await store.keep(first, claim=True), await store.keep(again, claim=True)]

    assert sender is not None
    assert sender.id == connection_id
    assert outcomes == [InboundOutcome.received, InboundOutcome.duplicate]
    assert (await _row(tenant, first.id)).outcome is InboundOutcome.received
