"""Which write-backs a dispatcher may send now: one update of a deal in flight at a time.

Several dispatchers (replicas, `handover worker`) claim at once. Row locks alone do not keep two
of them off one deal: each locks a different write-back of it (`FOR UPDATE SKIP LOCKED`), and a
claim cannot see the lease another claim has written but not committed. So a claim also takes
its deals' rows (`FOR NO KEY UPDATE SKIP LOCKED`, which leaves the deal's new write-backs free to
be added) and skips a deal another claim holds; only then, seeing every lease committed before
it, does it ask whether an update of the deal is already in flight. It leases every waiting
fields write-back of the deal it takes: the state sent is read after this claim commits, so it
carries each change they stand for, and a later change adds a write-back of its own (a leased
one is in flight and takes no more changes). SQLite has one writer at a time: the claim
transaction alone serialises it, and the row locks are left out.

The `lease_until` a claim writes is its token (`Lease.held`, app/core/leases.py): a dispatcher
records an answer only on the rows that still hold it, so one whose lease ran out (and was taken
over) cannot overwrite what its successor recorded.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Exists, and_, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.leases import Lease, anything_due, takeable, unleased
from app.db import Database
from app.models import CrmWriteback, Deal, WritebackKind, WritebackStatus
from app.models.base import utcnow

# Made once: an alias is costly to build, and an idle dispatcher asks about its deals often.
_SENDING = aliased(CrmWriteback)


def _update_in_flight(deal_id: Any, now: datetime) -> Exists:
    """A fields write-back of the deal `deal_id` names is being sent (leased, so pending)."""
    return exists().where(
        col(_SENDING.deal_id) == deal_id,
        col(_SENDING.kind) == WritebackKind.fields,
        col(_SENDING.status) == WritebackStatus.pending,
        col(_SENDING.lease_until) > now,
    )


async def claim_due(database: Database, limit: int, now: datetime | None = None) -> Lease:
    """Lease up to `limit` due write-backs (each deal's waiting fields write-backs come along
    with its due one); committed before anything is sent."""
    now = now or utcnow()
    window = timedelta(seconds=database.settings.crm_writeback_window_seconds)
    lease_until = now + timedelta(seconds=database.settings.dispatcher_lease_seconds)
    waiting = takeable(CrmWriteback, col(CrmWriteback.status) == WritebackStatus.pending, now)
    if not await anything_due(database, CrmWriteback, waiting):  # a cheap first look
        return Lease([], lease_until)
    due = and_(
        waiting,
        or_(
            col(CrmWriteback.kind) == WritebackKind.note,
            and_(
                # a first look, so that the limit goes to deals that can be sent; asked again
                # under the deal's lock
                ~_update_in_flight(col(CrmWriteback.deal_id), now),
                or_(
                    col(CrmWriteback.attempt_count) > 0,
                    col(CrmWriteback.created_at) <= now - window,
                ),
            ),
        ),
    )
    async with database.transaction() as session:
        found = (
            await session.exec(
                select(CrmWriteback.id, CrmWriteback.kind, CrmWriteback.deal_id)
                .where(due)
                .order_by(col(CrmWriteback.next_attempt_at))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        ids = [row_id for row_id, kind, _ in found if kind == WritebackKind.note]
        deals = {deal_id for _, kind, deal_id in found if kind == WritebackKind.fields}
        if deals:
            ids += await _fields_of_deals_at_rest(session, deals, now)
        if ids:
            await session.exec(
                update(CrmWriteback)
                .where(col(CrmWriteback.id).in_(ids))
                .values(lease_until=lease_until)
            )
    return Lease(ids, lease_until)


async def _fields_of_deals_at_rest(
    session: AsyncSession, deals: set[UUID], now: datetime
) -> list[UUID]:
    """The waiting fields write-backs of those `deals` this claim may take: deals no other claim
    holds and with no update in flight."""
    held = (
        await session.exec(
            select(Deal.id)
            .where(col(Deal.id).in_(deals))
            .with_for_update(skip_locked=True, key_share=True)
        )
    ).all()
    if not held:
        return []
    at_rest = (
        await session.exec(
            select(Deal.id).where(col(Deal.id).in_(held), ~_update_in_flight(col(Deal.id), now))
        )
    ).all()
    if not at_rest:
        return []
    found = await session.exec(
        select(CrmWriteback.id)
        .where(
            col(CrmWriteback.deal_id).in_(at_rest),
            CrmWriteback.kind == WritebackKind.fields,
            CrmWriteback.status == WritebackStatus.pending,
            unleased(CrmWriteback, now),
        )
        .order_by(col(CrmWriteback.created_at))
        .with_for_update(skip_locked=True)
    )
    return list(found.all())
