"""The clock's upcoming-meetings sweep over many cadences: what one round costs.

    python -m bench.clock [--database-url postgresql://postgres@127.0.0.1:5432/test]
                          [--projects 100] [--cadences 20] [--rounds 5] [--quick]

On a database of its own (created on the PostgreSQL server, dropped at the end) it seeds
`--projects` projects with `--cadences` daily cadences each (every one at a different minute of
the day, so a few fall in any sweep's window) and times `meeting.upcoming` sweeps, each its own
transaction, one minute apart as a worker's rounds would be: the first round, then the median
of the others. Results go to bench/results/clock.json and clock.md (pasted into
bench/README.md). Everything runs on 127.0.0.1 and
stops by itself.
"""

import argparse
import asyncio
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from sqlalchemy.engine import make_url

from app.clock.sweep import moment_at, upcoming_meetings
from app.db import Database
from app.models.base import utcnow
from app.operations.service import alembic_config
from app.settings import Settings
from bench import analytics, servers, tenant
from bench.support import RESULTS, drop_database, fresh_database, keep_results, server_argument

CADENCES = """
INSERT INTO meeting_cadences (id, version, created_at, updated_at, organization_id, project_id,
                              kind, title, rule, starts_at, time_zone, duration_minutes)
SELECT gen_random_uuid(), 1, now(), now(), p.organization_id, p.id, 'sync', 'Daily sync',
       'FREQ=DAILY', now() - interval '30 days' + make_interval(mins => ((p.n * $1 + c) % 1440)::int),
       'Europe/Berlin', 30
FROM (SELECT id, organization_id, row_number() OVER (ORDER BY id) AS n FROM projects) p,
     generate_series(1, $1) c
"""


async def _cadences(dsn: str, per_project: int) -> tuple[int, str]:
    """The cadences, and PostgreSQL's version."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(CADENCES, per_project)
        await connection.execute("ANALYZE")
        count: int = await connection.fetchval("SELECT count(*) FROM meeting_cadences")
        return count, str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def _rounds(url: str, rounds: int) -> list[tuple[float, int]]:
    settings = Settings(database_url=url, secret_key=servers.SECRET, log_level="WARNING")
    database = Database(settings)
    took = []
    try:
        now = utcnow()
        for round_ in range(rounds):
            at = moment_at(settings, now + timedelta(minutes=round_))
            started = time.perf_counter()
            async with database.transaction() as session:
                _, raised = await upcoming_meetings(session, at)
            took.append((time.perf_counter() - started, raised))
    finally:
        await database.dispose()
    return took


def _markdown(report: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"{report['cadences']:,} daily cadences on {report['projects']:,} projects, "
            f"{report['cores']} cores, PostgreSQL {report['postgresql']}; {report['at']}",
            "",
            "| `meeting.upcoming` sweep | time | raised |",
            "| --- | ---: | ---: |",
            f"| first round | {report['first_ms']:,.0f} ms | {report['first_raised']} |",
            f"| later rounds, one minute apart (median of {report['later_rounds']}) "
            f"| {report['later_ms']:,.0f} ms | {report['later_raised']} |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    server_argument(parser)
    parser.add_argument("--projects", type=int, help="Projects (100; --quick: 5).")
    parser.add_argument("--cadences", type=int, default=20, help="Cadences a project (≤ 20).")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="A smoke: tiny data, seconds.")
    parser.add_argument(
        "--output", type=Path, help="Results folder (default bench/results; --quick: none)."
    )
    args = parser.parse_args()
    projects = args.projects or (5 if args.quick else 100)
    output = args.output or (None if args.quick else RESULTS)
    url = fresh_database(args.database_url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(url), "head")
        organization_id, _ = asyncio.run(tenant.tenant(url, "bench-clock"))
        asyncio.run(analytics._seed(dsn, organization_id, 0, projects))
        count, version = asyncio.run(_cadences(dsn, args.cadences))
        (first_s, first_raised), *later = asyncio.run(_rounds(url, args.rounds))
    finally:
        drop_database(args.database_url, url)
    report = {
        "cadences": count,
        "projects": projects,
        "cores": os.cpu_count(),
        "postgresql": version,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "first_ms": first_s * 1000,
        "first_raised": first_raised,
        "later_rounds": len(later),
        "later_ms": statistics.median(seconds for seconds, _ in later) * 1000 if later else 0,
        "later_raised": sum(raised for _, raised in later),
    }
    print(_markdown(report))
    if output:
        keep_results("clock", report, _markdown(report), output)


if __name__ == "__main__":
    main()
