"""A CRM's pause as the database keeps it for every process: only ever moved later, gone with
its connection."""

from datetime import timedelta
from uuid import UUID

from app.crm.pauses import SharedPause
from app.models import CrmApiPause
from app.models.base import utcnow
from tests.crm.conftest import TOKEN
from tests.crm.fakes.hubspot import HubSpotFake
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
