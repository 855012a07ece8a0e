"""Raw inbound requests are kept for the retention period, then purged by the CLI."""

import os
import subprocess
import sys
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import update

from app.models import CrmInboundRequest
from app.models.base import utcnow
from tests.crm.inbound import kept, work
from tests.crm.samples import canonical_deal, connection, dumps, signed_generic
from tests.factories import Tenant


def _purge(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "purge-inbound-requests"],
        env={**os.environ, "HANDOVER_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.mark.slow
async def test_requests_older_than_the_retention_are_purged(
    tenant: Tenant, database_url: str
) -> None:
    generic = await connection(tenant, "generic")
    for _ in range(2):
        body = dumps(canonical_deal())
        headers = signed_generic(generic["secret"], body)
        assert (await tenant.client.post(generic["path"], content=body, headers=headers)).is_success
    await work(tenant.database)
    old, recent = await kept(tenant, generic["id"])
    async with tenant.database.transaction() as session:
        await session.exec(
            update(CrmInboundRequest)
            .where(CrmInboundRequest.id == UUID(old["id"]))  # type: ignore[arg-type]
            .values(received_at=utcnow() - timedelta(days=31))
        )

    purge = _purge(database_url)

    assert purge.stdout.startswith("purged ")
    assert [request["id"] for request in await kept(tenant, generic["id"])] == [recent["id"]]
    assert len((await tenant.get("/v1/projects")).json()["items"]) == 2


@pytest.mark.slow
async def test_a_request_waiting_to_be_planned_is_never_purged(
    tenant: Tenant, database_url: str
) -> None:
    generic = await connection(tenant, "generic")
    body = dumps(canonical_deal())
    headers = signed_generic(generic["secret"], body)
    assert (await tenant.client.post(generic["path"], content=body, headers=headers)).is_success
    [waiting] = await kept(tenant, generic["id"])
    async with tenant.database.transaction() as session:
        await session.exec(
            update(CrmInboundRequest)
            .where(CrmInboundRequest.id == UUID(waiting["id"]))  # type: ignore[arg-type]
            .values(received_at=utcnow() - timedelta(days=31))
        )

    _purge(database_url)

    [still] = await kept(tenant, generic["id"])
    assert (still["id"], still["outcome"]) == (waiting["id"], "received")
