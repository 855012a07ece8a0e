"""Projects: who they are for and who runs them, money as exact decimals, dates in order,
phase and health owned by the server, and archiving instead of deleting."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from app.models import Event, Health, Phase, Project
from tests.factories import Tenant
from tests.problems import assert_problem


def _field_paths(problem: dict[str, Any]) -> list[list[str | int]]:
    return [error["loc"] for error in problem["errors"]]


async def _stored_projects(tenant: Tenant) -> list[Project]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Project).where(Project.organization_id == tenant.organization_id)
        )
        return list(rows)


async def _ids(tenant: Tenant, **params: Any) -> list[str]:
    response = await tenant.get("/v1/projects", params=params)
    assert response.status_code == 200, response.text
    return [project["id"] for project in response.json()["items"]]


async def test_project_is_created_for_a_customer_with_its_people(tenant: Tenant) -> None:
    customer = await tenant.customer()
    seller = await tenant.member(role="sales")
    manager = await tenant.member(role="project_manager")
    response = await tenant.post(
        "/v1/projects",
        json={
            "name": "Globex CRM rollout",
            "description": "Everything the deal promised.",
            "customer_id": customer["id"],
            "sales_owner_id": seller["id"],
            "project_manager_id": manager["id"],
            "start_date": "2026-12-01",
            "target_end_date": "2027-03-31",
            "budget": {"amount": "120000.50", "currency": "EUR"},
        },
    )
    assert response.status_code == 201, response.text
    project = response.json()
    assert project["customer_id"] == customer["id"]
    assert project["sales_owner_id"] == seller["id"]
    assert project["project_manager_id"] == manager["id"]
    assert (project["start_date"], project["target_end_date"]) == ("2026-12-01", "2027-03-31")
    assert project["description"] == "Everything the deal promised."
    assert project["archived_at"] is None
    assert project["version"] == 1
    assert (await tenant.get(f"/v1/projects/{project['id']}")).json() == project


async def test_project_starts_initiating_and_green(tenant: Tenant) -> None:
    project = await tenant.project()
    assert (project["phase"], project["health"]) == ("initiating", "green")
    assert project["budget"] is None
    assert (project["sales_owner_id"], project["project_manager_id"]) == (None, None)


@pytest.mark.parametrize(
    ("field", "value"), [("phase", "executing"), ("health", "red"), ("archived_at", None)]
)
async def test_phase_health_and_archiving_are_not_set_by_the_client(
    tenant: Tenant, field: str, value: Any
) -> None:
    customer = await tenant.customer()
    response = await tenant.post(
        "/v1/projects", json={"name": "P", "customer_id": customer["id"], field: value}
    )
    problem = assert_problem(response, 422, "validation")
    assert problem["errors"][0]["type"] == "extra_forbidden"
    assert await _stored_projects(tenant) == []
    project = await tenant.project(customer_id=customer["id"])
    url = f"/v1/projects/{project['id']}"
    problem = assert_problem(await tenant.patch(url, json={field: value}), 422, "validation")
    assert problem["errors"][0]["type"] == "extra_forbidden"
    assert (await tenant.get(url)).json() == project


@pytest.mark.parametrize("field", ["customer_id", "sales_owner_id", "project_manager_id"])
async def test_reference_to_another_organization_is_422_naming_the_field(
    tenant: Tenant, other_tenant: Tenant, field: str
) -> None:
    foreign = {
        "customer_id": (await other_tenant.customer())["id"],
        "sales_owner_id": (await other_tenant.member())["id"],
        "project_manager_id": (await other_tenant.member())["id"],
    }
    body = {"name": "P", "customer_id": (await tenant.customer())["id"], field: foreign[field]}
    problem = assert_problem(await tenant.post("/v1/projects", json=body), 422, "invalid-input")
    assert _field_paths(problem) == [["body", field]]
    assert problem["errors"][0]["type"] == "unknown_reference"
    assert foreign[field] not in str(problem)
    assert await _stored_projects(tenant) == []
    assert await _stored_projects(other_tenant) == []


async def test_every_foreign_reference_is_listed(tenant: Tenant, other_tenant: Tenant) -> None:
    body = {
        "name": "P",
        "customer_id": (await other_tenant.customer())["id"],
        "sales_owner_id": (await other_tenant.member())["id"],
        "project_manager_id": str(UUID(int=7)),
    }
    problem = assert_problem(await tenant.post("/v1/projects", json=body), 422, "invalid-input")
    assert sorted(_field_paths(problem)) == [
        ["body", "customer_id"],
        ["body", "project_manager_id"],
        ["body", "sales_owner_id"],
    ]
    assert await _stored_projects(tenant) == []


@pytest.mark.parametrize("field", ["customer_id", "project_manager_id"])
async def test_patch_to_another_organizations_reference_is_422_and_changes_nothing(
    tenant: Tenant, other_tenant: Tenant, field: str
) -> None:
    project = await tenant.project(project_manager_id=(await tenant.member())["id"])
    foreign = (
        await other_tenant.customer() if field == "customer_id" else await other_tenant.member()
    )
    url = f"/v1/projects/{project['id']}"
    problem = assert_problem(
        await tenant.patch(url, json={field: foreign["id"]}), 422, "invalid-input"
    )
    assert _field_paths(problem) == [["body", field]]
    assert (await tenant.get(url)).json() == project


async def test_patch_moves_a_project_to_other_people_and_another_customer(
    tenant: Tenant,
) -> None:
    project = await tenant.project(project_manager_id=(await tenant.member())["id"])
    customer = await tenant.customer(name="Initech")
    manager, seller = await tenant.member(), await tenant.member(role="sales")
    url = f"/v1/projects/{project['id']}"
    changes = {
        "customer_id": customer["id"],
        "project_manager_id": manager["id"],
        "sales_owner_id": seller["id"],
    }
    response = await tenant.patch(url, json=changes)
    assert response.status_code == 200
    assert {field: response.json()[field] for field in changes} == changes
    assert response.json()["version"] == 2
    assert (await tenant.get(url)).json() == response.json()


@pytest.mark.parametrize("field", ["name", "customer_id"])
async def test_null_for_a_required_field_in_patch_is_422(tenant: Tenant, field: str) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}"
    problem = assert_problem(await tenant.patch(url, json={field: None}), 422, "validation")
    assert _field_paths(problem) == [["body", field]]
    assert (await tenant.get(url)).json() == project


async def test_patch_null_clears_the_optional_fields(tenant: Tenant) -> None:
    project = await tenant.project(
        description="Notes",
        project_manager_id=(await tenant.member())["id"],
        start_date="2026-12-01",
        target_end_date="2027-01-31",
    )
    url = f"/v1/projects/{project['id']}"
    cleared = ["description", "project_manager_id", "start_date", "target_end_date"]
    response = await tenant.patch(url, json=dict.fromkeys(cleared))
    assert response.status_code == 200
    assert [response.json()[field] for field in cleared] == [None] * 4
    assert response.json()["name"] == project["name"]


async def test_budget_round_trips_as_a_decimal_string(tenant: Tenant) -> None:
    project = await tenant.project(budget={"amount": "120000.50", "currency": "EUR"})
    assert project["budget"] == {"amount": "120000.50", "currency": "EUR"}
    fetched = (await tenant.get(f"/v1/projects/{project['id']}")).json()
    assert fetched["budget"] == {"amount": "120000.50", "currency": "EUR"}
    [stored] = await _stored_projects(tenant)
    assert (stored.budget_amount, stored.budget_currency) == (Decimal("120000.50"), "EUR")


async def test_largest_budget_round_trips_to_the_cent(tenant: Tenant) -> None:
    budget = {"amount": "99999999999999.99", "currency": "EUR"}
    project = await tenant.project(budget=budget)
    fetched = (await tenant.get(f"/v1/projects/{project['id']}")).json()
    assert fetched["budget"] == budget
    [stored] = await _stored_projects(tenant)
    assert stored.budget_amount == Decimal("99999999999999.99")


@pytest.mark.parametrize(("sent", "shown"), [("120000.5", "120000.50"), ("100", "100.00")])
async def test_budget_amount_is_always_shown_with_two_decimals(
    tenant: Tenant, sent: str, shown: str
) -> None:
    created = await tenant.project(budget={"amount": sent, "currency": "EUR"})
    fetched = (await tenant.get(f"/v1/projects/{created['id']}")).json()
    # The same version (ETag "1") must have one representation.
    assert fetched["budget"]["amount"] == shown
    assert created["budget"]["amount"] == shown


@pytest.mark.parametrize(
    ("budget", "field"),
    [
        ({"amount": "1.005", "currency": "EUR"}, "amount"),
        ({"amount": 1.005, "currency": "EUR"}, "amount"),
        ({"amount": "-0.01", "currency": "EUR"}, "amount"),
        ({"amount": "100000000000000.00", "currency": "EUR"}, "amount"),
        ({"amount": "ten", "currency": "EUR"}, "amount"),
        ({"amount": "10", "currency": "eur"}, "currency"),
        ({"amount": "10", "currency": "EURO"}, "currency"),
        ({"amount": "10"}, "currency"),
        ({"currency": "EUR"}, "amount"),
    ],
)
async def test_invalid_budget_is_422_naming_the_field(
    tenant: Tenant, budget: dict[str, Any], field: str
) -> None:
    customer = await tenant.customer()
    body = {"name": "P", "customer_id": customer["id"], "budget": budget}
    problem = assert_problem(await tenant.post("/v1/projects", json=body), 422, "validation")
    assert _field_paths(problem) == [["body", "budget", field]]
    assert await _stored_projects(tenant) == []
    project = await tenant.project(customer_id=customer["id"])
    url = f"/v1/projects/{project['id']}"
    assert_problem(await tenant.patch(url, json={"budget": budget}), 422, "validation")
    assert (await tenant.get(url)).json()["budget"] is None


async def test_patch_budget_null_clears_the_budget(tenant: Tenant) -> None:
    project = await tenant.project(budget={"amount": "5000.00", "currency": "USD"})
    url = f"/v1/projects/{project['id']}"
    response = await tenant.patch(url, json={"budget": None})
    assert response.status_code == 200
    assert response.json()["budget"] is None
    assert (await tenant.get(url)).json()["budget"] is None
    [stored] = await _stored_projects(tenant)
    assert (stored.budget_amount, stored.budget_currency) == (None, None)


async def test_patch_budget_replaces_amount_and_currency(tenant: Tenant) -> None:
    project = await tenant.project(budget={"amount": "5000.00", "currency": "USD"})
    url = f"/v1/projects/{project['id']}"
    response = await tenant.patch(url, json={"budget": {"amount": "7250.25", "currency": "GBP"}})
    assert response.status_code == 200
    assert (await tenant.get(url)).json()["budget"] == {"amount": "7250.25", "currency": "GBP"}


async def test_target_end_date_before_start_date_is_422_on_create(tenant: Tenant) -> None:
    customer = await tenant.customer()
    body = {
        "name": "P",
        "customer_id": customer["id"],
        "start_date": "2026-12-01",
        "target_end_date": "2026-11-30",
    }
    assert_problem(await tenant.post("/v1/projects", json=body), 422, "validation")
    assert await _stored_projects(tenant) == []
    same_day = await tenant.project(start_date="2026-12-01", target_end_date="2026-12-01")
    assert same_day["target_end_date"] == "2026-12-01"


@pytest.mark.parametrize(
    "change", [{"target_end_date": "2026-11-30"}, {"start_date": "2027-04-01"}]
)
async def test_patch_that_puts_the_dates_out_of_order_is_422_and_changes_nothing(
    tenant: Tenant, change: dict[str, str]
) -> None:
    project = await tenant.project(start_date="2026-12-01", target_end_date="2027-03-31")
    url = f"/v1/projects/{project['id']}"
    problem = assert_problem(await tenant.patch(url, json=change), 422, "invalid-input")
    assert problem["errors"]
    assert (await tenant.get(url)).json() == project


async def test_patch_may_move_both_dates_at_once(tenant: Tenant) -> None:
    project = await tenant.project(start_date="2026-12-01", target_end_date="2027-03-31")
    url = f"/v1/projects/{project['id']}"
    later = {"start_date": "2027-05-01", "target_end_date": "2027-06-30"}
    response = await tenant.patch(url, json=later)
    assert response.status_code == 200, response.text
    assert (response.json()["start_date"], response.json()["target_end_date"]) == (
        "2027-05-01",
        "2027-06-30",
    )
    swapped = {"start_date": "2027-06-30", "target_end_date": "2027-05-01"}
    assert_problem(await tenant.patch(url, json=swapped), 422, "invalid-input")


async def test_delete_archives_the_project(tenant: Tenant) -> None:
    project = await tenant.project()
    kept = await tenant.project()
    url = f"/v1/projects/{project['id']}"
    response = await tenant.delete(url)
    assert response.status_code == 204
    assert response.content == b""

    fetched = await tenant.get(url)
    assert fetched.status_code == 200
    archived_at = fetched.json()["archived_at"]
    assert archived_at is not None
    assert datetime.fromisoformat(archived_at) > datetime.now(UTC) - timedelta(minutes=5)
    assert await _ids(tenant) == [kept["id"]]
    assert await _ids(tenant, archived="true") == [project["id"]]
    assert len(await _stored_projects(tenant)) == 2


async def test_archiving_twice_is_harmless(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}"
    assert (await tenant.delete(url)).status_code == 204
    first = (await tenant.get(url)).json()
    assert (await tenant.delete(url)).status_code == 204
    assert (await tenant.get(url)).json() == first


async def test_archived_project_cannot_be_changed(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}"
    await tenant.delete(url)
    archived = (await tenant.get(url)).json()
    assert_problem(await tenant.patch(url, json={"name": "Revived"}), 409, "project-archived")
    assert_problem(await tenant.patch(url, json={}), 409, "project-archived")
    assert (await tenant.get(url)).json() == archived


async def test_list_filters_by_customer_and_project_manager(tenant: Tenant) -> None:
    globex, initech = await tenant.customer(name="Globex"), await tenant.customer(name="Initech")
    ada, grace = await tenant.member(), await tenant.member()
    first = await tenant.project(customer_id=globex["id"], project_manager_id=ada["id"])
    second = await tenant.project(customer_id=globex["id"], project_manager_id=grace["id"])
    third = await tenant.project(customer_id=initech["id"], project_manager_id=ada["id"])
    archived = await tenant.project(customer_id=globex["id"], project_manager_id=ada["id"])
    await tenant.delete(f"/v1/projects/{archived['id']}")

    assert await _ids(tenant, customer_id=globex["id"]) == [first["id"], second["id"]]
    assert await _ids(tenant, project_manager_id=ada["id"]) == [first["id"], third["id"]]
    assert await _ids(tenant, customer_id=globex["id"], project_manager_id=ada["id"]) == [
        first["id"]
    ]
    assert await _ids(tenant, customer_id=initech["id"], project_manager_id=grace["id"]) == []
    assert await _ids(tenant, project_manager_id=ada["id"], archived="true") == [archived["id"]]


async def test_list_filters_by_phase_and_health(tenant: Tenant) -> None:
    starting = await tenant.project()
    running = await tenant.project()
    async with tenant.database.transaction() as session:
        await session.exec(
            update(Project)
            .where(Project.id == UUID(running["id"]))  # type: ignore[arg-type]
            .values(phase=Phase.executing, health=Health.amber)
        )
    assert await _ids(tenant, phase="initiating") == [starting["id"]]
    assert await _ids(tenant, phase="executing") == [running["id"]]
    assert await _ids(tenant, phase="closed") == []
    assert await _ids(tenant, health="amber") == [running["id"]]
    assert await _ids(tenant, phase="executing", health="green") == []
    assert_problem(
        await tenant.get("/v1/projects", params={"phase": "dreaming"}), 422, "validation"
    )


async def test_list_filters_by_updated_since(tenant: Tenant) -> None:
    first = await tenant.project()
    await tenant.project()
    changed = await tenant.patch(f"/v1/projects/{first['id']}", json={"name": "Renamed"})
    since = changed.json()["updated_at"]
    assert await _ids(tenant, updated_since=since) == [first["id"]]
    # The same instant written with another offset selects the same projects.
    elsewhere = datetime.fromisoformat(since).astimezone(timezone(timedelta(hours=2)))
    assert await _ids(tenant, updated_since=elsewhere.isoformat()) == [first["id"]]
    later = datetime.fromisoformat(since) + timedelta(seconds=1)
    assert await _ids(tenant, updated_since=later.isoformat()) == []


async def test_updated_since_without_a_time_zone_is_422(tenant: Tenant) -> None:
    await tenant.project()
    response = await tenant.get("/v1/projects", params={"updated_since": "2026-01-01T00:00:00"})
    assert response.status_code == 422, response.text
    assert ["query", "updated_since"] in _field_paths(response.json())


async def test_a_patch_records_what_really_changed_and_nothing_for_no_change(
    tenant: Tenant,
) -> None:
    project = await tenant.project(budget={"amount": "100.00", "currency": "EUR"})
    url = f"/v1/projects/{project['id']}"
    same = await tenant.patch(url, json={"name": project["name"], "budget": project["budget"]})
    assert same.json()["version"] == project["version"]  # no change, no new version
    changed = await tenant.patch(url, json={"name": project["name"], "budget": None})
    assert changed.json()["version"] == project["version"] + 1
    async with tenant.database.transaction(write=False) as session:
        updates = (
            await session.exec(
                select(Event.payload)
                .where(Event.project_id == UUID(project["id"]), Event.type == "project.updated")
                .order_by(col(Event.id))
            )
        ).all()
    assert len(updates) == 1
    data = json.loads(updates[0])["data"]
    assert (data["budget"], "name" in data) == (None, False)
