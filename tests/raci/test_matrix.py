"""The RACI matrix: ready to render, filtered per person, exported as CSV, replaced at once."""

import csv
import io
from typing import Any
from uuid import UUID

import pytest

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
from tests.statements import count_statements


@pytest.fixture
async def team(tenant: Tenant) -> Team:
    return await make_team(tenant)


def _row(activity: dict[str, Any], letter: str | None = None) -> dict[str, Any]:
    return {
        "activity_id": activity["id"],
        "name": activity["name"],
        "phase": activity["phase"],
        "position": activity["position"],
        "cells": {item["member_id"]: item["role"] for item in activity["assignments"]},
        "letter": letter,
    }


def _column(member: dict[str, Any]) -> dict[str, Any]:
    return {"member_id": member["id"], "name": member["name"], "role": member["role"]}


async def test_matrix_rows_follow_the_phases_then_position_and_columns_are_by_name(
    tenant: Tenant, team: Team
) -> None:
    ada, grace, linus = team.ada["id"], team.grace["id"], team.linus["id"]
    build = await add_activity(
        tenant,
        team,
        "Build",
        phase="executing",
        assignments=letters(**{linus: "A", grace: "R"}),
    )
    plan_second = await add_activity(tenant, team, "Plan", position=5)
    plan_first = await add_activity(tenant, team, "Scope", position=1)
    kickoff = await add_activity(
        tenant,
        team,
        "Kick-off",
        phase="initiating",
        assignments=letters(**{ada: "A", linus: "R", grace: "I"}),
    )
    response = await tenant.get(f"{team.url}/raci")
    assert response.status_code == 200, response.text
    project = (await tenant.get(team.url)).json()
    assert response.headers["etag"] == f'"{project["version"]}"'
    assert response.json() == {
        "project_id": team.project["id"],
        "version": project["version"],
        "member_id": None,
        "columns": [_column(team.ada), _column(team.grace), _column(team.linus)],
        "rows": [_row(kickoff), _row(plan_first), _row(plan_second), _row(build)],
    }


async def test_an_empty_matrix_has_no_rows_and_no_columns(tenant: Tenant, team: Team) -> None:
    matrix = (await tenant.get(f"{team.url}/raci")).json()
    assert (matrix["rows"], matrix["columns"]) == ([], [])


async def test_member_filter_answers_what_this_person_is_responsible_for(
    tenant: Tenant, team: Team
) -> None:
    ada, grace, linus = team.ada["id"], team.grace["id"], team.linus["id"]
    scope = await add_activity(tenant, team, "Scope")
    await add_activity(
        tenant, team, "Build", phase="executing", assignments=letters(**{linus: "A", ada: "R"})
    )
    test = await add_activity(
        tenant, team, "Test", phase="monitoring", assignments=letters(**{linus: "A", grace: "R"})
    )
    response = await tenant.get(f"{team.url}/raci", params={"member_id": grace})
    assert response.status_code == 200
    matrix = response.json()
    assert matrix["member_id"] == grace
    assert matrix["rows"] == [_row(scope, "R"), _row(test, "R")]
    assert matrix["columns"] == [_column(team.ada), _column(team.grace), _column(team.linus)]
    nothing = (await tenant.get(f"{team.url}/raci", params={"member_id": linus})).json()
    assert [row["letter"] for row in nothing["rows"]] == ["A", "A"]


async def test_member_filter_with_someone_outside_the_organization_is_422(
    tenant: Tenant, other_tenant: Tenant, team: Team
) -> None:
    stranger = await other_tenant.member()
    response = await tenant.get(f"{team.url}/raci", params={"member_id": stranger["id"]})
    problem = assert_problem(response, 422, "invalid-input")
    assert problem["errors"][0]["loc"] == ["query", "member_id"]


async def test_put_replaces_every_letter_at_once(tenant: Tenant, team: Team) -> None:
    ada, grace, linus = team.ada["id"], team.grace["id"], team.linus["id"]
    kept = await add_activity(tenant, team, "Scope")
    changed = await add_activity(tenant, team, "Build", phase="executing")
    body = {
        "activities": [
            {"activity_id": changed["id"], "assignments": letters(**{linus: "A", grace: "R"})},
            {"activity_id": kept["id"], "assignments": kept["assignments"]},
        ]
    }
    response = await tenant.request("PUT", f"{team.url}/raci", json=body)
    assert response.status_code == 200, response.text
    project = (await tenant.get(team.url)).json()
    assert response.headers["etag"] == f'"{project["version"]}"'
    assert response.json() == (await tenant.get(f"{team.url}/raci")).json()
    assert await stored_letters(tenant) == {
        kept["id"]: {ada: "A", grace: "R"},
        changed["id"]: {linus: "A", grace: "R"},
    }
    versions = {str(a.id): a.version for a in await stored_activities(tenant)}
    assert versions == {kept["id"]: 1, changed["id"]: 2}
    [raci_changed] = await events(tenant, "raci.changed")
    assert raci_changed["data"]["activity_ids"] == [changed["id"]]
    assert raci_changed["data"]["version"] == project["version"]


async def test_put_of_the_same_letters_changes_nothing(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    before = (await tenant.get(f"{team.url}/raci")).json()
    body = {"activities": [{"activity_id": activity["id"], "assignments": activity["assignments"]}]}
    response = await tenant.request("PUT", f"{team.url}/raci", json=body)
    assert response.status_code == 200
    assert response.json() == before
    assert await events(tenant, "raci.changed") == []


async def test_put_breaking_any_rule_is_422_listing_every_activity_and_writes_nothing(
    tenant: Tenant, other_tenant: Tenant, team: Team
) -> None:
    ada, grace, linus = team.ada["id"], team.grace["id"], team.linus["id"]
    first, second, third, fourth, fifth = [
        await add_activity(tenant, team, name) for name in ("A", "B", "C", "D", "E")
    ]
    stranger = (await other_tenant.member())["id"]
    foreign_activity = await add_activity(other_tenant, await make_team(other_tenant))
    body = {
        "activities": [
            {"activity_id": first["id"], "assignments": letters(**{ada: "A", grace: "A"})},
            {"activity_id": second["id"], "assignments": letters(**{ada: "R", grace: "R"})},
            {"activity_id": third["id"], "assignments": letters(**{ada: "A", grace: "C"})},
            {
                "activity_id": fourth["id"],
                "assignments": [
                    {"member_id": ada, "role": "A"},
                    {"member_id": linus, "role": "R"},
                    {"member_id": linus, "role": "I"},
                ],
            },
            {"activity_id": fifth["id"], "assignments": letters(**{ada: "A", stranger: "R"})},
            {"activity_id": foreign_activity["id"], "assignments": fifth["assignments"]},
            {"activity_id": str(UUID(int=3)), "assignments": fifth["assignments"]},
        ]
    }
    before = await stored_letters(tenant)
    version = (await tenant.get(team.url)).json()["version"]
    response = await tenant.request("PUT", f"{team.url}/raci", json=body)
    problem = assert_problem(response, 422, "invalid-input")
    found = sorted((tuple(error["loc"]), error["type"]) for error in problem["errors"])
    activities: tuple[Any, ...] = ("body", "activities")
    assert found == sorted(
        [
            ((*activities, 0, "assignments"), "multiple_accountable"),
            ((*activities, 0, "assignments"), "no_responsible"),
            ((*activities, 1, "assignments"), "no_accountable"),
            ((*activities, 2, "assignments"), "no_responsible"),
            ((*activities, 3, "assignments", 2, "member_id"), "duplicate_member"),
            ((*activities, 4, "assignments", 1, "member_id"), "unknown_reference"),
            ((*activities, 5, "activity_id"), "unknown_reference"),
            ((*activities, 6, "activity_id"), "unknown_reference"),
        ]
    )
    assert await stored_letters(tenant) == before
    assert (await tenant.get(team.url)).json()["version"] == version
    assert await events(tenant, "raci.changed") == []


async def test_put_must_name_every_activity_once(tenant: Tenant, team: Team) -> None:
    listed = await add_activity(tenant, team, "Listed")
    forgotten = await add_activity(tenant, team, "Forgotten")
    entry = {"activity_id": listed["id"], "assignments": listed["assignments"]}
    missing = await tenant.request("PUT", f"{team.url}/raci", json={"activities": [entry]})
    problem = assert_problem(missing, 422, "invalid-input")
    [error] = problem["errors"]
    assert (error["loc"], error["type"]) == (["body", "activities"], "missing_activity")
    assert forgotten["id"] in error["message"]
    twice = {"activities": [entry, entry, {**entry, "activity_id": forgotten["id"]}]}
    problem = assert_problem(await tenant.request("PUT", f"{team.url}/raci", json=twice), 422)
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "activities", 1, "activity_id"], "duplicate")
    ]


async def test_put_honours_if_match_with_the_projects_version(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    url = f"{team.url}/raci"
    etag = (await tenant.get(url)).headers["etag"]
    new = letters(**{team.linus["id"]: "A", team.ada["id"]: "R"})
    body = {"activities": [{"activity_id": activity["id"], "assignments": new}]}
    response = await tenant.request("PUT", url, json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    assert response.headers["etag"] != etag
    again = {
        "activities": [{"activity_id": activity["id"], "assignments": activity["assignments"]}]
    }
    stale = await tenant.request("PUT", url, json=again, headers={"If-Match": etag})
    assert_problem(stale, 412, "precondition-failed")
    assert (await stored_letters(tenant))[activity["id"]] == {
        team.linus["id"]: "A",
        team.ada["id"]: "R",
    }


async def test_matrix_etag_gives_304_until_the_matrix_changes(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    url = f"{team.url}/raci"
    etag = (await tenant.get(url)).headers["etag"]
    not_modified = await tenant.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.headers["etag"] == etag
    patched = await tenant.patch(f"/v1/activities/{activity['id']}", json={"name": "Renamed"})
    assert patched.status_code == 200
    changed = await tenant.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["rows"][0]["name"] == "Renamed"


async def test_matrix_exports_as_csv(tenant: Tenant, team: Team) -> None:
    ada, grace, linus = team.ada["id"], team.grace["id"], team.linus["id"]
    await add_activity(tenant, team, "Scope")
    await add_activity(
        tenant,
        team,
        "Build, test",
        phase="executing",
        assignments=letters(**{linus: "A", grace: "R", ada: "C"}),
    )
    response = await tenant.get(f"{team.url}/raci", headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["etag"] == (await tenant.get(f"{team.url}/raci")).headers["etag"]
    assert "accept" in response.headers["vary"].lower()
    assert response.text == (
        "activity,phase,Ada Lovelace,Grace Hopper,Linus Torvalds\r\n"
        "Scope,planning,A,R,\r\n"
        '"Build, test",executing,C,R,A\r\n'
    )
    filtered = await tenant.get(
        f"{team.url}/raci", params={"member_id": linus}, headers={"Accept": "text/csv"}
    )
    assert list(csv.reader(io.StringIO(filtered.text))) == [
        ["activity", "phase", "Ada Lovelace", "Grace Hopper", "Linus Torvalds"],
        ["Build, test", "executing", "C", "R", "A"],
    ]


async def test_csv_export_cannot_smuggle_formulas_into_a_spreadsheet(
    tenant: Tenant, team: Team
) -> None:
    project = team.project
    evil = await tenant.member(name='=HYPERLINK("http://evil.example")')
    plus, minus = await tenant.member(name="+1+2"), await tenant.member(name="-3")
    for name in ("@SUM(A1:A9)", "=1+1", "Plain"):
        await add_activity(
            tenant,
            team,
            name,
            assignments=letters(**{evil["id"]: "A", plus["id"]: "R", minus["id"]: "I"}),
        )
    response = await tenant.get(
        f"/v1/projects/{project['id']}/raci", headers={"Accept": "text/csv"}
    )
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == ["activity", "phase", "'+1+2", "'-3", '\'=HYPERLINK("http://evil.example")']
    assert [line[0] for line in lines[1:]] == ["'@SUM(A1:A9)", "'=1+1", "Plain"]


@pytest.mark.parametrize(
    "accept", [None, "application/json", "*/*", "application/json, text/csv;q=0.5"]
)
async def test_json_stays_the_default_representation(
    tenant: Tenant, team: Team, accept: str | None
) -> None:
    await add_activity(tenant, team)
    headers = {"Accept": accept} if accept else {}
    response = await tenant.get(f"{team.url}/raci", headers=headers)
    assert response.headers["content-type"] == "application/json"
    assert len(response.json()["rows"]) == 1


async def test_the_matrix_is_read_in_a_fixed_number_of_queries(tenant: Tenant, team: Team) -> None:
    url = f"{team.url}/raci"
    await add_activity(tenant, team)
    await tenant.get(url)  # the key's `last_used_at` is written on first use only
    with count_statements(tenant.database) as small:
        assert (await tenant.get(url)).status_code == 200
    for index in range(6):
        member = await tenant.member(name=f"Extra {index}")
        await add_activity(
            tenant,
            team,
            f"Row {index}",
            assignments=letters(**{member["id"]: "A", team.linus["id"]: "R", team.ada["id"]: "C"}),
        )
    with count_statements(tenant.database) as large:
        response = await tenant.get(url)
    assert len(response.json()["rows"]) == 7
    assert len(large) == len(small)


async def test_another_organizations_matrix_is_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await make_team(other_tenant)
    activity = await add_activity(other_tenant, theirs)
    assert_problem(await tenant.get(f"{theirs.url}/raci"), 404, "not-found")
    body = {"activities": [{"activity_id": activity["id"], "assignments": activity["assignments"]}]}
    assert_problem(await tenant.request("PUT", f"{theirs.url}/raci", json=body), 404)


async def test_an_archived_projects_matrix_is_read_only(tenant: Tenant, team: Team) -> None:
    activity = await add_activity(tenant, team)
    assert (await tenant.delete(team.url)).status_code == 204
    assert (await tenant.get(f"{team.url}/raci")).status_code == 200
    body = {"activities": [{"activity_id": activity["id"], "assignments": activity["assignments"]}]}
    response = await tenant.request("PUT", f"{team.url}/raci", json=body)
    assert_problem(response, 409, "project-archived")
