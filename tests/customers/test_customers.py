"""Customers: one per CRM record, entered by hand or from a CRM, kept while they have projects."""

import asyncio
from typing import Any

import pytest
from sqlmodel import select

from app.models import Customer
from tests.factories import Tenant
from tests.problems import assert_problem


async def _stored_names(tenant: Tenant) -> list[str]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Customer.name).where(Customer.organization_id == tenant.organization_id)
        )
        return sorted(rows)


HUBSPOT_GLOBEX = {"name": "Globex", "crm_source": "hubspot", "crm_external_id": "9876543210"}


async def test_customer_round_trip_create_list_change_delete(tenant: Tenant) -> None:
    response = await tenant.post(
        "/v1/customers", json={**HUBSPOT_GLOBEX, "website": "https://globex.example"}
    )
    assert response.status_code == 201
    globex = response.json()
    assert globex["website"] == "https://globex.example"
    assert (globex["crm_source"], globex["crm_external_id"]) == ("hubspot", "9876543210")
    assert globex["version"] == 1
    initech = await tenant.customer(name="Initech")
    assert (initech["website"], initech["crm_source"], initech["crm_external_id"]) == (
        None,
        None,
        None,
    )

    url = f"/v1/customers/{globex['id']}"
    assert (await tenant.get(url)).json() == globex
    listed = (await tenant.get("/v1/customers")).json()["items"]
    assert [customer["id"] for customer in listed] == [globex["id"], initech["id"]]

    changed = await tenant.patch(url, json={"name": "Globex Corp", "website": None})
    assert changed.status_code == 200
    body = changed.json()
    assert (body["name"], body["website"], body["version"]) == ("Globex Corp", None, 2)
    assert (body["crm_source"], body["crm_external_id"]) == ("hubspot", "9876543210")
    assert (await tenant.get(url)).json() == body

    assert (await tenant.delete(url)).status_code == 204
    assert_problem(await tenant.get(url), 404, "not-found")
    assert await _stored_names(tenant) == ["Initech"]


@pytest.mark.parametrize(
    "crm_fields",
    [
        {"crm_source": "hubspot"},
        {"crm_external_id": "42"},
        {"crm_source": "hubspot", "crm_external_id": None},
        {"crm_source": None, "crm_external_id": "42"},
        {"crm_source": "hubspot", "crm_external_id": ""},
    ],
)
async def test_crm_source_and_external_id_go_together(
    tenant: Tenant, crm_fields: dict[str, Any]
) -> None:
    response = await tenant.post("/v1/customers", json={"name": "Globex", **crm_fields})
    assert_problem(response, 422, "validation")
    assert await _stored_names(tenant) == []


async def test_second_customer_for_the_same_crm_record_is_409(tenant: Tenant) -> None:
    first = await tenant.customer(**HUBSPOT_GLOBEX)
    response = await tenant.post("/v1/customers", json={**HUBSPOT_GLOBEX, "name": "Globex again"})
    problem = assert_problem(response, 409, "customer-exists")
    assert "9876543210" in problem["detail"]
    listed = (await tenant.get("/v1/customers")).json()["items"]
    assert [customer["id"] for customer in listed] == [first["id"]]


async def test_concurrent_creates_for_one_crm_record_create_one_customer(tenant: Tenant) -> None:
    async def create() -> int:
        return (await tenant.post("/v1/customers", json=HUBSPOT_GLOBEX)).status_code

    statuses = await asyncio.gather(*(create() for _ in range(6)))
    assert sorted(statuses) == [201] + [409] * 5
    assert await _stored_names(tenant) == ["Globex"]


async def test_same_crm_record_is_fine_in_another_organization(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await tenant.customer(**HUBSPOT_GLOBEX)
    theirs = await other_tenant.customer(**HUBSPOT_GLOBEX)
    assert mine["id"] != theirs["id"]


async def test_same_external_id_from_another_crm_is_another_customer(tenant: Tenant) -> None:
    await tenant.customer(**HUBSPOT_GLOBEX)
    salesforce = await tenant.customer(**{**HUBSPOT_GLOBEX, "crm_source": "salesforce"})
    assert salesforce["crm_source"] == "salesforce"
    other_id = await tenant.customer(**{**HUBSPOT_GLOBEX, "crm_external_id": "1"})
    assert other_id["crm_external_id"] == "1"


async def test_customers_entered_by_hand_never_collide(tenant: Tenant) -> None:
    for _ in range(3):
        await tenant.customer(name="Globex")
    assert await _stored_names(tenant) == ["Globex"] * 3


@pytest.mark.parametrize("website", ["https://globex.example", "http://globex.example/about?x=1"])
async def test_website_may_be_http_or_https(tenant: Tenant, website: str) -> None:
    assert (await tenant.customer(website=website))["website"] == website


@pytest.mark.parametrize(
    "website",
    ["ftp://globex.example", "globex.example", "javascript:alert(1)", "https://", "https://a b"],
)
async def test_website_that_is_not_an_http_url_is_422(tenant: Tenant, website: str) -> None:
    response = await tenant.post("/v1/customers", json={"name": "Globex", "website": website})
    problem = assert_problem(response, 422, "validation")
    assert [error["loc"] for error in problem["errors"]] == [["body", "website"]]
    customer = await tenant.customer(website="https://globex.example")
    url = f"/v1/customers/{customer['id']}"
    assert_problem(await tenant.patch(url, json={"website": website}), 422, "validation")
    assert (await tenant.get(url)).json() == customer


async def test_null_name_in_patch_is_422(tenant: Tenant) -> None:
    customer = await tenant.customer()
    url = f"/v1/customers/{customer['id']}"
    problem = assert_problem(await tenant.patch(url, json={"name": None}), 422, "validation")
    assert problem["errors"][0]["loc"] == ["body", "name"]
    assert (await tenant.get(url)).json() == customer


@pytest.mark.parametrize("field", ["crm_source", "crm_external_id"])
async def test_the_crm_link_cannot_be_changed_by_patch(tenant: Tenant, field: str) -> None:
    customer = await tenant.customer(**HUBSPOT_GLOBEX)
    url = f"/v1/customers/{customer['id']}"
    response = await tenant.patch(url, json={field: None})
    problem = assert_problem(response, 422, "validation")
    assert problem["errors"][0]["type"] == "extra_forbidden"
    assert (await tenant.get(url)).json() == customer


async def test_list_filters_by_crm_source(tenant: Tenant) -> None:
    hubspot = await tenant.customer(**HUBSPOT_GLOBEX)
    pipedrive = await tenant.customer(name="Initech", crm_source="pipedrive", crm_external_id="7")
    await tenant.customer(name="By hand")

    async def ids(source: str) -> list[str]:
        response = await tenant.get("/v1/customers", params={"crm_source": source})
        assert response.status_code == 200
        return [customer["id"] for customer in response.json()["items"]]

    assert await ids("hubspot") == [hubspot["id"]]
    assert await ids("pipedrive") == [pipedrive["id"]]
    assert await ids("salesforce") == []
    response = await tenant.get("/v1/customers", params={"crm_source": "excel"})
    assert_problem(response, 422, "validation")


async def test_list_filters_by_updated_since(tenant: Tenant) -> None:
    globex = await tenant.customer(name="Globex")
    await tenant.customer(name="Initech")
    changed = await tenant.patch(f"/v1/customers/{globex['id']}", json={"name": "Globex Corp"})
    since = changed.json()["updated_at"]
    listed = (await tenant.get("/v1/customers", params={"updated_since": since})).json()
    assert [customer["name"] for customer in listed["items"]] == ["Globex Corp"]


async def test_updated_since_without_a_time_zone_is_422(tenant: Tenant) -> None:
    await tenant.customer()
    response = await tenant.get("/v1/customers", params={"updated_since": "2026-01-01T00:00:00"})
    assert response.status_code == 422, response.text
    assert ["query", "updated_since"] in [error["loc"] for error in response.json()["errors"]]


async def test_deleting_a_customer_with_projects_is_409_and_keeps_it(tenant: Tenant) -> None:
    customer = await tenant.customer()
    await tenant.project(customer_id=customer["id"])
    url = f"/v1/customers/{customer['id']}"
    assert_problem(await tenant.delete(url), 409, "customer-in-use")
    assert (await tenant.get(url)).json() == customer


async def test_a_customer_whose_projects_are_archived_is_still_in_use(tenant: Tenant) -> None:
    customer = await tenant.customer()
    project = await tenant.project(customer_id=customer["id"])
    assert (await tenant.delete(f"/v1/projects/{project['id']}")).status_code == 204
    assert_problem(await tenant.delete(f"/v1/customers/{customer['id']}"), 409, "customer-in-use")
    assert (await tenant.get(f"/v1/customers/{customer['id']}")).status_code == 200


async def test_a_customer_whose_project_moved_to_another_customer_can_be_deleted(
    tenant: Tenant,
) -> None:
    old, new = await tenant.customer(name="Old"), await tenant.customer(name="New")
    project = await tenant.project(customer_id=old["id"])
    moved = await tenant.patch(f"/v1/projects/{project['id']}", json={"customer_id": new["id"]})
    assert moved.status_code == 200
    assert (await tenant.delete(f"/v1/customers/{old['id']}")).status_code == 204
    assert await _stored_names(tenant) == ["New"]
