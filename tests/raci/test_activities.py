"""Activities: rows of the RACI matrix, born with their letters and always keeping the rules —
exactly one A, at least one R, each member once, members of the organization only."""

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.exc import IntegrityError

from app.models import RaciAssignment, RaciRole
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.raci.helpers import (
    Team,
    add_activity,
    events,
    letters,
    make_team,
    stored_activities,
    stored_letters,
)


@pytest.fixture
async def team(tenant: Tenant) -> Team:
    return await make_team(tenant)


async def test_activity_is_created_with_its_letters_and_read_back(
    tenant: Tenant, team: Team
) -> None:
    body = {
        "name": "Kick-off workshop",
        "phase": "initiating",
        "assignments": letters(
            **{team.linus["id"]: "I", team.grace["id"]: "R", team.ada["id"]: "A"}
        ),
    }
    response = await tenant.post(f"{team.url}/activities", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    activity = response.json()
    assert (activity["name"], activity["phase"], activity["position"]) == (
        "Kick-off workshop",
        "initiating",
        0,
    )
    assert activity["project_id"] == team.project["id"]
    assert activity["assignments"] == letters(
        **{team.ada["id"]: "A", team.grace["id"]: "R", team.linus["id"]: "I"}
    )
    fetched = await tenant.get(f"/v1/activities/{activity['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == activity
    assert fetched.headers["etag"] == '"1"'
    assert await stored_letters(tenant) == {
        activity["id"]: {team.ada["id"]: "A", team.grace["id"]: "R", team.linus["id"]: "I"}
    }


def _broken(team: Team, case: str) -> tuple[list[dict[str, str]], str, list[Any]]:
    """Letters that break one rule, the error type, and where the error points."""
    ada, grace, linus = team.ada["id"], team.grace["id"], team.linus["id"]
    loc: list[Any] = ["body", "assignments"]
    cases = {
        "two_accountables": (
            letters(**{ada: "A", grace: "A", linus: "R"}),
            "multiple_accountable",
            loc,
        ),
        "no_accountable": (letters(**{ada: "R", grace: "C"}), "no_accountable", loc),
        "no_responsible": (letters(**{ada: "A", grace: "C"}), "no_responsible", loc),
        "member_twice": (
            [*letters(**{ada: "A", grace: "R"}), {"member_id": grace, "role": "C"}],
            "duplicate_member",
            [*loc, 2, "member_id"],
        ),
        "unknown_member": (
            letters(**{ada: "A", str(UUID(int=7)): "R"}),
            "unknown_reference",
            [*loc, 1, "member_id"],
        ),
    }
    return cases[case]


CASES = ["two_accountables", "no_accountable", "no_responsible", "member_twice", "unknown_member"]


@pytest.mark.parametrize("case", CASES)
async def test_activity_breaking_a_rule_is_422_and_not_created(
    tenant: Tenant, team: Team, case: str
) -> None:
    assignments, error_type, loc = _broken(team, case)
    body = {"name": "Build", "phase": "executing", "assignments": assignments}
    problem = assert_problem(
        await tenant.post(f"{team.url}/activities", json=body), 422, "invalid-input"
    )
    assert [(error["type"], error["loc"]) for error in problem["errors"]] == [(error_type, loc)]
    assert await stored_activities(tenant) == []
    assert (await tenant.get(team.url)).json()["version"] == team.project["version"]


@pytest.mark.parametrize("case", CASES)
async def test_patch_with_letters_breaking_a_rule_is_422_and_changes_nothing(
    tenant: Tenant, team: Team, case: str
) -> None:
    activity = await add_activity(tenant, team)
    assignments, error_type, loc = _broken(team, case)
    url = f"/v1/activities/{activity['id']}"
    response = await tenant.patch(url, json={"name": "Renamed", "assignments": assignments})
    problem = assert_problem(response, 422, "invalid-input")
    assert [(error["type"], error["loc"]) for error in problem["errors"]] == [(error_type, loc)]
    assert (await tenant.get(url)).json() == activity
    assert await stored_letters(tenant) == {
        activity["id"]: {team.ada["id"]: "A", team.grace["id"]: "R"}
    }


async def test_a_member_of_another_organization_cannot_get_a_letter(
    tenant: Tenant, other_tenant: Tenant, team: Team
) -> None:
    stranger = await other_tenant.member()
    body = {
        "name": "Build",
        "phase": "executing",
        "assignments": letters(**{team.ada["id"]: "A", stranger["id"]: "R"}),
    }
    problem = assert_problem(
        await tenant.post(f"{team.url}/activities", json=body), 422, "invalid-input"
    )
    assert problem["errors"] == [
        {
            "loc": ["body", "assignments", 1, "member_id"],
            "message": "No such member in your organization.",
            "type": "unknown_reference",
        }
    ]
    assert await stored_activities(tenant) == []


async def test_every_broken_rule_is_listed_at_once(tenant: Tenant, team: Team) -> None:
    ada, grace = team.ada["id"], team.grace["id"]
    assignments = [
        {"member_id": ada, "role": "A"},
        {"member_id": ada, "role": "A"},
        {"member_id": grace, "role": "C"},
        {"member_id": str(UUID(int=9)), "role": "I"},
    ]
    body = {"name": "Build", "phase": "executing", "assignments": assignments}
    problem = assert_problem(await tenant.post(f"{team.url}/activities", json=body), 422)
    assert sorted(error["type"] for error in problem["errors"]) == [
        "duplicate_member",
        "multiple_accountable",
        "no_responsible",
        "unknown_reference",
    ]


@pytest.mark.parametrize("assignments", [None, [], "missing"])
async def test_an_activity_needs_its_letters(tenant: Tenant, team: Team, assignments: Any) -> None:
    body: dict[str, Any] = {"name": "Build", "phase": "executing"}
    if assignments != "missing":
        body["assignments"] = assignments
    problem = assert_problem(
        await tenant.post(f"{team.url}/activities", json=body), 422, "validation"
    )
    assert problem["errors"][0]["loc"] == ["body", "assignments"]
    assert await stored_activities(tenant) == []


async def test_more_than_100_letters_is_422(tenant: Tenant, team: Team) -> None:
    many = [{"member_id": str(UUID(int=n)), "role": "I"} for n in range(101)]
    body = {"name": "Build", "phase": "executing", "assignments": many}
    problem = assert_problem(await tenant.post(f"{team.url}/activities", json=body), 422)
    assert problem["errors"][0]["type"] == "too_long"


async def test_the_database_refuses_a_second_accountable(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    with pytest.raises(IntegrityError):
        async with tenant.database.transaction() as session:
            session.add(
                RaciAssignment(
                    activity_id=UUID(activity["id"]),
                    member_id=UUID(team.linus["id"]),
                    role=RaciRole.accountable,
                )
            )
    assert len((await stored_letters(tenant))[activity["id"]]) == 2


async def test_new_activities_go_after_the_last_of_their_phase(tenant: Tenant, team: Team) -> None:
    first = await add_activity(tenant, team, "Scope")
    second = await add_activity(tenant, team, "Plan")
    elsewhere = await add_activity(tenant, team, "Build", phase="executing")
    placed = await add_activity(tenant, team, "Budget", position=7)
    after = await add_activity(tenant, team, "Staff")
    positions = [first, second, elsewhere, placed, after]
    assert [activity["position"] for activity in positions] == [0, 1, 0, 7, 8]


async def test_patch_renames_and_moves_an_activity(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    url = f"/v1/activities/{activity['id']}"
    response = await tenant.patch(url, json={"name": "Agree the scope", "phase": "initiating"})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["name"], changed["phase"], changed["version"]) == (
        "Agree the scope",
        "initiating",
        2,
    )
    assert changed["assignments"] == activity["assignments"]
    assert response.headers["etag"] == '"2"'
    assert (await tenant.get(url)).json() == changed
    [event] = await events(tenant, "activity.updated")
    assert event["data"] == {
        "activity_id": activity["id"],
        "version": 2,
        "project_id": team.project["id"],
        "name": "Agree the scope",
        "phase": "initiating",
    }


async def test_new_letters_give_the_activity_a_new_version_and_a_raci_changed_event(
    tenant: Tenant, team: Team
) -> None:
    activity = await add_activity(tenant, team)
    url = f"/v1/activities/{activity['id']}"
    new = letters(**{team.grace["id"]: "A", team.linus["id"]: "R", team.ada["id"]: "C"})
    response = await tenant.patch(url, json={"assignments": new})
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert response.json()["assignments"] == new
    assert await stored_letters(tenant) == {
        activity["id"]: {team.grace["id"]: "A", team.linus["id"]: "R", team.ada["id"]: "C"}
    }
    [event] = await events(tenant, "raci.changed")
    project = (await tenant.get(team.url)).json()
    assert event["data"] == {
        "project_id": team.project["id"],
        "version": project["version"],
        "activity_ids": [activity["id"]],
    }
    assert await events(tenant, "activity.updated") == []


async def test_a_patch_that_changes_nothing_writes_nothing(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    project_version = (await tenant.get(team.url)).json()["version"]
    url = f"/v1/activities/{activity['id']}"
    same = {"name": activity["name"], "assignments": list(reversed(activity["assignments"]))}
    for body in ({}, same):
        response = await tenant.patch(url, json=body)
        assert response.status_code == 200
        assert response.json() == activity
    assert (await tenant.get(team.url)).json()["version"] == project_version
    assert await events(tenant, "activity.updated", "raci.changed") == []


async def test_every_raci_change_moves_the_projects_version(tenant: Tenant, team: Team) -> None:
    async def version() -> int:
        return int((await tenant.get(team.url)).json()["version"])

    start = await version()
    activity = await add_activity(tenant, team)
    assert await version() == start + 1
    url = f"/v1/activities/{activity['id']}"
    assert (await tenant.patch(url, json={"name": "Other"})).status_code == 200
    assert await version() == start + 2
    assert (await tenant.delete(url)).status_code == 204
    assert await version() == start + 3


async def test_delete_removes_the_activity_and_its_letters(tenant: Tenant, team: Team) -> None:
    kept = await add_activity(tenant, team, "Keep")
    gone = await add_activity(tenant, team, "Drop")
    url = f"/v1/activities/{gone['id']}"
    assert (await tenant.delete(url, headers={"If-Match": '"1"'})).status_code == 204
    assert_problem(await tenant.get(url), 404, "not-found")
    assert list(await stored_letters(tenant)) == [kept["id"]]
    [event] = await events(tenant, "activity.deleted")
    assert event["data"]["activity_id"] == gone["id"]
    assert event["data"]["name"] == "Drop"


async def test_creation_is_an_event_with_the_letters(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    [event] = await events(tenant, "activity.created")
    assert event["data"] == {
        "activity_id": activity["id"],
        "version": 1,
        "project_id": team.project["id"],
        "name": activity["name"],
        "phase": "planning",
        "position": 0,
        "assignments": activity["assignments"],
    }


async def test_etag_gives_304_and_a_stale_if_match_gives_412(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    url = f"/v1/activities/{activity['id']}"
    not_modified = await tenant.get(url, headers={"If-None-Match": '"1"'})
    assert not_modified.status_code == 304
    assert not_modified.headers["etag"] == '"1"'
    assert (await tenant.patch(url, json={"name": "B"}, headers={"If-Match": '"1"'})).is_success
    assert (await tenant.get(url, headers={"If-None-Match": '"1"'})).status_code == 200
    stale = await tenant.patch(url, json={"name": "C"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412, "precondition-failed")
    assert_problem(await tenant.delete(url, headers={"If-Match": '"1"'}), 412)
    assert (await tenant.get(url)).json()["name"] == "B"


async def test_another_organizations_activities_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await make_team(other_tenant)
    activity = await add_activity(other_tenant, theirs)
    url = f"/v1/activities/{activity['id']}"
    assert_problem(await tenant.get(url), 404, "not-found")
    assert_problem(await tenant.patch(url, json={"name": "Mine"}), 404)
    assert_problem(await tenant.delete(url), 404)
    assert_problem(await tenant.get(f"{theirs.url}/activities"), 404)
    mine = await tenant.member()
    body = {
        "name": "Mine",
        "phase": "planning",
        "assignments": letters(**{mine["id"]: "A", theirs.grace["id"]: "R"}),
    }
    assert_problem(await tenant.post(f"{theirs.url}/activities", json=body), 404)
    assert (await other_tenant.get(url)).json() == activity
    assert len(await stored_activities(other_tenant)) == 1


async def test_list_shows_the_projects_activities_filtered_by_phase(
    tenant: Tenant, team: Team
) -> None:
    scope = await add_activity(tenant, team, "Scope")
    build = await add_activity(tenant, team, "Build", phase="executing")
    other = await make_team(tenant)
    await add_activity(tenant, other, "Elsewhere")
    listed = (await tenant.get(f"{team.url}/activities")).json()
    assert (listed["items"], listed["next_cursor"]) == ([scope, build], None)
    assert listed["next_sync_token"] is not None
    executing = (await tenant.get(f"{team.url}/activities", params={"phase": "executing"})).json()
    assert executing["items"] == [build]
    first = await tenant.get(f"{team.url}/activities", params={"limit": 1})
    assert first.json()["items"] == [scope]
    assert 'rel="next"' in first.headers["link"]


async def test_an_archived_projects_activities_cannot_change(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    assert (await tenant.delete(team.url)).status_code == 204
    url = f"/v1/activities/{activity['id']}"
    assert_problem(await tenant.patch(url, json={"name": "X"}), 409, "project-archived")
    assert_problem(await tenant.delete(url), 409, "project-archived")
    body = {"name": "New", "phase": "planning", "assignments": activity["assignments"]}
    assert_problem(await tenant.post(f"{team.url}/activities", json=body), 409, "project-archived")
    assert (await tenant.get(url)).json() == activity


async def test_a_member_with_a_letter_cannot_be_deleted(tenant: Tenant, team: Team) -> None:
    await add_activity(tenant, team)
    assert_problem(await tenant.delete(f"/v1/members/{team.grace['id']}"), 409, "member-in-use")
