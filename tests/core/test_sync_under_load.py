"""PostgreSQL, a real `handover serve`: eight writers change projects, milestones, risks and status
reports, some holding their transaction open for over a second after writing, while two pollers
tail `/v1/events` and `/v1/projects` by sync token. Every committed change is seen: zero missed.

A writer that holds its transaction commits after shorter ones that began later: a poller that
moves past what it read by time or by id skips what becomes visible behind it (the reason for
sync tokens; docs/api.md, "How to stay in sync"). `HANDOVER_SYNC_RUNS` repeats the whole run.
"""

import asyncio
import os
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from app.api_keys.service import issue_key
from app.core.auth import Caller, Scope, hash_key
from app.db import Database
from app.milestones import service as milestones_service
from app.milestones.schemas import MilestoneCreate
from app.models import ApiKey, Event, Project, StatusReport
from app.organizations.service import create_organization
from app.projects import service as projects_service
from app.projects.schemas import ProjectCreate, ProjectUpdate
from app.risks import service as risks_service
from app.risks.schemas import RiskCreate, RiskUpdate
from app.status_reports import service as reports_service
from app.status_reports.schemas import StatusReportCreate
from tests.conftest import settings_for
from tests.serving import serving
from tests.test_serve import _run, environment

__all__ = ["environment"]  # the fixture: a fresh database for the server

WRITERS = 8
ROUNDS = 5
HELD_SECONDS = 1.2
RUNS = int(os.environ.get("HANDOVER_SYNC_RUNS", "1"))


@dataclass
class Poller:
    """A PM tool that keeps only its last token: what it has seen, by id, latest version."""

    url: str
    params: dict[str, str] = field(default_factory=dict)
    seen: dict[str, Any] = field(default_factory=dict)
    token: str | None = None

    async def poll(self, client: httpx.AsyncClient) -> None:
        """One listing (the first time) or one pass, every page of it."""
        cursor = None
        while True:
            params = {**self.params, "limit": "20"}
            if self.token is not None:
                params["sync_token"] = self.token
            if cursor is not None:
                params["cursor"] = cursor
            response = await client.get(self.url, params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            for item in body["items"]:
                self.seen[item["id"]] = item.get("version")
            if body["next_cursor"] is None:
                self.token = body["next_sync_token"]
                return
            cursor = body["next_cursor"]


class Writers:
    """What eight workers or replicas write, each in its own transactions."""

    def __init__(self, database: Database, caller: Caller, projects: list[UUID]) -> None:
        self.database, self.caller, self.projects = database, caller, projects

    async def write(self, number: int) -> None:
        held = number % 2 == 0
        for round_ in range(ROUNDS):
            async with self.database.transaction() as session:
                # Versions are optimistic: writers of one project take turns, as retries would.
                project = await session.get(
                    Project, self.projects[(number + round_) % 3], with_for_update=True
                )
                assert project is not None
                await self._change(session, number % 4, project, f"{number}.{round_}")
                if held:  # written, not committed: later transactions commit first
                    await asyncio.sleep(HELD_SECONDS)
            await asyncio.sleep(0.05)

    async def _change(self, session: Any, kind: int, project: Project, label: str) -> None:
        if kind == 0:
            created = await projects_service.create_project(
                session,
                self.caller,
                ProjectCreate(name=f"Rollout {label}", customer_id=project.customer_id),
            )
            await projects_service.update_project(
                session, self.caller, project, ProjectUpdate(description=f"Changed by {label}")
            )
            assert created.id is not None
        elif kind == 1:
            due = date.today() + timedelta(days=30)
            await milestones_service.create_milestone(
                session, self.caller, project, MilestoneCreate(name=f"Gate {label}", due_date=due)
            )
        elif kind == 2:
            risk = await risks_service.create_risk(
                session,
                self.caller,
                project,
                RiskCreate(
                    title=f"Risk {label}",
                    category="resource",
                    probability=2,
                    impact=2,
                    response="accept",
                ),
            )
            await risks_service.update_risk(session, self.caller, risk, RiskUpdate(impact=4))
        else:
            report = await reports_service.create_report(
                session, project, StatusReportCreate(kind="periodic", summary=label)
            )
            await reports_service.publish_report(session, report)


async def _committed(database: Database, organization_id: UUID) -> tuple[set[str], dict[str, int]]:
    async with database.transaction(write=False) as session:
        events = await session.exec(
            select(Event.id).where(Event.organization_id == organization_id)
        )
        projects = await session.exec(
            select(Project.id, Project.version).where(Project.organization_id == organization_id)
        )
        reports = await session.exec(
            select(StatusReport.id).where(col(StatusReport.organization_id) == organization_id)
        )
        assert len(reports.all()) > 0
        return {str(event_id) for event_id in events}, {str(i): v for i, v in projects}


async def _one_run(base: str, url: str) -> None:
    """A fresh organization and its key, then the writers and the pollers."""
    database = Database(settings_for(url))
    try:
        async with database.transaction() as session:
            organization = await create_organization(session, f"pollers-{uuid.uuid4().hex}")
            _, key = await issue_key(session, organization.id, "pm tool", [Scope.admin])
        await _watch_writers(base, key, database)
    finally:
        await database.dispose()


async def _watch_writers(base: str, key: str, database: Database) -> None:
    auth = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=60) as client:
        customer = (await client.post("/v1/customers", json={"name": "Globex"})).json()
        projects = [
            (
                await client.post(
                    "/v1/projects", json={"name": name, "customer_id": customer["id"]}
                )
            ).json()["id"]
            for name in ("North", "South", "East")
        ]
        async with database.transaction(write=False) as session:
            found = await session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
            api_key = found.one()
        organization_id = api_key.organization_id
        caller = Caller(organization_id, api_key.id, frozenset({"projects:write"}))
        writers = Writers(database, caller, [UUID(p) for p in projects])
        events, changes = Poller("/v1/events"), Poller("/v1/projects")
        done = asyncio.Event()

        async def tail(poller: Poller) -> None:
            while not done.is_set():
                await poller.poll(client)
                await asyncio.sleep(0.02)
            await poller.poll(client)  # the pass after the last commit

        tails = [asyncio.create_task(tail(events)), asyncio.create_task(tail(changes))]
        await asyncio.gather(*(writers.write(number) for number in range(WRITERS)))
        done.set()
        await asyncio.gather(*tails)

    committed_events, committed_projects = await _committed(database, organization_id)
    missed_events = committed_events - set(events.seen)
    assert not missed_events, f"{len(missed_events)} of {len(committed_events)} events missed"
    stale = {
        project_id: (changes.seen.get(project_id), version)
        for project_id, version in committed_projects.items()
        if changes.seen.get(project_id) != version
    }
    assert not stale, f"projects not seen at their last version: {stale}"
    # Shown with `pytest -s`: how much each run checked.
    print(f"{len(committed_events)} events, {len(committed_projects)} projects: none missed")


@pytest.mark.slow
def test_pollers_by_sync_token_miss_nothing_under_concurrent_writers(
    environment: dict[str, str], tmp_path: Path
) -> None:
    url = environment["HANDOVER_DATABASE_URL"]
    if make_url(url).get_backend_name() == "sqlite":
        pytest.skip("PostgreSQL: SQLite serialises its writers")
    _run(["migrate"], environment, tmp_path)
    environment = {**environment, "HANDOVER_BOOTSTRAP": "false", "HANDOVER_LOG_LEVEL": "WARNING"}
    with serving(environment, tmp_path) as (base, _log):
        for _ in range(RUNS):
            asyncio.run(_one_run(base, url))
