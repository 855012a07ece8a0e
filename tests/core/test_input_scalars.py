"""Booleans and integers in a body are JSON's own: `false` is no 0, `0` no false, `"5"` no 5
(pydantic would convert each), so a body the schema refuses never changes anything."""

from typing import Any

import pytest

from tests.factories import Tenant
from tests.problems import assert_problem
from tests.rhythm import ok


@pytest.mark.parametrize("hours", [False, True, "32"])
async def test_an_integer_is_a_json_number(tenant: Tenant, hours: Any) -> None:
    member = await tenant.member()
    url = f"/v1/members/{member['id']}"
    problem = assert_problem(await tenant.patch(url, json={"weekly_capacity_hours": hours}), 422)
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "weekly_capacity_hours"], "int_type")
    ]
    assert ok(await tenant.get(url))["weekly_capacity_hours"] == member["weekly_capacity_hours"]
    assert ok(await tenant.patch(url, json={"weekly_capacity_hours": 32}))["version"] == 2


@pytest.mark.parametrize("visible", [0, 1, "true"])
async def test_a_boolean_is_true_or_false(tenant: Tenant, visible: Any) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/milestones"
    body = {"name": "Go-live", "due_date": "2027-03-01", "customer_visible": visible}
    problem = assert_problem(await tenant.post(url, json=body), 422)
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "customer_visible"], "bool_type")
    ]
    assert ok(await tenant.get(url))["items"] == []
    template = {"name": "T", "milestones": [{"name": "M", "due_in_business_days": 1}]}
    template["milestones"][0]["customer_visible"] = visible  # type: ignore[index]
    assert_problem(await tenant.post("/v1/project-templates", json=template), 422)
