"""Work shared by several workers through the database: rows leased before they are worked on.

A row due for work (`next_attempt_at` passed) is leased by one worker: selected with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (so concurrent workers take different rows; SQLite runs
one worker) and given a `lease_until`, committed before any work starts, so no transaction is
ever held across network I/O. A worker that dies leaves a lease that expires, and the row is
leased again. The webhook dispatcher and the CRM worker lease their rows this way.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import col, select

from app.db import Database


async def lease_due(
    database: Database, model: Any, due: ColumnElement[bool], limit: int, now: datetime
) -> list[UUID]:
    """Lease up to `limit` rows of `model` (with `id`, `next_attempt_at` and `lease_until`)
    that are `due` and whose time has come, oldest first; their ids."""
    lease_until = now + timedelta(seconds=database.settings.dispatcher_lease_seconds)
    async with database.transaction() as session:
        found = await session.exec(
            select(model.id)
            .where(
                due,
                col(model.next_attempt_at) <= now,
                or_(col(model.lease_until).is_(None), col(model.lease_until) < now),
            )
            .order_by(col(model.next_attempt_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(found.all())
        if ids:
            await session.exec(
                update(model).where(col(model.id).in_(ids)).values(lease_until=lease_until)
            )
    return ids
