"""`/share/{token}`: what the customer sees, what never leaks, and how the forms are guarded."""

import re
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from app.gantt.svg import MAX_BARS
from app.main import create_app
from app.models import ShareLink
from app.models.base import utcnow
from app.settings import Settings
from app.share.protection import CONTENT_SECURITY_POLICY, csrf_token
from app.share.schemas import MAX_FORM_BYTES
from app.share.service import CHART_WIDTH
from tests.conftest import close_app, settings_for
from tests.factories import Tenant
from tests.milestones.helpers import day, make_milestone, store_milestones
from tests.replicas import SHARED_REDIS, replica
from tests.share.helpers import csrf_of, open_and_post, page_path, post_form, share
from tests.statements import count_statements

FEEDBACK = {"category": "timeline", "sentiment": "negative", "text": "Go-live feels tight"}


def _assert_secure_html(response: httpx.Response) -> None:
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src" not in CONTENT_SECURITY_POLICY, "default-src 'none' forbids every script"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-robots-tag"].startswith("noindex")
    assert response.headers["cache-control"] == "no-store"
    assert "Traceback" not in response.text
    assert "<script" not in response.text


async def _seed_with_secrets(tenant: Tenant) -> tuple[dict[str, Any], dict[str, Any]]:
    """A project full of internal things next to the few the customer may see."""
    manager = await tenant.member(name="Pat Manager", email="pat.secret@vendor.example")
    customer = await tenant.customer(name="Globex")
    project = await tenant.project(
        name="Globex rollout",
        customer_id=customer["id"],
        project_manager_id=manager["id"],
        description="PROJECT-DESCRIPTION-INTERNAL",
        budget={"amount": "987654.00", "currency": "EUR"},
        start_date=day(-20),
    )
    pid = project["id"]
    await tenant.post(f"/v1/projects/{pid}/transitions", json={"to_phase": "planning"})
    design = await make_milestone(
        tenant,
        pid,
        name="Design approved",
        due_date=day(-5),
        status="done",
        completed_date=day(-6),
        customer_visible=True,
        description="MILESTONE-NOTE-INTERNAL",
        owner_id=manager["id"],
    )
    await make_milestone(
        tenant,
        pid,
        name="INTERNAL-MILESTONE vendor audit",
        due_date=day(3),
        depends_on=[design["id"]],
    )
    await make_milestone(
        tenant,
        pid,
        name="<script>alert(1)</script> Go-live",
        due_date=day(30),
        customer_visible=True,
        depends_on=[design["id"]],
    )
    await make_milestone(tenant, pid, name="Training", due_date=day(-1), customer_visible=True)
    risk = {
        "title": "RISK-TITLE-INTERNAL",
        "category": "schedule",
        "probability": 5,
        "impact": 5,
        "response": "mitigate",
        "mitigation_plan": "RISK-PLAN-INTERNAL",
    }
    assert (await tenant.post(f"/v1/projects/{pid}/risks", json=risk)).status_code == 201
    report = await tenant.post(
        f"/v1/projects/{pid}/status-reports",
        json={
            "kind": "periodic",
            "summary": "REPORT-SUMMARY-INTERNAL",
            "customer_summary": "Design is approved; build starts Monday.",
            "next_steps": "REPORT-NEXT-STEPS-INTERNAL",
            "issues": [{"issue": "REPORT-ISSUE-INTERNAL"}],
        },
    )
    await tenant.post(f"/v1/status-reports/{report.json()['id']}/publish")
    await tenant.post(
        f"/v1/projects/{pid}/status-reports",
        json={"kind": "periodic", "customer_summary": "DRAFT-CUSTOMER-SUMMARY"},
    )
    await tenant.post(
        f"/v1/projects/{pid}/feedback",
        json={**FEEDBACK, "source": "sales", "text": "FEEDBACK-FROM-SALES-INTERNAL"},
    )
    await tenant.patch(
        f"/v1/projects/{pid}",
        json={"health_override": "red", "health_override_reason": "HEALTH-REASON-INTERNAL"},
    )
    soon = (utcnow() + timedelta(days=6)).isoformat()
    steering = {
        "kind": "review",
        "title": "Steering committee",
        "starts_at": soon,
        "time_zone": "Europe/Berlin",
        "agenda": ["MEETING-AGENDA-INTERNAL"],
        "notes": "MEETING-NOTES-INTERNAL",
        "attendees": [
            {"member_id": manager["id"]},
            {"name": "Grace Contact", "email": "grace.contact@globex.example"},
        ],
    }
    internal = {
        "kind": "sync",
        "title": "INTERNAL-MEETING delivery sync",
        "starts_at": soon,
        "attendees": [{"member_id": manager["id"]}],
    }
    for meeting in (steering, internal):
        assert (await tenant.post(f"/v1/projects/{pid}/meetings", json=meeting)).status_code == 201
    brief = {
        "sold": "BRIEF-SOLD-INTERNAL",
        "goals": "BRIEF-GOALS-INTERNAL",
        "promises": "BRIEF-PROMISE-INTERNAL",
        "notes": "BRIEF-NOTES-INTERNAL",
        "risks": [{"title": "BRIEF-RISK-INTERNAL", "description": "BRIEF-RISK-NOTE-INTERNAL"}],
        "stakeholders": {"sponsor": {"name": "Sponsor", "email": "sponsor.secret@globex.example"}},
        "constraints": {"budget": "BRIEF-BUDGET-INTERNAL"},
    }
    handoff = await tenant.request("PUT", f"/v1/projects/{pid}/handoff", json=brief)
    assert handoff.status_code == 200, handoff.text
    task = {"title": "Send your user list", "description": "One CSV, please", "due_date": day(-2)}
    created = await tenant.post(f"/v1/projects/{pid}/customer-tasks", json=task)
    assert created.status_code == 201, created.text
    other = await tenant.project(name="OTHER-PROJECT-SAME-CUSTOMER", customer_id=customer["id"])
    await make_milestone(tenant, other["id"], name="OTHER-PROJECT-MILESTONE", customer_visible=True)
    return project, await share(tenant, pid)


async def test_the_page_shows_what_the_customer_may_see_and_nothing_internal(
    tenant: Tenant,
) -> None:
    project, link = await _seed_with_secrets(tenant)
    page = await tenant.client.get(page_path(link))
    assert page.status_code == 200
    _assert_secure_html(page)
    html = page.text
    assert "Globex rollout" in html
    assert "Phase: <strong>Planning</strong>" in html
    assert "Design is approved; build starts Monday." in html
    for name in ("Design approved", "Training"):
        assert html.count(name) >= 2, f"{name}: in the table and on the chart"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Go-live" in html
    rows = re.findall(r'<tr class="state-(\w+)">\s*<td>([^<]+)</td>', html)
    assert rows == [
        ("done", "Design approved"),
        ("late", "Training"),
        ("upcoming", "&lt;script&gt;alert(1)&lt;/script&gt; Go-live"),
    ]
    assert html.count('data-milestone-id="') == 3, "the chart has the visible milestones only"
    meetings = re.findall(r"<li><strong>([^<]+)</strong> <span class=\"meta\">(\w+)</span>", html)
    assert meetings == [("Steering committee", "Review")], "only meetings with the customer"
    assert "(Europe/Berlin, 60 min)" in html
    assert "Send your user list" in html
    assert "One CSV, please" in html
    assert "Overdue" in html
    leaks = re.findall(r"[A-Z-]+-INTERNAL|INTERNAL-[A-Z]+|OTHER-PROJECT[A-Z-]*|DRAFT-[A-Z-]+", html)
    assert leaks == []
    for secret in (
        "pat.secret",
        "@vendor.example",
        "Pat Manager",
        "987654",
        "987,654",
        "ealth",
        "Grace",
        "globex.example",
        "Sponsor",
    ):
        assert secret not in html, secret
    assert project["id"] not in html


async def test_an_unknown_token_and_a_malformed_one_are_plain_404_pages(tenant: Tenant) -> None:
    for path in ("/share/hs_" + "x" * 43, "/share/" + "y" * 150):
        response = await tenant.client.get(path)
        assert response.status_code == 404
        _assert_secure_html(response)
        assert "This link is no longer valid" in response.text


async def test_an_expired_link_is_gone_for_reading_and_for_writing(tenant: Tenant) -> None:
    project = await tenant.project()
    link = await share(tenant, project["id"])
    page = await tenant.client.get(page_path(link))
    async with tenant.database.transaction() as session:
        await session.exec(
            update(ShareLink)
            .where(ShareLink.id == UUID(link["id"]))  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    gone = await tenant.client.get(page_path(link))
    assert gone.status_code == 410
    _assert_secure_html(gone)
    assert "This link is no longer valid" in gone.text
    late = await post_form(
        tenant.client, link, "feedback", {"csrf_token": csrf_of(page), **FEEDBACK}
    )
    assert late.status_code == 410
    feedback = await tenant.get(f"/v1/projects/{project['id']}/feedback")
    assert feedback.json()["items"] == []


async def test_feedback_and_survey_answers_arrive_as_from_the_api(tenant: Tenant) -> None:
    project = await tenant.project()
    link = await share(tenant, project["id"])
    sent = await open_and_post(tenant.client, link, "feedback", FEEDBACK)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{page_path(link)}?sent=feedback"
    _assert_secure_html(await tenant.client.get(sent.headers["location"]))
    assert "your feedback has reached" in (await tenant.client.get(sent.headers["location"])).text
    assert (
        await open_and_post(
            tenant.client, link, "survey", {"kind": "nps", "score": "9", "comment": ""}
        )
    ).status_code == 303
    csat = {"kind": "csat", "score": "4", "comment": "Nice"}
    assert (await open_and_post(tenant.client, link, "survey", csat)).status_code == 303

    [feedback] = (await tenant.get(f"/v1/projects/{project['id']}/feedback")).json()["items"]
    assert (feedback["source"], feedback["status"], feedback["text"]) == (
        "customer",
        "new",
        "Go-live feels tight",
    )
    answers = (await tenant.get(f"/v1/projects/{project['id']}/survey-responses")).json()["items"]
    assert [(a["kind"], a["score"], a["comment"]) for a in answers] == [
        ("nps", 9, None),
        ("csat", 4, "Nice"),
    ]
    events = await tenant.get("/v1/events", params={"project_id": project["id"]})
    types = [event["type"] for event in events.json()["items"]]
    assert types.count("feedback.received") == 1
    assert types.count("survey.response_received") == 2


async def test_a_score_that_does_not_fit_is_refused_on_a_page(tenant: Tenant) -> None:
    project = await tenant.project()
    link = await share(tenant, project["id"])
    response = await open_and_post(tenant.client, link, "survey", {"kind": "csat", "score": "9"})
    assert response.status_code == 422
    _assert_secure_html(response)
    assert "not a csat score" in response.text
    assert (await tenant.get(f"/v1/projects/{project['id']}/survey-responses")).json()[
        "items"
    ] == []


async def test_forms_without_a_fresh_token_of_this_page_are_refused(
    tenant: Tenant, settings: Settings
) -> None:
    project = await tenant.project()
    link = await share(tenant, project["id"])
    other = await share(tenant, project["id"])
    other_token = csrf_of(await tenant.client.get(page_path(other)))
    link_id = UUID(link["id"])
    real = csrf_of(await tenant.client.get(page_path(link)))
    issued, signature = real.split(".")
    for forged in (
        None,
        "",
        other_token,
        f"{int(issued) + 1}.{signature}",
        f"{issued}.{signature[:-2]}AA",
        csrf_token(settings, link_id, now=time.time() - 13 * 3600),
        csrf_token(settings, link_id, now=time.time() + 600),
        f"\u00b2.{signature}",  # a digit to str.isdigit(), none to int()
        f"{'9' * 5000}.{signature}",  # beyond what int() reads
    ):
        fields = FEEDBACK if forged is None else {**FEEDBACK, "csrf_token": forged}
        response = await post_form(tenant.client, link, "feedback", fields)
        assert response.status_code in (403, 422), forged
        _assert_secure_html(response)
    for form, fields in (("feedback", FEEDBACK), ("survey", {"kind": "nps", "score": "3"})):
        response = await post_form(tenant.client, link, form, {**fields, "csrf_token": other_token})
        assert response.status_code == 403
        assert "This form has expired" in response.text
    assert (await tenant.get(f"/v1/projects/{project['id']}/feedback")).json()["items"] == []
    assert (await tenant.get(f"/v1/projects/{project['id']}/survey-responses")).json()[
        "items"
    ] == []


async def test_what_a_customer_sends_is_bounded_in_size(tenant: Tenant) -> None:
    project = await tenant.project()
    link = await share(tenant, project["id"])
    too_long = await open_and_post(
        tenant.client, link, "feedback", {**FEEDBACK, "text": "x" * 4001}
    )
    assert too_long.status_code == 422
    _assert_secure_html(too_long)
    huge = await open_and_post(
        tenant.client, link, "feedback", {**FEEDBACK, "text": "y" * MAX_FORM_BYTES}
    )
    assert huge.status_code == 413
    _assert_secure_html(huge)
    assert (await tenant.get(f"/v1/projects/{project['id']}/feedback")).json()["items"] == []


@pytest.fixture
async def strict_client(database_url: str) -> Any:
    """The same database, served by an app that accepts two answers per link and hour."""
    app: FastAPI = create_app(
        settings_for(database_url, share_submission_limit="2/hour", dispatcher_enabled=False)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://handover.test") as http:
        yield http
    await close_app(app)


async def test_each_link_has_its_own_rate_limit(
    tenant: Tenant, strict_client: httpx.AsyncClient
) -> None:
    project = await tenant.project()
    busy = await share(tenant, project["id"])
    calm = await share(tenant, project["id"])
    for _ in range(2):
        assert (await open_and_post(strict_client, busy, "feedback", FEEDBACK)).status_code == 303
    refused = await open_and_post(strict_client, busy, "survey", {"kind": "nps", "score": "10"})
    assert refused.status_code == 429
    _assert_secure_html(refused)
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert (await open_and_post(strict_client, calm, "feedback", FEEDBACK)).status_code == 303
    assert len((await tenant.get(f"/v1/projects/{project['id']}/feedback")).json()["items"]) == 3
    assert (await tenant.get(f"/v1/projects/{project['id']}/survey-responses")).json()[
        "items"
    ] == []


async def test_a_token_of_one_organization_never_reaches_another(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    ours = await tenant.project(name="Our project")
    theirs = await other_tenant.project(name="Their project")
    await make_milestone(other_tenant, theirs["id"], name="Their milestone", customer_visible=True)
    link = await share(tenant, ours["id"])
    page = await tenant.client.get(page_path(link))
    assert "Our project" in page.text
    assert "Their" not in page.text
    assert (await open_and_post(tenant.client, link, "feedback", FEEDBACK)).status_code == 303
    assert len((await tenant.get(f"/v1/projects/{ours['id']}/feedback")).json()["items"]) == 1
    assert (await other_tenant.get(f"/v1/projects/{theirs['id']}/feedback")).json()["items"] == []
    # The token is no API key: it opens nothing under /v1.
    as_key = await tenant.client.get(
        f"/v1/projects/{ours['id']}", headers={"Authorization": f"Bearer {link['token']}"}
    )
    assert as_key.status_code == 401


async def test_the_stylesheet_is_the_only_thing_the_page_loads(tenant: Tenant) -> None:
    project = await tenant.project()
    page = await tenant.client.get(page_path(await share(tenant, project["id"])))
    sources = re.findall(r'(?:href|src)="([^"]+)"', page.text)
    assert sources == ["data:,", "/share/assets/share.css"], "no favicon request either"
    css = await tenant.client.get(sources[1])
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["x-content-type-options"] == "nosniff"
    assert "@media print" in css.text


async def test_the_page_costs_the_same_few_statements_whatever_the_plan(tenant: Tenant) -> None:
    costs = []
    for milestones in (1, 12):
        project = await tenant.project()
        for number in range(milestones):
            await make_milestone(
                tenant, project["id"], name=f"M{number}", customer_visible=number % 2 == 0
            )
        link = await share(tenant, project["id"])
        with count_statements(tenant.database) as statements:
            assert (await tenant.client.get(page_path(link))).status_code == 200
        costs.append(len(statements))
    assert costs[0] == costs[1] <= 10, costs  # customer tasks and sign-offs are two of them


async def test_replicas_share_a_link_count_in_the_rate_limit_storage(
    tenant: Tenant, database_url: str
) -> None:
    """One setting, `HANDOVER_RATE_LIMIT_STORAGE`, for every rate limit: share links too."""
    project = await tenant.project()
    link = await share(tenant, project["id"])  # a new link: a count of its own in Redis
    shared = {
        "share_submission_limit": "1/hour",
        "dispatcher_enabled": False,
        **SHARED_REDIS,
    }
    async with replica(database_url, **shared) as first, replica(database_url, **shared) as second:
        assert (await open_and_post(first, link, "feedback", FEEDBACK)).status_code == 303
        refused = await open_and_post(second, link, "feedback", FEEDBACK)
        assert refused.status_code == 429, "the other replica counted the first answer"
    assert len((await tenant.get(f"/v1/projects/{project['id']}/feedback")).json()["items"]) == 1


async def test_the_chart_is_drawn_to_fit_the_page_whatever_the_span(tenant: Tenant) -> None:
    project = await tenant.project()
    await make_milestone(tenant, project["id"], name="Go-live", due_date=day(30))
    await make_milestone(
        tenant, project["id"], name="Customer acceptance", due_date=day(400), customer_visible=True
    )
    page = await tenant.client.get(page_path(await share(tenant, project["id"])))
    width = re.search(r'<svg[^>]* width="(\d+)"', page.text)
    assert width is not None, page.text
    assert int(width.group(1)) <= CHART_WIDTH, "the whole plan in the page's 60rem, no scrolling"
    assert "Customer acceptance" in page.text


async def test_a_plan_past_the_limit_is_listed_and_drawn_up_to_it(tenant: Tenant) -> None:
    """A project that grew before milestones were bounded: the customer reads the first ones
    and how many more there are, instead of waiting for a page of every one."""
    project = await tenant.project()
    awaited = {"customer_visible": True, "requires_sign_off": True}
    await store_milestones(tenant, project["id"], MAX_BARS + 3, **awaited)
    await store_milestones(tenant, project["id"], 5)  # internal: never counted for the customer
    page = await tenant.client.get(page_path(await share(tenant, project["id"])))
    assert page.status_code == 200, page.text
    listed = page.text.split('<table class="milestones">')[1].split("</table>")[0]
    assert listed.count("Stored milestone") == MAX_BARS
    assert "3 more milestones are not listed here." in page.text
    assert "3 more milestones are not drawn." in page.text
    assert page.text.count('class="approve"') == MAX_BARS, "as many sign-offs as milestones"
