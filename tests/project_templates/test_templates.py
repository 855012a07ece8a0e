"""Project templates: the RACI rules hold in every row; a built-in default serves meanwhile."""

from datetime import date

from app.project_templates.service import add_business_days
from tests.factories import Tenant
from tests.problems import assert_problem


def test_business_days_skip_weekends() -> None:
    friday = date(2026, 11, 27)
    assert add_business_days(friday, 0) == friday
    assert add_business_days(friday, 1) == date(2026, 11, 30)
    assert add_business_days(friday, 5) == date(2026, 12, 4)
    assert add_business_days(date(2026, 11, 28), 0) == date(2026, 11, 30)  # a Saturday


async def test_the_built_in_default_is_readable(tenant: Tenant) -> None:
    default = (await tenant.get("/v1/project-templates/default")).json()
    assert default["id"] is None
    assert default["kickoff_within_business_days"] == 5
    assert default["milestones"][0]["name"] == "Kickoff held"
    assert default["milestones"][0]["due_in_business_days"] == 5


async def test_rows_without_exactly_one_a_and_an_r_are_refused(tenant: Tenant) -> None:
    for letters in (
        {"project_manager": "A", "sales_owner": "C"},
        {"project_manager": "A", "sales_owner": "A"},
        {"project_manager": "R"},
        {"delivery_lead": "A", "sales_owner": "R"},
    ):
        body = {"name": "T", "activities": [{"name": "X", "phase": "planning", "letters": letters}]}
        assert_problem(await tenant.post("/v1/project-templates", json=body), 422)


async def test_names_are_unique_and_changes_replace_lists(tenant: Tenant) -> None:
    first = await tenant.post("/v1/project-templates", json={"name": "Rollout"})
    assert first.status_code == 201
    again = await tenant.post("/v1/project-templates", json={"name": "Rollout"})
    assert_problem(again, 409, "template-name-taken")
    path = f"/v1/project-templates/{first.json()['id']}"
    milestones = [{"name": "Go-live", "due_in_business_days": 40}]
    changed = await tenant.patch(path, json={"milestones": milestones})
    assert changed.json()["milestones"] == [
        {
            "name": "Go-live",
            "due_in_business_days": 40,
            "owner": "project_manager",
            "customer_visible": False,
            "requires_sign_off": False,
            "acceptance": False,
        }
    ]
    assert changed.json()["version"] == 2
    same = await tenant.patch(path, json={"milestones": milestones})
    assert same.json()["version"] == 2  # nothing changed: nothing written
    cached = await tenant.get(path, headers={"If-None-Match": changed.headers["etag"]})
    assert cached.status_code == 304
