"""Work shared by several workers through the database: rows leased before they are worked on.

A row due for work (`next_attempt_at` passed) is leased by one worker: selected with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (so concurrent workers take different rows; SQLite runs
one worker) and given a `lease_until`, committed before any work starts, so no transaction is
ever held across network I/O. A worker that dies leaves a lease that expires, and the row is
leased again. The webhook dispatcher, the CRM worker and the write-backs lease their rows this way.

A live worker whose work outlasts the lease (a slow receiver, a large batch, a stalled event
loop) would see its rows leased again and the work done twice, so it renews the lease while it
works (`renewing`). And since a renewal can still come too late, the `lease_until` a worker
wrote is its fencing token (`Lease.held`): a later holder of the row wrote a later value, so a
worker records its outcome only where the value is still its own, never over another's.

A worker also sends only what it still holds (`still_holds`, asked right before each send): a
renewal learns which rows are still its own, and a row it lost (taken over while it waited its
turn to be sent, or while the worker stalled) is left to its new holder, unsent. Work stays
at-least-once all the same: a worker can lose its lease while its request is on the wire, and
the new holder sends again.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import Database
from app.models.base import utcnow

logger = structlog.get_logger("handover.leases")


@dataclass
class Lease:
    """Rows one worker leased together, and the `lease_until` it last wrote on them."""

    ids: list[UUID]
    until: datetime
    # Taken by a renewal and by `holding`: an outcome recorded while the lease is renewed must
    # not test the token a renewal is replacing (it would find its rows gone to nobody).
    turn: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False, compare=False)
    # Rows a renewal found no longer this worker's: taken over, or already recorded and released.
    gone: set[UUID] = field(default_factory=set, repr=False, compare=False)

    def held(self, model: Any) -> ColumnElement[bool]:
        """True of this lease's rows that are still this worker's: nobody leased them since
        (a takeover writes a later `lease_until`) and this worker has not released them."""
        return col(model.id).in_(self.ids) & (col(model.lease_until) == self.until)


def unleased(model: Any, now: datetime) -> ColumnElement[bool]:
    """True of `model`'s rows no worker holds at `now`: never leased, released, or expired."""
    return or_(col(model.lease_until).is_(None), col(model.lease_until) < now)


def takeable(model: Any, due: ColumnElement[bool], now: datetime) -> ColumnElement[bool]:
    """True of `model`'s rows that are `due`, whose time has come and that no worker holds."""
    return and_(due, col(model.next_attempt_at) <= now, unleased(model, now))


@asynccontextmanager
async def holding(database: Database, lease: Lease) -> AsyncIterator[AsyncSession]:
    """A transaction for recording an outcome under `lease.held`, while the lease may still be
    renewed for the rows not done yet: the renewal waits for it, and it for the renewal."""
    async with lease.turn, database.transaction() as session:
        yield session


async def anything_due(database: Database, model: Any, due: ColumnElement[bool]) -> bool:
    """Whether a row of `model` is `due`, asked in a read before a claim: a worker with
    nothing to do polls often, and a claim is a write transaction (SQLite's one write lock,
    which the API's writes wait for; a PostgreSQL transaction id and row locks) for nothing."""
    async with database.transaction(write=False) as session:
        found = await session.exec(select(col(model.id)).where(due).limit(1))
        return found.first() is not None


async def lease_rows(
    database: Database, model: Any, due: ColumnElement[bool], limit: int, now: datetime
) -> Lease:
    """Lease up to `limit` rows of `model` (with `id`, `next_attempt_at` and `lease_until`)
    that are `due` and whose time has come, oldest first."""
    lease = Lease([], now + timedelta(seconds=database.settings.dispatcher_lease_seconds))
    ready = takeable(model, due, now)
    if not await anything_due(database, model, ready):
        return lease
    async with database.transaction() as session:
        found = await session.exec(
            select(model.id)
            .where(ready)
            .order_by(col(model.next_attempt_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        lease.ids = list(found.all())
        if lease.ids:
            await session.exec(
                update(model).where(col(model.id).in_(lease.ids)).values(lease_until=lease.until)
            )
    return lease


async def renew(database: Database, model: Any, lease: Lease) -> int:
    """Extend the lease on the rows still held; how many those are. The new `lease_until` is
    the token from now on (unchanged when no row was held any more)."""
    async with lease.turn:
        return await _extend(database, model, lease)


async def still_holds(database: Database, model: Any, lease: Lease, row_id: UUID) -> bool:
    """Whether this worker may send `row_id` now, asked right before the send: it still holds it
    as far as the last renewal knows. A lease whose term has passed by this host's clock (the
    process stalled, the renewer did not run) is renewed first, so that a row another worker
    took over meanwhile is not sent a second time. When that renewal fails the row is not sent
    either: its lease has run out, and it is leased again, by this worker or another."""
    if row_id in lease.gone:
        return False
    if utcnow() >= lease.until:
        async with lease.turn:
            if utcnow() >= lease.until:  # not renewed while this one waited its turn
                try:
                    await _extend(database, model, lease)
                except Exception:
                    logger.exception("renewing a lease before sending failed", row=str(row_id))
                    return False
    return row_id not in lease.gone


async def _extend(database: Database, model: Any, lease: Lease) -> int:
    """`renew`, its turn taken: the rows still held carry the new token; the others are gone."""
    until = utcnow() + timedelta(seconds=database.settings.dispatcher_lease_seconds)
    async with database.transaction() as session:
        result = await session.exec(
            update(model)
            .where(lease.held(model))
            .values(lease_until=until)
            .returning(col(model.id))
        )
        held = set(result.scalars().all())
    lease.gone = set(lease.ids) - held
    if held:
        lease.until = until
    return len(held)


@asynccontextmanager
async def renewing(database: Database, model: Any, lease: Lease) -> AsyncIterator[Lease]:
    """Renew `lease` every third of its length while the block runs, so that no other worker
    takes over rows this one is still working on. Renewal has stopped when the block ends: the
    token is then settled, ready to fence what the worker records."""
    done = asyncio.Event()
    renewer = asyncio.create_task(_renew_until(database, model, lease, done))
    try:
        yield lease
    finally:
        done.set()
        await renewer


async def _renew_until(database: Database, model: Any, lease: Lease, done: asyncio.Event) -> None:
    interval = database.settings.dispatcher_lease_seconds / 3
    while not done.is_set():
        try:
            async with asyncio.timeout(interval):
                await done.wait()
            return
        except TimeoutError:
            pass
        try:
            if not await renew(database, model, lease):
                return  # every row was taken over: the fence keeps the outcome out
        except Exception:
            # The lease may expire and the rows be sent again (at least once); the fence still
            # keeps this worker's outcome from overwriting the next holder's.
            logger.exception("renewing a lease failed", rows=len(lease.ids))
