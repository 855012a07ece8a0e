"""`POST /v1/deals`: a won deal becomes exactly one planned project."""

from typing import Any

from sqlmodel import col, select

from app.core.auth import Scope
from app.models import Event
from tests.crm.samples import canonical_deal
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.statements import count_statements


async def _events(tenant: Tenant, *types: str) -> list[dict[str, Any]]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event)
            .where(Event.organization_id == tenant.organization_id, col(Event.type).in_(types))
            .order_by(col(Event.id))
        )
        import json

        return [{"type": row.type, **json.loads(row.payload)["data"]} for row in rows]


async def test_a_won_deal_becomes_a_planned_project(tenant: Tenant) -> None:
    manager = await tenant.member(role="project_manager")
    key = await tenant.key_with(Scope.deals_write)
    deal = canonical_deal(project_manager_id=manager["id"])
    seller = await tenant.member(role="sales", name="Sam Seller", email=deal["owner_email"].upper())

    response = await tenant.post("/v1/deals", json=deal, headers=tenant.headers(key))

    assert response.status_code == 201, response.text
    intake = response.json()
    assert intake["project"] == "created"
    assert intake["deal_updated"] is False
    project = (await tenant.get(f"/v1/projects/{intake['project_id']}")).json()
    assert project["phase"] == "initiating"
    assert project["name"] == "Globex CRM rollout"
    assert project["budget"] == {"amount": "120000.00", "currency": "EUR"}
    assert project["description"] == (
        f"{deal['requirements']}\nWhat was sold:\n- 1 × Implementation at 120000.00"
    )
    assert project["unmatched_sales_owner_email"] is None
    assert project["project_manager_id"] == manager["id"]
    customer = (await tenant.get(f"/v1/customers/{project['customer_id']}")).json()
    assert (customer["name"], customer["crm_source"], customer["crm_external_id"]) == (
        "Globex",
        "generic",
        "C-77",
    )
    owner = (await tenant.get(f"/v1/members/{project['sales_owner_id']}")).json()
    assert owner["id"] == seller["id"]  # matched by email, whatever its case
    milestones = (await tenant.get(f"/v1/projects/{project['id']}/milestones")).json()["items"]
    assert [m["name"] for m in milestones] == [
        "Kickoff held",
        "Planning signed off",
        "Delivery complete",
        "Customer acceptance",
    ]
    assert all(m["owner_id"] == manager["id"] for m in milestones)
    assert milestones[1]["depends_on"] == [milestones[0]["id"]]
    assert project["target_end_date"] == milestones[-1]["due_date"]
    raci = (await tenant.get(f"/v1/projects/{project['id']}/activities")).json()["items"]
    assert [a["name"] for a in raci] == [
        "Handover from sales",
        "Scope confirmation",
        "Customer acceptance",
    ]
    letters = {(x["member_id"], x["role"]) for x in raci[0]["assignments"]}
    assert letters == {(manager["id"], "A"), (owner["id"], "R")}
    assert intake["deal"]["line_items"] == [
        {"name": "Implementation", "quantity": "1", "unit_price": "120000.00", "sku": None}
    ]

    won = await _events(tenant, "deal.won", "project.created")
    assert [event["type"] for event in won] == ["project.created", "deal.won"]
    assert won[0]["deal"] == {
        "deal_id": intake["deal"]["id"],
        "source": "generic",
        "external_id": deal["external_id"],
    }
    assert won[1]["project_id"] == project["id"]


async def test_pushing_the_same_deal_again_finds_it_and_updates_the_record(tenant: Tenant) -> None:
    deal = canonical_deal()
    first = await tenant.post("/v1/deals", json=deal)
    assert first.status_code == 201

    again = await tenant.post("/v1/deals", json=deal)
    assert again.status_code == 200
    assert again.json()["project"] == "existing"
    assert again.json()["deal_updated"] is False
    assert again.json()["project_id"] == first.json()["project_id"]

    changed = await tenant.post(
        "/v1/deals", json={**deal, "amount": "135000.00", "close_date": "2026-11-27"}
    )
    assert changed.status_code == 200
    body = changed.json()
    assert (body["project"], body["deal_updated"]) == ("existing", True)
    assert body["deal"]["amount"] == "135000.00"
    assert body["deal"]["version"] == first.json()["deal"]["version"] + 1
    updates = await _events(tenant, "deal.updated")
    assert len(updates) == 1
    assert {key: updates[0][key] for key in ("amount", "close_date")} == {
        "amount": {"amount": "135000.00", "currency": "EUR"},
        "close_date": "2026-11-27",
    }
    assert "name" not in updates[0]
    projects = (await tenant.get("/v1/projects")).json()["items"]
    assert len(projects) == 1
    assert projects[0]["budget"]["amount"] == "120000.00"  # the project's budget is delivery's


async def test_an_unknown_owner_is_reported_on_the_project_never_invented(
    tenant: Tenant,
) -> None:
    members_before = (await tenant.get("/v1/members")).json()["items"]
    deal = canonical_deal(owner_email="nobody-here@example.com")
    intake = (await tenant.post("/v1/deals", json=deal)).json()
    project = (await tenant.get(f"/v1/projects/{intake['project_id']}")).json()
    assert project["sales_owner_id"] is None
    assert project["unmatched_sales_owner_email"] == "nobody-here@example.com"
    assert (await tenant.get("/v1/members")).json()["items"] == members_before

    # once the seller is a member, the next push of the deal staffs the project
    seller = await tenant.member(role="sales", email="nobody-here@example.com")
    await tenant.post("/v1/deals", json=deal)
    project = (await tenant.get(f"/v1/projects/{intake['project_id']}")).json()
    assert project["sales_owner_id"] == seller["id"]
    assert project["unmatched_sales_owner_email"] is None


async def test_fields_the_delivery_team_changed_no_longer_follow_the_crm(tenant: Tenant) -> None:
    deal = canonical_deal()
    intake = (await tenant.post("/v1/deals", json=deal)).json()
    project_path = f"/v1/projects/{intake['project_id']}"
    renamed = await tenant.patch(project_path, json={"name": "Globex: phase one"})
    assert renamed.status_code == 200, renamed.text

    other = await tenant.customer(name="Globex Holdings")
    await tenant.post(
        "/v1/deals",
        json={
            **deal,
            "name": "Globex CRM rollout (EMEA)",
            "requirements": "400 users",
            "customer": {"external_id": "C-78", "name": "Globex Holdings EMEA"},
        },
    )
    project = (await tenant.get(project_path)).json()
    assert project["name"] == "Globex: phase one"  # the delivery team's name stays
    assert project["description"].startswith("400 users")  # untouched since: follows
    customer = (await tenant.get(f"/v1/customers/{project['customer_id']}")).json()
    assert customer["crm_external_id"] == "C-78"
    assert customer["id"] != other["id"]


async def test_an_idempotency_key_replays_the_first_answer(tenant: Tenant) -> None:
    deal = canonical_deal()
    headers = {"Idempotency-Key": "import-42"}
    first = await tenant.post("/v1/deals", json=deal, headers=headers)
    replay = await tenant.post("/v1/deals", json=deal, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    other = await tenant.post("/v1/deals", json={**deal, "name": "Other"}, headers=headers)
    assert_problem(other, 422, "idempotency-key-reused")


async def test_a_template_plans_the_project_and_unstaffable_rows_are_left_out(
    tenant: Tenant,
) -> None:
    template = await tenant.post(
        "/v1/project-templates",
        json={
            "name": "Pilot",
            "kickoff_within_business_days": 3,
            "milestones": [
                {"name": "Pilot live", "due_in_business_days": 10, "owner": "sales_owner"},
                {"name": "Kickoff", "due_in_business_days": 3, "customer_visible": True},
            ],
            "activities": [
                {
                    "name": "Pilot scope",
                    "phase": "planning",
                    "letters": {"project_manager": "A", "sales_owner": "R"},
                }
            ],
        },
    )
    assert template.status_code == 201, template.text
    deal = canonical_deal(project_template_id=template.json()["id"])  # no project manager

    intake = (await tenant.post("/v1/deals", json=deal)).json()

    project_id = intake["project_id"]
    milestones = (await tenant.get(f"/v1/projects/{project_id}/milestones")).json()["items"]
    assert [(m["name"], m["customer_visible"]) for m in milestones] == [
        ("Kickoff", True),
        ("Pilot live", False),
    ]
    assert milestones[0]["owner_id"] is None  # the project has no manager yet
    assert milestones[1]["owner_id"] == intake["deal"]["sales_owner_id"]
    activities = (await tenant.get(f"/v1/projects/{project_id}/activities")).json()["items"]
    assert activities == []  # one A and an R need two people: staffed by hand later


async def test_unknown_references_and_half_money_are_field_problems(tenant: Tenant) -> None:
    missing = "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b"
    response = await tenant.post(
        "/v1/deals", json=canonical_deal(project_manager_id=missing, project_template_id=missing)
    )
    problem = assert_problem(response, 422)
    assert {tuple(error["loc"]) for error in problem["errors"]} == {("body", "project_template_id")}
    response = await tenant.post("/v1/deals", json=canonical_deal(project_manager_id=missing))
    assert_problem(response, 422)
    half = canonical_deal()
    del half["currency"]
    assert_problem(await tenant.post("/v1/deals", json=half), 422)
    assert (await tenant.get("/v1/projects")).json()["items"] == []


async def test_deals_are_listed_and_read_with_an_etag(tenant: Tenant) -> None:
    pushed = (await tenant.post("/v1/deals", json=canonical_deal(source="hubspot"))).json()
    key = await tenant.key_with(Scope.deals_read)
    listed = await tenant.get(
        "/v1/deals", params={"source": "hubspot"}, headers=tenant.headers(key)
    )
    assert [deal["id"] for deal in listed.json()["items"]] == [pushed["deal"]["id"]]
    assert (await tenant.get("/v1/deals", params={"source": "pipedrive"})).json()["items"] == []
    one = await tenant.get(f"/v1/deals/{pushed['deal']['id']}")
    assert one.json()["project_id"] == pushed["project_id"]
    cached = await tenant.get(
        f"/v1/deals/{pushed['deal']['id']}", headers={"If-None-Match": one.headers["etag"]}
    )
    assert cached.status_code == 304


async def test_a_won_deals_plan_is_written_one_insert_per_kind(tenant: Tenant) -> None:
    """Planning checks a template's milestones and RACI rows once for all of them and writes
    each kind in one statement, instead of checking, writing and announcing each row apart;
    what it writes is what one-by-one creation would write (the test above)."""
    manager = await tenant.member(role="project_manager")
    deal = canonical_deal(project_manager_id=manager["id"])
    await tenant.member(role="sales", name="Sam Seller", email=deal["owner_email"])

    with count_statements(tenant.database) as statements:
        response = await tenant.post("/v1/deals", json=deal)

    assert response.status_code == 201, response.text
    for table in ("milestones", "milestone_dependencies", "activities", "raci_assignments"):
        assert sum(f"INSERT INTO {table} " in s for s in statements) == 1, table
    for table in ("milestones", "activities"):  # the room left in the project, counted once
        assert (
            sum(s.startswith(f"SELECT count(*) AS count_1 \nFROM {table} ") for s in statements)
            == 1
        )
    assert not [s for s in statements if "alert_crossings" in s]  # nothing new to clear
    assert not [s for s in statements if s.startswith("DELETE FROM raci_assignments")]
    assert sum("max(activities.position)" in s for s in statements) == 1  # every phase at once
    project_id = response.json()["project_id"]
    raci = (await tenant.get(f"/v1/projects/{project_id}/activities")).json()["items"]
    assert [(a["phase"], a["position"]) for a in raci] == [
        ("initiating", 0),
        ("planning", 0),
        ("closing", 0),
    ]
    created = await _events(tenant, "milestone.created")
    assert [event["depends_on"] for event in created] == [
        [],
        *([event["milestone_id"]] for event in created[:-1]),
    ]


async def test_a_templates_activities_keep_its_order_within_each_phase(tenant: Tenant) -> None:
    manager = await tenant.member(role="project_manager")
    both = {"project_manager": "A", "sales_owner": "R"}
    template = await tenant.post(
        "/v1/project-templates",
        json={
            "name": "Phased",
            "activities": [
                {"name": name, "phase": phase, "letters": both}
                for name, phase in [
                    ("Scope", "planning"),
                    ("Build", "executing"),
                    ("Plan review", "planning"),
                ]
            ],
        },
    )
    assert template.status_code == 201, template.text
    deal = canonical_deal(
        project_template_id=template.json()["id"], project_manager_id=manager["id"]
    )
    await tenant.member(role="sales", name="Sam Seller", email=deal["owner_email"])

    intake = (await tenant.post("/v1/deals", json=deal)).json()

    project_id = intake["project_id"]
    activities = (await tenant.get(f"/v1/projects/{project_id}/activities")).json()["items"]
    assert {a["name"]: (a["phase"], a["position"]) for a in activities} == {
        "Scope": ("planning", 0),
        "Plan review": ("planning", 1),
        "Build": ("executing", 0),
    }
