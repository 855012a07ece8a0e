"""Write-back over the API: off until turned on, its field map and scope, what was sent and
the CRM's answer listed per connection, a failed one retried."""

import uuid
from datetime import date
from typing import Any

from app.db import Database
from tests.crm.conftest import TOKEN
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.fakes.salesforce import SalesforceFake
from tests.crm.samples import connection
from tests.crm.writeback.support import DEAL_IDS, Crm, drain, hand_over, writebacks
from tests.factories import Tenant, make_tenant
from tests.problems import assert_problem


async def test_write_back_is_off_until_a_connection_turns_it_on(
    local_tenant: Tenant, hubspot: HubSpotFake, dispatcher: Database
) -> None:
    hub = await connection(local_tenant, "hubspot", api_token=TOKEN, api_base_url=hubspot.base_url)
    assert hub["writeback_enabled"] is False
    assert hub["writeback_scope"] == "both"
    assert hub["writeback_field_map"]["phase"] == "handover_phase"
    assert await writebacks(local_tenant, hub["id"]) == []

    no_token = await connection(local_tenant, "hubspot")
    refused = await local_tenant.patch(
        f"/v1/crm-connections/{no_token['id']}", json={"writeback_enabled": True}
    )
    assert_problem(refused, 409, "no-api-access")
    created = await local_tenant.post(
        "/v1/crm-connections",
        json={
            "provider": "hubspot",
            "name": "no token",
            "default_project_manager_id": hub["default_project_manager_id"],
            "app_secret": "hubspot-app-secret-0123",
            "writeback_enabled": True,
        },
    )
    assert created.status_code == 422


async def test_only_mapped_fields_are_written_and_notes_follow_the_scope(
    local_tenant: Tenant, hubspot: HubSpotFake, dispatcher: Database
) -> None:
    crm = Crm("hubspot", hubspot, DEAL_IDS["hubspot"])
    handed = await hand_over(local_tenant, crm)
    url = f"/v1/crm-connections/{handed.connection['id']}"
    changed = await local_tenant.patch(
        url,
        json={"writeback_field_map": {"phase": "delivery_stage"}, "writeback_scope": "fields"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["writeback_field_map"] == {"phase": "delivery_stage"}
    bad = await local_tenant.patch(url, json={"writeback_field_map": {"budget": "amount"}})
    assert bad.status_code == 422
    await drain(dispatcher, handed.connection["id"])
    crm.reset()

    milestone = sorted(await handed.milestones(), key=lambda m: m["due_date"])[0]
    await handed.patch(
        f"/v1/milestones/{milestone['id']}",
        json={"status": "done", "completed_date": date.today().isoformat()},
    )
    await drain(dispatcher, handed.connection["id"])
    (update,) = crm.updates()
    assert update == {"delivery_stage": "initiating"}  # the one field mapped
    assert hubspot.deal_properties["delivery_stage"]["groupName"] == "handover"
    assert crm.notes() == []  # scope: fields


async def test_a_failed_write_back_is_listed_with_the_crm_answer_and_can_be_retried(
    local_tenant: Tenant, salesforce: SalesforceFake, dispatcher: Database
) -> None:
    crm = Crm("salesforce", salesforce, DEAL_IDS["salesforce"])
    handed = await hand_over(local_tenant, crm)
    salesforce.custom_fields.clear()  # the admin has not created the fields yet
    await drain(dispatcher, handed.connection["id"])

    (failed,) = await writebacks(local_tenant, handed.connection["id"], status="failed")
    assert failed["kind"] == "fields"
    assert failed["status_code"] == 400
    assert "INVALID_FIELD" in failed["crm_answer"]
    assert failed["sent_body"]["Handover_Phase__c"] == "initiating"
    retry = f"/v1/crm-connections/{handed.connection['id']}/writebacks/{failed['id']}/retry"

    salesforce.add_custom_field(*crm.field_map.values())
    again = await local_tenant.post(retry)
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "pending"
    await drain(dispatcher, handed.connection["id"])
    (sent,) = await writebacks(local_tenant, handed.connection["id"], status="sent")
    assert sent["id"] == failed["id"]
    assert sent["status_code"] == 204
    assert crm.value("phase") == "initiating"

    assert_problem(await local_tenant.post(retry), 409, "writeback-not-failed")
    unknown = f"/v1/crm-connections/{handed.connection['id']}/writebacks/{uuid.uuid4()}/retry"
    assert_problem(await local_tenant.post(unknown), 404, "not-found")


async def test_a_deal_id_names_one_record_of_the_deals_kind_whatever_it_holds(
    local_tenant: Tenant, salesforce: SalesforceFake, dispatcher: Database
) -> None:
    # An id from a signed push or an import is text: it must not walk to another object.
    crm = Crm("salesforce", salesforce, "../Account/001000000000042AAA")
    handed = await hand_over(local_tenant, crm)
    await drain(dispatcher, handed.connection["id"])

    (patched,) = [call for call in salesforce.calls if call.method == "PATCH"]
    assert patched.path == "/services/data/v62.0/sobjects/Opportunity/../Account/001000000000042AAA"
    assert salesforce.calls_to("/services/data/v62.0/sobjects/Account") == []


async def test_another_organization_sees_no_write_backs(
    local_tenant: Tenant, hubspot: HubSpotFake, dispatcher: Database, local_app: Any
) -> None:
    crm = Crm("hubspot", hubspot, DEAL_IDS["hubspot"])
    handed = await hand_over(local_tenant, crm)
    await drain(dispatcher, handed.connection["id"])
    assert len(await writebacks(local_tenant, handed.connection["id"])) == 1
    other = await make_tenant(local_app.state.database, local_tenant.client)
    seen = await other.get(f"/v1/crm-connections/{handed.connection['id']}/writebacks")
    assert_problem(seen, 404, "not-found")
