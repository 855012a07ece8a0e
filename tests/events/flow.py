"""A project's life through the API, touching every domain that records events, a won deal
pushed twice, and a test event sent to a webhook endpoint."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.clock.sweep import sweep
from tests.crm.inbound import work
from tests.crm.samples import basic_auth, connection, dumps, pipedrive_message
from tests.factories import Tenant
from tests.share.helpers import csrf_of, page_path
from tests.webhooks.api_helpers import PUBLIC_URL


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json()) if response.content else {}


async def project_life(tenant: Tenant) -> dict[str, Any]:
    """Plan, run, report and archive a project (which it returns)."""
    manager = await tenant.member(name="Ada", role="project_manager")
    developer = await tenant.member(name="Linus", role="delivery")
    sponsor = await tenant.member(name="Grace", role="executive")
    project = await tenant.project(
        project_manager_id=manager["id"],
        start_date="2027-01-04",
        budget={"amount": "120000.00", "currency": "EUR"},
    )
    p = f"/v1/projects/{project['id']}"
    _ok(await tenant.patch(p, json={"target_end_date": "2027-06-30", "description": "CRM"}))
    _ok(await tenant.patch(p, json={"health_override": "amber", "health_override_reason": "Late"}))
    _ok(await tenant.patch(p, json={"health_override": None, "budget": None}))
    _ok(await tenant.post(f"{p}/transitions", json={"to_phase": "planning"}), 201)

    letters = [
        {"member_id": manager["id"], "role": "A"},
        {"member_id": developer["id"], "role": "R"},
    ]
    activity = _ok(
        await tenant.post(
            f"{p}/activities",
            json={"name": "Data migration", "phase": "executing", "assignments": letters},
        ),
        201,
    )
    a = f"/v1/activities/{activity['id']}"
    _ok(await tenant.patch(a, json={"name": "Data migration (CRM)", "position": 3}))
    swapped = [{**letters[0], "role": "R"}, {**letters[1], "role": "A"}]
    _ok(await tenant.patch(a, json={"assignments": swapped}))
    matrix = {"activities": [{"activity_id": activity["id"], "assignments": letters}]}
    _ok(await tenant.request("PUT", f"{p}/raci", json=matrix))
    _ok(await tenant.delete(a), 204)
    kept = [*letters, {"member_id": sponsor["id"], "role": "I"}]
    _ok(
        await tenant.post(
            f"{p}/activities", json={"name": "Cutover", "phase": "planning", "assignments": kept}
        ),
        201,
    )  # alerts from here on name their accountable and informed people

    design = _ok(
        await tenant.post(
            f"{p}/milestones",
            json={"name": "Design", "due_date": "2027-01-15", "owner_id": manager["id"]},
        ),
        201,
    )
    go_live = _ok(
        await tenant.post(
            f"{p}/milestones",
            json={"name": "Go-live", "due_date": "2027-03-01", "depends_on": [design["id"]]},
        ),
        201,
    )
    m = f"/v1/milestones/{design['id']}"
    _ok(await tenant.patch(m, json={"due_date": "2027-01-22", "description": "Specs"}))
    _ok(await tenant.patch(m, json={"status": "done", "completed_date": "2027-01-20"}))
    _ok(await tenant.patch(f"/v1/milestones/{go_live['id']}", json={"owner_id": None}))
    _ok(
        await tenant.post(
            f"{p}/milestones",
            json={"name": "Training", "due_date": "2027-02-01", "status": "missed"},
        ),
        201,
    )
    _ok(await tenant.delete(m), 204)  # Go-live no longer depends on it: milestone.updated

    allocation = _ok(
        await tenant.post(
            f"{p}/allocations",
            json={
                "member_id": developer["id"],
                "start_date": "2027-01-04",
                "end_date": "2027-02-26",
                "percent": 80,
            },
        ),
        201,
    )
    al = f"/v1/allocations/{allocation['id']}"
    _ok(await tenant.patch(al, json={"percent": 50, "end_date": "2027-03-31"}))
    _ok(await tenant.delete(al), 204)

    risk = _ok(
        await tenant.post(
            f"{p}/risks",
            json={
                "title": "Legacy data is dirty",
                "category": "technical",
                "probability": 3,
                "impact": 3,
                "response": "mitigate",
                "mitigation_plan": "Profile the data in week 1",
                "owner_id": developer["id"],
                "review_date": "2027-01-15",
            },
        ),
        201,
    )
    r = f"/v1/risks/{risk['id']}"
    _ok(await tenant.patch(r, json={"impact": 5, "probability": 4, "contingency_plan": "Delay"}))
    _ok(await tenant.patch(r, json={"status": "occurred", "owner_id": None}))
    _ok(await tenant.patch(r, json={"status": "closed", "review_date": None}))
    _ok(await tenant.delete(r), 204)
    _ok(
        await tenant.post(
            f"{p}/risks",
            json={
                "title": "Key user left",
                "category": "resource",
                "probability": 5,
                "impact": 4,
                "response": "accept",
                "status": "occurred",
            },
        ),
        201,
    )

    report = _ok(
        await tenant.post(f"{p}/status-reports", json={"kind": "kickoff", "summary": "Held"}), 201
    )
    _ok(await tenant.post(f"/v1/status-reports/{report['id']}/publish"))
    _ok(
        await tenant.post(
            f"{p}/feedback",
            json={
                "source": "customer",
                "category": "timeline",
                "sentiment": "negative",
                "text": "Go-live date moved twice",
                "milestone_id": go_live["id"],
            },
        ),
        201,
    )
    _ok(await tenant.post(f"{p}/survey-responses", json={"kind": "nps", "score": 9}), 201)
    target = {"name": "Tickets", "metric": "custom", "target_value": 50, "direction": "at_least"}
    _ok(await tenant.post(f"{p}/kpis", json={**target, "due_date": "2020-01-01"}), 201)  # missed
    late = _ok(await tenant.post(f"{p}/kpis", json={**target, "due_date": "2099-01-01"}), 201)
    _ok(await tenant.post(f"/v1/kpis/{late['id']}/measurements", json={"value": 10}), 201)
    _ok(await tenant.delete(p), 204)
    await rhythm_life(tenant, manager["id"])

    deal = {
        "external_id": "D-10042",
        "name": "Globex CRM rollout",
        "customer": {"external_id": "C-77", "name": "Globex"},
        "amount": "120000.00",
        "currency": "EUR",
        "owner_email": "sam.seller@example.com",
        "project_manager_id": manager["id"],
    }
    won = _ok(await tenant.post("/v1/deals", json=deal), 201)  # deal.won, project.created…
    await _handoff(tenant, f"/v1/projects/{won['project_id']}/handoff")
    _ok(await tenant.post("/v1/deals", json={**deal, "amount": "135000.00"}))  # deal.updated
    await _deal_won_then_lost(tenant)

    endpoint = _ok(await tenant.post("/v1/webhook-endpoints", json={"url": PUBLIC_URL}), 201)
    _ok(await tenant.post(f"/v1/webhook-endpoints/{endpoint['id']}/test"), 202)
    return project


async def _signed_off_by_link(tenant: Tenant, p: str) -> None:
    """The customer signs a milestone off on the share page (`milestone.signed_off`)."""
    body = {"name": "UAT", "due_date": "2030-01-01", "customer_visible": True}
    signed = _ok(
        await tenant.post(f"{p}/milestones", json={**body, "requires_sign_off": True}), 201
    )
    link = _ok(await tenant.post(f"{p}/share-links", json={}), 201)
    form = {"csrf_token": csrf_of(await tenant.client.get(page_path(link))), "signer_name": "Dana"}
    url = f"{page_path(link)}/milestones/{signed['id']}/sign-off"
    assert (await tenant.client.post(url, data=form)).status_code == 303


async def _handoff(tenant: Tenant, handoff: str) -> None:
    """The brief returned to sales (`handoff.returned`), filled, accepted (`handoff.accepted`)."""
    _ok(await tenant.post(f"{handoff}/return", json={"reason": "Who decides?"}))
    person = {"name": "Dana Smith"}
    brief = {
        "sold": "CRM",
        "goals": "One record",
        "success_criteria": "90% adoption",
        "stakeholders": {"decision_maker": person, "day_to_day_contact": person},
        "risks": [{"title": "Old data is poor"}],
    }
    _ok(await tenant.request("PUT", handoff, json=brief))
    _ok(await tenant.post(f"{handoff}/accept", json={"carry_risks": True}))


async def _deal_won_then_lost(tenant: Tenant) -> None:
    """A Pipedrive deal won, then moved to lost: `deal.lost` (the worker plans both pushes)."""
    pipe = await connection(tenant, "pipedrive")
    for status in ("won", "lost"):
        body = dumps(pipedrive_message(4711, status=status))
        headers = basic_auth(pipe["basic_auth_username"], pipe["secret"])
        _ok(await tenant.client.post(pipe["path"], content=body, headers=headers), 202)
        await work(tenant.database)


async def rhythm_life(tenant: Tenant, manager_id: str) -> None:
    """A project's working rhythm: a kickoff held with a decision, action items, a cadence,
    change requests decided both ways, a lesson, and the clock's time-based events."""
    project = await tenant.project(budget={"amount": "80000.00", "currency": "EUR"})
    p = f"/v1/projects/{project['id']}"
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    soon = datetime.now(UTC) + timedelta(minutes=20)
    _ok(await tenant.post(f"{p}/transitions", json={"to_phase": "planning"}), 201)
    go_live = _ok(
        await tenant.post(f"{p}/milestones", json={"name": "Go-live", "due_date": "2030-03-01"}),
        201,
    )
    _ok(await tenant.post(f"{p}/milestones", json={"name": "Late", "due_date": yesterday}), 201)
    _ok(await tenant.post(f"{p}/transitions", json={"to_phase": "executing"}), 201)
    kickoff = _ok(
        await tenant.post(
            f"{p}/meetings",
            json={"kind": "kickoff", "starts_at": "2026-01-12T09:00:00Z", "agenda": ["Scope"]},
        ),
        201,
    )
    decision = {"text": "Go-live stays in March", "decided_by_id": manager_id}
    _ok(await tenant.post(f"/v1/meetings/{kickoff['id']}/hold", json={"decisions": [decision]}))
    source = {"type": "meeting", "id": kickoff["id"]}
    item = {"title": "Send the plan", "owner_id": manager_id, "source": source}
    done = _ok(await tenant.post(f"{p}/action-items", json=item), 201)
    _ok(await tenant.patch(f"/v1/action-items/{done['id']}", json={"status": "done"}))
    late = {"title": "Book the trainers", "owner_id": manager_id, "due_date": yesterday}
    _ok(await tenant.post(f"{p}/action-items", json=late), 201)
    await _signed_off_by_link(tenant, p)
    tasks = f"{p}/customer-tasks"
    given = _ok(await tenant.post(tasks, json={"title": "Send the user list"}), 201)
    _ok(await tenant.patch(f"/v1/customer-tasks/{given['id']}", json={"status": "done"}))
    _ok(await tenant.post(tasks, json={"title": "Sign the DPA", "due_date": yesterday}), 201)
    risk = {
        "title": "Vendor delay",
        "category": "schedule",
        "probability": 2,
        "impact": 2,
        "response": "accept",
        "review_date": yesterday,
    }
    _ok(await tenant.post(f"{p}/risks", json=risk), 201)
    _ok(
        await tenant.post(f"{p}/meetings", json={"kind": "sync", "starts_at": soon.isoformat()}),
        201,
    )
    cadence = {"rule": "FREQ=DAILY", "starts_at": soon.isoformat(), "time_zone": "Europe/Berlin"}
    _ok(await tenant.post(f"{p}/cadences", json=cadence), 201)
    assessment = {
        "schedule_impact_days": 7,
        "milestone_ids": [go_live["id"]],
        "cost_impact": {"amount": "6000.00", "currency": "EUR"},
    }
    for decision_status in ("approved", "rejected"):
        change = _ok(await tenant.post(f"{p}/change-requests", json={"title": "More"}), 201)
        c = f"/v1/change-requests/{change['id']}/transitions"
        for to_status, extra in (
            ("submitted", {}),
            ("assessed", {"assessment": assessment}),
            (decision_status, {}),
        ):
            _ok(
                await tenant.post(
                    c, json={"to_status": to_status, "member_id": manager_id, **extra}
                )
            )
    retro = _ok(
        await tenant.post(
            f"{p}/meetings", json={"kind": "retrospective", "starts_at": "2026-02-02T09:00:00Z"}
        ),
        201,
    )
    lesson = {
        "title": "Profile the data first",
        "what_happened": "Migration took longer than estimated.",
        "category": "estimation",
        "outcome": "failure",
        "tags": ["data"],
        "meeting_id": retro["id"],
    }
    _ok(await tenant.post(f"{p}/lessons", json=lesson), 201)
    await sweep(tenant.database)  # the late milestone, action item, customer task and review…
