"""A CRM's pause as the database keeps it for every process: only ever moved later, gone with
its connection."""

import asyncio
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from app.crm.clients.base import ApiAccess, CrmUnavailable
from app.crm.clients.http import crm_http_client, shared_http
from app.crm.pauses import SharedPause
from app.db import Database
from app.models import CrmApiPause, CrmSource
from app.models.base import utcnow
from app.settings import Settings
from tests.crm.conftest import TOKEN, local_settings
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.fakes.pipedrive import PipedriveFake
from tests.crm.samples import connection
from tests.factories import Tenant


async def test_a_shorter_pause_never_cuts_a_longer_one_short(
    local_tenant: Tenant, hubspot: HubSpotFake
) -> None:
    hub = await connection(local_tenant, "hubspot", api_token=TOKEN, api_base_url=hubspot.base_url)
    database, connection_id = local_tenant.database, UUID(hub["id"])
    one, other = SharedPause(database, connection_id), SharedPause(database, connection_id)
    now = utcnow()
    assert await one.read() is None

    await one.extend(now + timedelta(seconds=30))  # a 429 with Retry-After: 30
    await other.extend(now + timedelta(seconds=5))  # meanwhile, a shorter one elsewhere
    assert await SharedPause(database, connection_id).read() == now + timedelta(seconds=30)

    await other.extend(now + timedelta(seconds=3600))  # the day's allowance spent
    assert await one.read() == now + timedelta(seconds=3600)


async def test_a_pause_that_has_passed_holds_nobody_and_goes_with_its_connection(
    local_tenant: Tenant, hubspot: HubSpotFake
) -> None:
    hub = await connection(local_tenant, "hubspot", api_token=TOKEN, api_base_url=hubspot.base_url)
    database, connection_id = local_tenant.database, UUID(hub["id"])
    await SharedPause(database, connection_id).extend(utcnow() - timedelta(seconds=1))
    assert await SharedPause(database, connection_id).read() is None

    assert (await local_tenant.delete(f"/v1/crm-connections/{hub['id']}")).status_code == 204
    async with database.transaction(write=False) as session:
        assert await session.get(CrmApiPause, connection_id) is None


async def test_calls_made_at_once_on_a_new_client_all_heed_another_process_pause(
    local_tenant: Tenant, hubspot: HubSpotFake, settings: Settings
) -> None:
    """Six calls start together on a connection another process was told to pause: the first
    reads the pause, the others wait for its answer; none reaches the CRM."""
    hub = await connection(local_tenant, "hubspot", api_token=TOKEN, api_base_url=hubspot.base_url)
    connection_id = UUID(hub["id"])
    await SharedPause(local_tenant.database, connection_id).extend(utcnow() + timedelta(minutes=1))
    access = ApiAccess(CrmSource.hubspot, connection_id, hubspot.base_url, TOKEN, ())
    async with crm_http_client(local_settings(settings.database_url)) as client:
        http = shared_http(access, local_tenant.database, client)
        answers = await asyncio.gather(
            *(http.call("GET", "/crm/v3/owners") for _ in range(6)), return_exceptions=True
        )
    assert all(isinstance(answer, CrmUnavailable) for answer in answers), answers
    assert all(answer.retry_after > 50 for answer in answers if isinstance(answer, CrmUnavailable))
    assert hubspot.calls == []


async def test_a_pause_the_database_cannot_keep_leaves_the_crms_answers_as_they_were(
    pipedrive: PipedriveFake, tmp_path: Path
) -> None:
    """The database is gone: the call the CRM answered (its budget now at 0) still returns its
    answer, and the next call still waits in this process, as the CRM said."""
    gone = Database(local_settings(f"sqlite:///{tmp_path}/missing/handover.db"))
    pipedrive.add_deal(4711, "Initech data platform", 1000, "EUR")
    pipedrive.limit_per_window = (1, 60.0)
    access = ApiAccess(CrmSource.pipedrive, uuid4(), pipedrive.base_url, TOKEN, ())
    try:
        async with crm_http_client(gone.settings) as client:
            http = shared_http(access, gone, client)
            answer = await http.call("GET", "/api/v2/deals/4711")
            assert answer["data"]["title"] == "Initech data platform"
            with pytest.raises(CrmUnavailable) as later:
                await http.call("GET", "/api/v2/deals/4711")
    finally:
        await gone.dispose()
    assert later.value.retry_after is not None
    assert later.value.retry_after > 10
    assert [call.status for call in pipedrive.calls] == [200]


async def test_a_new_token_or_address_is_not_held_by_the_pause_said_to_the_old_one(
    local_tenant: Tenant, hubspot: HubSpotFake
) -> None:
    hub = await connection(local_tenant, "hubspot", api_token=TOKEN, api_base_url=hubspot.base_url)
    database, connection_id, url = (
        local_tenant.database,
        UUID(hub["id"]),
        f"/v1/crm-connections/{hub['id']}",
    )
    in_an_hour = utcnow() + timedelta(hours=1)

    await SharedPause(database, connection_id).extend(in_an_hour)
    renamed = await local_tenant.patch(url, json={"name": "HubSpot (EU portal)"})
    assert renamed.status_code == 200, renamed.text
    assert await SharedPause(database, connection_id).read() == in_an_hour  # same account

    rotated = await local_tenant.patch(url, json={"api_token": TOKEN + "-2"})
    assert rotated.status_code == 200, rotated.text
    assert await SharedPause(database, connection_id).read() is None

    await SharedPause(database, connection_id).extend(in_an_hour)
    moved = await local_tenant.patch(
        url, json={"api_base_url": hubspot.base_url + "/eu", "api_token": TOKEN + "-2"}
    )
    assert moved.status_code == 200, moved.text
    assert await SharedPause(database, connection_id).read() is None
