"""The lessons library: recorded per project, searched across the organization with the
database's own full-text engine, ranked, filtered; never another organization's."""

from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.lessons import search
from app.models import Lesson
from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.rhythm import events_of, ok

ESTIMATION = {
    "title": "Data migration was estimated from the sales deck",
    "what_happened": "The migration of the legacy CRM took three times the estimate.",
    "why": "Nobody profiled the customer's data before quoting.",
    "next_time": "Profile a sample of the data before the estimate.",
    "category": "estimation",
    "outcome": "failure",
    "tags": ["Data-Migration", "crm", "crm"],
}
TRAINING = {
    "title": "Train the trainers",
    "what_happened": "Key users trained their colleagues; adoption was quick.",
    "category": "customer",
    "outcome": "success",
    "tags": ["adoption"],
}


async def _lesson(tenant: Tenant, project: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return ok(await tenant.post(f"/v1/projects/{project['id']}/lessons", json=body), 201)


async def _search(tenant: Tenant, **params: Any) -> list[str]:
    body = ok(await tenant.get("/v1/lessons", params=params))
    return [item["id"] for item in body["items"]]


async def test_a_lesson_is_recorded_for_its_project_and_customer(tenant: Tenant) -> None:
    project = await tenant.project()
    lesson = await _lesson(tenant, project, ESTIMATION)
    assert (lesson["project_id"], lesson["customer_id"]) == (project["id"], project["customer_id"])
    assert lesson["tags"] == ["crm", "data-migration"]
    [event] = await events_of(tenant, "lesson.recorded")
    assert (event["lesson_id"], event["customer_id"], event["tags"]) == (
        lesson["id"],
        project["customer_id"],
        ["crm", "data-migration"],
    )
    read = await tenant.get(f"/v1/lessons/{lesson['id']}")
    assert ok(read) == lesson
    assert (
        await tenant.get(
            f"/v1/lessons/{lesson['id']}", headers={"If-None-Match": read.headers["ETag"]}
        )
    ).status_code == 304


async def test_search_finds_a_lesson_by_a_word_of_its_text_and_never_anothers(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await _lesson(tenant, await tenant.project(), ESTIMATION)
    training = await _lesson(tenant, await tenant.project(), TRAINING)
    theirs = await _lesson(other_tenant, await other_tenant.project(), ESTIMATION)
    assert await _search(tenant, q="profiled") == [mine["id"]]
    assert await _search(tenant, q="legacy estimates") == [mine["id"]]  # any form of a word
    assert await _search(tenant, q="colleagues adoption") == [training["id"]]
    assert await _search(tenant, q="legacy adoption") == []  # every word must be there
    assert await _search(other_tenant, q="profiled") == [theirs["id"]]
    assert await _search(tenant, q="unheard-of") == []


async def _library(tenant: Tenant, project: dict[str, Any]) -> None:
    """Lessons about other things: BM25 (SQLite) weighs a word by how rare it is in the
    library, and a word found in half of it or more ranks every match alike."""
    for title in ("Go-live weekend", "Invoice schedule", "Test data"):
        await _lesson(tenant, project, {**TRAINING, "title": title, "what_happened": title})


async def _kickoff_lessons(
    tenant: Tenant,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A library with one lesson that mentions the kickoff in passing and one about it."""
    project = await tenant.project()
    await _library(tenant, project)
    passing = await _lesson(
        tenant,
        project,
        {**TRAINING, "title": "Kickoff agenda", "what_happened": "It ran long: too many slides."},
    )
    central = await _lesson(
        tenant,
        project,
        {
            **TRAINING,
            "title": "Kickoff without sales",
            "what_happened": "Sales skipped the kickoff; the kickoff missed the deal's context.",
            "next_time": "No kickoff without the salesperson.",
        },
    )
    return project, passing, central


async def test_the_best_match_comes_first(tenant: Tenant) -> None:
    _, passing, central = await _kickoff_lessons(tenant)
    assert await _search(tenant, q="kickoff") == [central["id"], passing["id"]]
    assert await _search(tenant, q="kickoff", limit=1) == [central["id"]]


async def test_each_match_says_how_well_and_where_it_matched(tenant: Tenant) -> None:
    project, passing, central = await _kickoff_lessons(tenant)
    found = ok(await tenant.get("/v1/lessons", params={"q": "kickoff"}))["items"]
    assert [item["id"] for item in found] == [central["id"], passing["id"]]
    ranks = [item["match"]["rank"] for item in found]
    assert ranks[0] > ranks[1]
    for item in found:
        assert "**kickoff**" in item["match"]["snippet"].lower(), item["match"]
    estimation = await _lesson(tenant, project, ESTIMATION)
    [item] = ok(await tenant.get("/v1/lessons", params={"q": "profiled"}))["items"]
    assert item["id"] == estimation["id"]
    assert "**profiled**" in item["match"]["snippet"]
    assert "customer" in item["match"]["snippet"]  # the passage around the word
    listed = ok(await tenant.get(f"/v1/projects/{project['id']}/lessons"))["items"]
    assert {item["match"] is None for item in listed} == {True}  # no search, no match
    assert ok(await tenant.get(f"/v1/lessons/{estimation['id']}"))["match"] is None


async def test_filters_narrow_the_library_and_the_search(tenant: Tenant) -> None:
    globex, initech = await tenant.customer(name="Globex"), await tenant.customer(name="Initech")
    first = await _lesson(tenant, await tenant.project(customer_id=globex["id"]), ESTIMATION)
    second = await _lesson(tenant, await tenant.project(customer_id=initech["id"]), TRAINING)
    listed = ok(await tenant.get("/v1/lessons", params={"customer_id": globex["id"]}))
    assert [item["id"] for item in listed["items"]] == [first["id"]]
    assert await _search(tenant, customer_id=initech["id"]) == [second["id"]]
    assert await _search(tenant, category="estimation", outcome="failure") == [first["id"]]
    assert await _search(tenant, tag="DATA-migration") == [first["id"]]
    assert await _search(tenant, tag="adoption", q="trained") == [second["id"]]
    assert await _search(tenant, tag="adoption", q="profiled") == []
    project_lessons = ok(await tenant.get(f"/v1/projects/{second['project_id']}/lessons"))
    assert [item["id"] for item in project_lessons["items"]] == [second["id"]]


async def test_any_text_is_a_safe_search(tenant: Tenant) -> None:
    lesson = await _lesson(tenant, await tenant.project(), ESTIMATION)
    for words in ('"quoting', "quoting*", "(quoting)", "-quoting", "quoting:", "quoting's |"):
        assert await _search(tenant, q=words) == [lesson["id"]], words
    for words in ('"', "( ) *", "quoting NEAR"):
        assert await _search(tenant, q=words) == [], words
    assert_problem(await tenant.get("/v1/lessons", params={"q": "x" * 201}), 422)


async def test_changes_and_deletions_reach_the_search(tenant: Tenant) -> None:
    lesson = await _lesson(tenant, await tenant.project(), ESTIMATION)
    url = f"/v1/lessons/{lesson['id']}"
    changed = ok(
        await tenant.patch(
            url,
            json={"why": "The discovery workshop was skipped.", "tags": ["discovery"]},
            headers={"If-Match": '"1"'},
        )
    )
    assert (changed["version"], changed["tags"]) == (2, ["discovery"])
    assert await _search(tenant, q="workshop") == [lesson["id"]]
    assert await _search(tenant, q="quoting") == []  # the old `why`
    assert await _search(tenant, tag="crm") == []
    assert_problem(await tenant.patch(url, json={"why": "x"}, headers={"If-Match": '"1"'}), 412)
    assert (await tenant.delete(url)).status_code == 204
    assert await _search(tenant, q="workshop") == []


async def test_a_lesson_from_a_meeting_comes_from_a_retrospective(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/meetings"
    sync = ok(
        await tenant.post(url, json={"kind": "sync", "starts_at": "2026-01-12T09:00:00Z"}), 201
    )
    retro = ok(
        await tenant.post(url, json={"kind": "retrospective", "starts_at": "2026-02-12T09:00:00Z"}),
        201,
    )
    problem = assert_problem(
        await tenant.post(
            f"/v1/projects/{project['id']}/lessons", json={**TRAINING, "meeting_id": sync["id"]}
        ),
        422,
    )
    assert locations(problem) == {("body", "meeting_id")}
    lesson = await _lesson(tenant, project, {**TRAINING, "meeting_id": retro["id"]})
    assert lesson["meeting_id"] == retro["id"]


async def test_postgresql_searches_through_the_gin_index(tenant: Tenant) -> None:
    async with tenant.database.transaction(write=False) as session:
        dialect = session.get_bind().dialect
        if dialect.name != "postgresql":
            pytest.skip("SQLite searches its FTS5 table")
        statement = search.ranked(session, select(Lesson), "migration")
        assert statement is not None
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        await session.exec(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in await session.exec(text(f"EXPLAIN {sql}")))
    assert "ix_lessons_search" in plan, plan
