"""Write-back of a burst: 1,000 projects changing at once reach HubSpot within its rate limit.

    python -m bench.crm_writeback [--projects 1000] [--dispatchers 2] [--quick]
                                  [--database-url postgresql://postgres@127.0.0.1:5432/test]

The issue's target: every project's deal is current again, and HubSpot never sees more than its
published 190 requests per 10 s of a private app, because the delivery fields of up to 100
deals go in one `batch/update`. On a database of its own it makes an organization, a HubSpot
connection that writes back (fields and notes), and one project per HubSpot deal through the
deal path the CRM worker uses (`deals.service.take_deal`); the HubSpot fake of the tests
(tests/crm/fakes/hubspot.py, on a thread of this process) enforces 190 requests per 10 s and
answers 429 with `Retry-After` beyond. The first write-back of every deal (the project's
planned state, and HubSpot's properties created on first use) is sent before the measure.
Then every project moves from initiating to planning at once, each in its own transaction
(8 at a time), while `--dispatchers` write-back dispatchers (app/crm/writeback/send.py, sharing
the work through leases, production settings but for `--window`) run, until nothing is pending. It prints the requests HubSpot received, the busiest
10-second window, and the time from the last change to every deal current. Results go to
bench/results/crm_writeback.json and .md. Everything runs on 127.0.0.1 and stops by itself.
"""

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from typing import Any
from uuid import UUID

from alembic import command
from sqlalchemy import func
from sqlmodel import col, select

from app.core.auth import Caller
from app.crm import service as crm_service
from app.crm.schemas import CrmConnectionCreate
from app.crm.writeback import send
from app.db import Database
from app.deals.schemas import CanonicalDeal
from app.deals.service import Origin, take_deal
from app.members.schemas import MemberCreate
from app.members.service import create_member
from app.models import CrmSource, CrmWriteback, Project, WritebackStatus
from app.operations.service import alembic_config
from app.organizations.service import create_organization
from app.project_templates.schemas import ProjectTemplateCreate
from app.project_templates.service import create_template
from app.projects import lifecycle
from app.projects.schemas import TransitionCreate
from app.settings import Settings
from bench.support import RESULTS, drop_database, fresh_database, keep_results, server_argument
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.fakes.server import running

TOKEN = "pat-na1-bench0000-1111-2222-3333-444444444444"
LIMIT, WINDOW = 190, 10.0  # HubSpot's private apps (Professional/Enterprise): 190 per 10 s
IN_FLIGHT = 8  # projects planned or moved at once


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    server_argument(parser)
    parser.add_argument("--projects", type=int, help="Projects changing at once (default 1000).")
    parser.add_argument("--dispatchers", type=int, default=2, help="Write-back dispatchers.")
    parser.add_argument(
        "--window", type=float, help="HANDOVER_CRM_WRITEBACK_WINDOW_SECONDS (default 10; quick 1)."
    )
    parser.add_argument("--quick", action="store_true", help="A smoke: 30 projects.")
    parser.add_argument(
        "--output",
        type=Path,
        help="Results folder (default bench/results; --quick writes none unless given).",
    )
    args = parser.parse_args()
    args.projects = args.projects or (30 if args.quick else 1000)
    args.window = args.window if args.window is not None else (1.0 if args.quick else 10.0)
    args.output = args.output or (None if args.quick else RESULTS)
    return args


def _settings(url: str, window: float) -> Settings:
    return Settings(
        database_url=url,
        environment="development",
        webhook_allow_http=True,
        webhook_allowed_cidrs="127.0.0.0/8",
        webhook_allow_public=False,
        crm_writeback_window_seconds=window,
        public_base_url="https://handover.example.com",
    )


async def _setup(database: Database, hubspot: HubSpotFake, projects: int) -> tuple[str, list[UUID]]:
    """An organization, its HubSpot connection writing back, a project per deal."""
    async with database.transaction() as session:
        organization = await create_organization(session, "bench-writeback")
        caller = Caller(organization.id, None, frozenset())
        manager = await create_member(
            session,
            caller,
            MemberCreate.model_validate(
                {"name": "Pat Manager", "email": "pm@bench.example", "role": "project_manager"}
            ),
        )
        connection, _ = await crm_service.create_connection(
            session,
            caller,
            CrmConnectionCreate.model_validate(
                {
                    "provider": "hubspot",
                    "name": "HubSpot",
                    "default_project_manager_id": str(manager.id),
                    "app_secret": "bench-hubspot-app-secret",
                    "api_token": TOKEN,
                    "api_base_url": hubspot.base_url,
                    "writeback_enabled": True,
                }
            ),
            database.settings,
        )
        # The burst measured is delivery's: its projects start without waiting for a handoff.
        template = await create_template(
            session,
            caller,
            ProjectTemplateCreate.model_validate(
                {"name": "Bench rollout", "handoff": {"gate": False}}
            ),
        )
        connection_id, manager_id, template_id = connection.id, manager.id, template.id
    origin = Origin(
        CrmSource.hubspot, connection_id, template_id=template_id, project_manager_id=manager_id
    )
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(n: int) -> UUID:
        deal_id = str(30_000_000 + n)
        hubspot.add_deal(deal_id, f"Rollout {n}", "94500")
        deal = CanonicalDeal.model_validate(
            {"external_id": deal_id, "name": f"Rollout {n}", "customer": {"name": f"Customer {n}"}}
        )
        async with gate, database.transaction() as session:
            taken = await take_deal(session, caller, deal, origin)
        assert taken.deal.project_id is not None
        return taken.deal.project_id

    return str(connection_id), list(await asyncio.gather(*(one(n) for n in range(projects))))


async def _pending(database: Database) -> int:
    async with database.transaction(write=False) as session:
        found = await session.exec(
            select(func.count()).where(col(CrmWriteback.status) == WritebackStatus.pending)
        )
        return int(found.one())


async def _dispatch_until_done(
    database: Database, dispatchers: int, limit: float, meanwhile: Coroutine[Any, Any, None]
) -> tuple[float, float]:
    """`dispatchers` write-back loops sharing the work while `meanwhile` runs, then until
    nothing is pending: the seconds `meanwhile` took, and the seconds from its end to done."""
    stop = asyncio.Event()
    loops = [asyncio.create_task(send.run(database, stop)) for _ in range(dispatchers)]
    try:
        started = time.monotonic()
        await meanwhile
        changed = time.monotonic()
        while await _pending(database):
            if time.monotonic() - changed > limit:
                raise TimeoutError(f"write-backs still pending after {limit:.0f} s")
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.gather(*loops)
    return changed - started, time.monotonic() - changed


async def _nothing() -> None:
    return None


async def _move_all(database: Database, organization_id: UUID, project_ids: list[UUID]) -> None:
    caller = Caller(organization_id, None, frozenset())
    gate = asyncio.Semaphore(IN_FLIGHT)
    move = TransitionCreate.model_validate({"to_phase": "planning"})

    async def one(project_id: UUID) -> None:
        async with gate, database.transaction() as session:
            project = await session.get(Project, project_id)
            assert project is not None
            await lifecycle.move_project(session, caller, project, move)

    await asyncio.gather(*(one(project_id) for project_id in project_ids))


def _busiest(times: list[float]) -> int:
    """The most requests in any 10-second window."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= WINDOW:
            start += 1
        best = max(best, end - start + 1)
    return best


async def _run(url: str, projects: int, dispatchers: int, window: float) -> dict[str, Any]:
    database = Database(_settings(url, window))
    try:
        with running(HubSpotFake(TOKEN)) as hubspot:
            hubspot.limit_per_window = (LIMIT, WINDOW)
            started = time.monotonic()
            connection_id, project_ids = await _setup(database, hubspot, projects)
            planned = time.monotonic() - started
            await _dispatch_until_done(database, dispatchers, 300, _nothing())
            first_calls = len(hubspot.calls)
            hubspot.reset_calls()
            async with database.transaction(write=False) as session:
                organization_id = (await session.get(Project, project_ids[0])).organization_id  # type: ignore[union-attr]
            moving = _move_all(database, organization_id, project_ids)
            changed, current = await _dispatch_until_done(database, dispatchers, 600, moving)
            calls = hubspot.calls
            phases = Counter(
                hubspot.deal_property(str(30_000_000 + n), "handover_phase")
                for n in range(projects)
            )
    finally:
        await database.dispose()
    times = sorted(call.at for call in calls)
    by_path = Counter(f"{call.method} {call.path}" for call in calls)
    return {
        "projects": projects,
        "dispatchers": dispatchers,
        "window_seconds": window,
        "connection_id": connection_id,
        "setup": {"planned_seconds": round(planned, 1), "first_write_back_requests": first_calls},
        "change_seconds": round(changed, 2),
        "requests": len(calls),
        "by_path": dict(by_path),
        "statuses": dict(Counter(str(call.status) for call in calls)),
        "busiest_10s": _busiest(times),
        "limit_10s": LIMIT,
        "seconds_to_all_current": round(current, 2),
        "deals_current": phases.get("planning", 0),
    }


def _markdown(report: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"{report['projects']:,} projects moved to planning at once; "
            f"{report['dispatchers']} write-back dispatchers running meanwhile (window "
            f"{report['window_seconds']:g} s, production's poll); HubSpot fake enforcing "
            f"{report['limit_10s']} requests per 10 s.",
            "",
            "| measure | value | target |",
            "|---|---|---|",
            f"| HubSpot API requests | {report['requests']:,} | batched (100 deals a call) |",
            f"| busiest 10 s | {report['busiest_10s']} | ≤ {report['limit_10s']} |",
            f"| last change → every deal current | {report['seconds_to_all_current']} s | |",
            f"| deals current | {report['deals_current']:,} / {report['projects']:,} | all |",
            "| answers | "
            + ", ".join(f"{count:,} × {status}" for status, count in report["statuses"].items())
            + " | no 429 |",
            "",
        ]
    )


def main() -> None:
    args = _arguments()
    url = fresh_database(args.database_url)
    try:
        command.upgrade(alembic_config(url), "head")
        report = asyncio.run(_run(url, args.projects, args.dispatchers, args.window))
    finally:
        drop_database(args.database_url, url)
    within = report["busiest_10s"] <= LIMIT and report["deals_current"] == report["projects"]
    print(f"requests: {report['requests']} ({report['by_path']})")
    print(f"busiest 10 s window: {report['busiest_10s']}/{LIMIT} (target ≤ {LIMIT})")
    print(f"time to all current: {report['seconds_to_all_current']} s")
    print(
        f"deals current: {report['deals_current']}/{report['projects']}; within the limit: {within}"
    )
    if args.output:
        keep_results("crm_writeback", report, _markdown(report), args.output)
    if not within:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
