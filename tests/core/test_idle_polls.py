"""A worker with nothing to do polls often (every `HANDOVER_DISPATCHER_POLL_SECONDS`, in each of
its loops): a poll that finds nothing due only reads. A claim is a write transaction, SQLite's
one write lock the API's writes would wait for."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from app.core.leases import Lease
from app.crm.worker import claim_received
from app.crm.writeback.claim import claim_due as claim_writebacks
from app.db import Database
from app.webhooks.dispatcher import claim_due as claim_deliveries
from tests.statements import count_statements

# Nothing is due this long ago, whatever other tests left behind.
LONG_AGO = datetime(2001, 1, 1, tzinfo=UTC)
CLAIMS: dict[str, Callable[[Database], Awaitable[Lease]]] = {
    "webhook deliveries": lambda database: claim_deliveries(database, 50, LONG_AGO),
    "kept CRM requests": lambda database: claim_received(database, 50, LONG_AGO),
    "CRM write-backs": lambda database: claim_writebacks(database, 50, LONG_AGO),
}


@pytest.mark.parametrize("work", CLAIMS)
async def test_a_poll_that_finds_nothing_due_takes_no_lock(database: Database, work: str) -> None:
    with count_statements(database) as statements:
        lease = await CLAIMS[work](database)

    assert lease.ids == []
    assert statements, "the poll asked the database"
    locking = ("BEGIN IMMEDIATE", "UPDATE", "FOR UPDATE")
    assert [s for s in statements if any(word in s for word in locking)] == []
