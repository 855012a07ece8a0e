"""The share page in a real browser: Debian's chromium, headless, driven by Playwright, against a
real `handover serve`. It also makes the screenshots docs/views.md shows (`docs/*.png`)."""

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, sync_playwright
from sqlalchemy.engine import make_url

from tests.conftest import fresh_database_url
from tests.serving import HANDOVER, serving

CHROMIUM = "/usr/bin/chromium"  # the system browser: browser downloads do not work here
DOCS = Path(__file__).resolve().parents[2] / "docs"


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A real `handover serve` on a fresh database: its base URL and the admin key it printed."""
    for url in fresh_database_url(tmp_path):
        env = {**os.environ, "HANDOVER_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        env.pop("HANDOVER_BOOTSTRAP", None)
        if make_url(url).get_backend_name() != "sqlite":
            subprocess.run([*HANDOVER, "migrate"], env=env, cwd=tmp_path, check=True, timeout=60)
        with serving(env, tmp_path) as (base, log_path):
            key = re.search(r"hk_live_[A-Za-z0-9_-]{43}", log_path.read_text())
            assert key, log_path.read_text()
            yield base, key.group()


class Api:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def call(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None


def _seed(api: Api) -> tuple[str, str]:
    """A project in full swing, with internal things next to what the customer may see."""
    manager = api.call(
        "POST",
        "/v1/members",
        201,
        json={"name": "Ada Lovelace", "email": "ada@vendor.example", "role": "project_manager"},
    )
    customer = api.call("POST", "/v1/customers", 201, json={"name": "Globex Corporation"})
    project = api.call(
        "POST",
        "/v1/projects",
        201,
        json={
            "name": "Globex CRM rollout",
            "customer_id": customer["id"],
            "project_manager_id": manager["id"],
            "start_date": _day(-40),
        },
    )
    p = f"/v1/projects/{project['id']}"
    for phase in ("planning", "executing"):
        api.call("POST", f"{p}/transitions", 201, json={"to_phase": phase})

    def milestone(name: str, start: int, due: int, **extra: Any) -> str:
        body = {
            "name": name,
            "start_date": _day(start),
            "due_date": _day(due),
            "customer_visible": True,
            **extra,
        }
        return str(api.call("POST", f"{p}/milestones", 201, json=body)["id"])

    kickoff = milestone("Kickoff workshop", -40, -35, status="done", completed_date=_day(-35))
    design = milestone(
        "Solution design signed off",
        -34,
        -14,
        status="done",
        completed_date=_day(-15),
        depends_on=[kickoff],
        requires_sign_off=True,
    )
    migration = milestone(
        "Data migration rehearsal", -13, -2, status="in_progress", depends_on=[design]
    )
    milestone("Vendor contract review", -10, 5, customer_visible=False)
    training = milestone("User training", -1, 12, status="in_progress", depends_on=[design])
    pilot = milestone("Pilot with sales team", 0, 20, depends_on=[migration])
    live = milestone("Go-live", 21, 28, depends_on=[pilot, training])
    milestone("Customer acceptance", 110, 125, depends_on=[live])  # months out, what they wait for
    api.call(
        "POST",
        f"{p}/risks",
        201,
        json={
            "title": "Key user may leave",
            "category": "resource",
            "probability": 4,
            "impact": 4,
            "response": "mitigate",
            "mitigation_plan": "Pair a second key user",
        },
    )
    report = api.call(
        "POST",
        f"{p}/status-reports",
        201,
        json={
            "kind": "periodic",
            "summary": "Internal: vendor is two days late.",
            "customer_summary": "Design is signed off and the data migration rehearsal is under "
            "way. Training starts this week; the pilot with your sales team begins next.",
        },
    )
    api.call("POST", f"/v1/status-reports/{report['id']}/publish")
    steering = (datetime.now(UTC) + timedelta(days=8)).replace(hour=9, minute=0, second=0)
    api.call(
        "POST",
        f"{p}/meetings",
        201,
        json={
            "kind": "review",
            "title": "Steering committee",
            "starts_at": steering.isoformat(),
            "time_zone": "Europe/Berlin",
            "attendees": [
                {"member_id": manager["id"]},
                {"name": "Grace Hopper", "email": "grace@globex.example"},
            ],
        },
    )
    api.call(
        "POST",
        f"{p}/customer-tasks",
        201,
        json={
            "title": "Send us your sales team's user list",
            "description": "A CSV with name and email, for the pilot accounts.",
            "due_date": _day(3),
            "milestone_id": pilot,
        },
    )
    link = api.call("POST", f"{p}/share-links", 201, json={"label": "Globex steering committee"})
    return project["id"], link["url"]


@pytest.mark.slow
def test_a_customer_reads_the_page_and_answers_through_its_forms(
    server: tuple[str, str], tmp_path: Path
) -> None:
    base, key = server
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as http:
        _read_share_page_and_answer(Api(http), tmp_path)


# Where the chart's box, its "today" line and the acceptance bar (with its label) are on screen.
CHART_GEOMETRY = """() => {
    const box = document.querySelector("figure.timeline .scroll");
    const edges = (element) => {
        const r = element.getBoundingClientRect();
        return {left: r.left, right: r.right};
    };
    const acceptance = [...box.querySelectorAll("g.milestone")].find(
        (row) => row.querySelector("title").textContent.startsWith("Customer acceptance"));
    return {
        scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, box: edges(box),
        today: edges(box.querySelector("g.today")),
        bar: edges(acceptance.querySelector("rect.bar")),
        label: edges(acceptance.querySelector("text.state")),
        pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    };
}"""


def _read_share_page_and_answer(api: Api, tmp_path: Path) -> None:
    project_id, share_url = _seed(api)
    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            problems: list[str] = []
            page.on("console", lambda message: problems.append(message.text))
            page.on("pageerror", lambda error: problems.append(str(error)))
            response = page.goto(share_url)
            assert response is not None
            assert response.status == 200

            assert page.locator("h1").inner_text() == "Globex CRM rollout"
            assert page.locator(".phase strong").inner_text() == "Executing"
            assert "data migration rehearsal is under way" in page.locator(".summary").inner_text()
            rows = page.locator("table.milestones tbody tr")
            assert rows.count() == 7, "the vendor review is internal"
            assert "Vendor contract review" not in page.content()
            assert "Key user may leave" not in page.content()
            assert "Internal: vendor" not in page.content()
            states = [rows.nth(i).get_attribute("class") for i in range(rows.count())]
            assert states.count("state-done") == 2
            assert "state-late" in states, "the rehearsal was due two days ago"
            assert page.locator("figure.timeline svg g.milestone").count() == 7
            assert page.locator("figure.timeline svg g.critical").count() >= 3
            meetings = page.locator("ul.meetings li")
            assert meetings.count() == 1
            assert "Steering committee" in meetings.inner_text()
            assert "grace@globex.example" not in page.content(), "attendees stay inside"
            assert page.evaluate("getComputedStyle(document.body).margin") == "0px", "CSS loads"
            page.screenshot(path=str(DOCS / "share-page.png"), full_page=True)

            page.set_viewport_size({"width": 1280, "height": 900})
            page.locator("figure.timeline").scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "share-page-1280.png"))
            chart = page.evaluate(CHART_GEOMETRY)
            assert chart["scrollWidth"] <= chart["clientWidth"], chart  # nothing to scroll to
            assert chart["pageOverflow"] <= 0, chart
            for part in ("today", "bar", "label"):
                assert chart["box"]["left"] <= chart[part]["left"], (part, chart)
                assert chart[part]["right"] <= chart["box"]["right"], (part, chart)
            page.set_viewport_size({"width": 1100, "height": 900})

            page.select_option("#category", "timeline")
            page.check("input[name=sentiment][value=positive]")
            page.fill("#text", "The rehearsal went well; can the pilot start a week earlier?")
            page.click("#feedback-form button[type=submit]")
            page.wait_for_url(re.compile(r"\?sent=feedback$"))
            assert "your feedback has reached" in page.locator(".thanks").inner_text()

            page.check("#nps-form input[name=score][value='9']")
            page.fill("#nps-comment", "Very responsive team.")
            page.click("#nps-form button[type=submit]")
            page.wait_for_url(re.compile(r"\?sent=survey$"))
            assert "your answer has been recorded" in page.locator(".thanks").inner_text()

            task = page.locator("li.task").first
            assert "Send us your sales team's user list" in task.inner_text()
            task.locator("input[name=name]").fill("Grace Hopper")
            task.locator("button[type=submit]").click()
            page.wait_for_url(re.compile(r"\?sent=task$"))
            assert "sees the task as done" in page.locator(".thanks").inner_text()
            assert page.locator("li.task.done").count() == 1

            sign_off = page.locator(".sign-off").first
            assert "Solution design signed off" in sign_off.inner_text()
            sign_off.locator("input[name=signer_name]").fill("Grace Hopper")
            sign_off.locator("textarea[name=comment]").fill("Approved for the steering committee.")
            sign_off.locator("form.approve button[type=submit]").click()
            page.wait_for_url(re.compile(r"\?sent=signed$"))
            assert "your sign-off has been recorded" in page.locator(".thanks").inner_text()
            assert page.locator(".sign-off").count() == 0

            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(share_url)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, "readable on a phone: the chart scrolls inside its own box"
            assert problems == [], problems  # nothing blocked by the Content-Security-Policy

            chart = api.http.get(
                f"/v1/projects/{project_id}/timeline", headers={"Accept": "image/svg+xml"}
            )
            assert chart.status_code == 200
            gantt = browser.new_page(viewport={"width": 1400, "height": 600})
            gantt.set_content(f"<!doctype html><body style='margin:0'>{chart.text}</body>")
            _screenshot_svg(gantt, DOCS / "gantt-chart.png")
        finally:
            browser.close()

    [feedback] = api.call("GET", f"/v1/projects/{project_id}/feedback")["items"]
    assert (feedback["source"], feedback["category"], feedback["sentiment"]) == (
        "customer",
        "timeline",
        "positive",
    )
    assert feedback["text"].startswith("The rehearsal went well")
    [done] = api.call("GET", f"/v1/projects/{project_id}/customer-tasks")["items"]
    assert (done["status"], done["done_by_name"]) == ("done", "Grace Hopper")
    assert done["done_via_share_link_id"] is not None
    milestones = api.call("GET", f"/v1/projects/{project_id}/milestones")["items"]
    [signed] = [m for m in milestones if m["requires_sign_off"]]
    assert (signed["signed_off_by_name"], signed["sign_off_comment"]) == (
        "Grace Hopper",
        "Approved for the steering committee.",
    )
    assert signed["signed_off_via_share_link_id"] == done["done_via_share_link_id"]
    [answer] = api.call("GET", f"/v1/projects/{project_id}/survey-responses")["items"]
    assert (answer["kind"], answer["score"], answer["comment"]) == (
        "nps",
        9,
        "Very responsive team.",
    )


def _screenshot_svg(page: Page, path: Path) -> None:
    svg = page.locator("svg").first
    assert svg.locator("g.milestone").count() == 8, "the team's chart has every milestone"
    svg.screenshot(path=str(path))
