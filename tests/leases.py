"""A worker's lease as the tests play it out: rows taken over by another worker, and a worker
woken after its lease's end (app/core/leases.py)."""

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update
from sqlmodel import col

from app.core import leases
from app.core.leases import Lease
from app.db import Database
from app.models.base import utcnow


async def take_over(database: Database, model: Any, ids: list[UUID]) -> Lease:
    """Those rows of `model` leased by the worker of `database`, whoever held them: what its
    claim writes once their lease looks run out to it (its clock ahead of the holder's, say)."""
    until = utcnow() + timedelta(seconds=database.settings.dispatcher_lease_seconds)
    async with database.transaction() as session:
        await session.exec(update(model).where(col(model.id).in_(ids)).values(lease_until=until))
    return Lease(ids, until)


def woken_after_its_lease(monkeypatch: pytest.MonkeyPatch, database: Database) -> None:
    """The worker of `database` stalled past its lease (a paused process: renewal cannot help
    it), woken now: by its clock, its lease's term has passed."""
    stalled = timedelta(seconds=database.settings.dispatcher_lease_seconds + 1)
    monkeypatch.setattr(leases, "utcnow", lambda: utcnow() + stalled)
