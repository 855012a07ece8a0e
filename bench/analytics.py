"""Portfolio analytics at 10,000 and 100,000 projects, next to one hand-written SQL query.

    python -m bench.analytics [--database-url postgresql://postgres@127.0.0.1:5432/test]
                              [--projects 100000] [--rounds 5] [--quick]

On a database of its own (created on the server, dropped at the end) it seeds one organization
with a tenth of the projects (10 milestones each, plus risks, surveys, feedback, allocations and
costs), starts `handover serve` (one uvicorn process, production settings) and times
`GET /v1/analytics/portfolio` over a year, alternating with the same aggregate written by hand
as one SQL statement sent with asyncpg. Then it seeds the rest (100,000 projects, 1,000,000
milestones) and measures again. It checks that both give the same figures and prints the
medians, the growth for 10× the data (target ≤ 10×) and the ratio to the hand-written query
(target ≤ 1.5×). Everything runs on 127.0.0.1 and stops by itself.

`python -m bench` runs the same measure as its scenario 6 (`portfolio_scenario`), against the
server it has started for the HTTP scenarios.
"""

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from alembic import command
from sqlalchemy.engine import make_url

from app.api_keys.service import issue_key
from app.core.auth import Scope
from app.db import Database
from app.operations.service import alembic_config
from app.organizations.service import create_organization
from app.settings import Settings
from bench.support import drop_database, free_port, fresh_database, server_argument

SECRET = "bench-secret-key-0123456789-0123456789-abcdef"
MEMBERS = 100
MILESTONES_PER_PROJECT = 10

SEED = Path(__file__).with_name("analytics_seed.sql").read_text()
HAND_WRITTEN = Path(__file__).with_name("analytics_query.sql").read_text()


async def _organization(url: str) -> tuple[UUID, str]:
    database = Database(Settings(database_url=url, secret_key=SECRET, log_level="WARNING"))
    try:
        async with database.transaction() as session:
            organization = await create_organization(session, "bench-portfolio")
            _, key = await issue_key(session, organization.id, "bench", [Scope.admin])
        return organization.id, key
    finally:
        await database.dispose()


async def _seed(dsn: str, organization_id: UUID, first: int, count: int) -> float:
    """Projects `first` … `first + count - 1` and everything of theirs, in set-based SQL."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        statements = [part for part in SEED.split(";\n") if part.strip()]
        async with connection.transaction():
            for statement in statements:
                await connection.execute(
                    statement.replace(":org", f"'{organization_id}'")
                    .replace(":first", str(first))
                    .replace(":last", str(first + count - 1))
                    .replace(":members", str(MEMBERS))
                    .replace(":milestones", str(MILESTONES_PER_PROJECT))
                )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return time.perf_counter() - started


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HANDOVER_DATABASE_URL": url,
        "HANDOVER_SECRET_KEY": SECRET,
        "HANDOVER_LOG_LEVEL": "WARNING",
        "HANDOVER_DISPATCHER_ENABLED": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
    )


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 120  # a loaded 2-core machine can take a while to import
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("handover serve did not come up within 120 s")


async def _measure(
    base: str, key: str, dsn: str, organization_id: UUID, window: tuple[date, date], rounds: int
) -> tuple[list[float], list[float], dict[str, Any], dict[str, Any]]:
    params = {"from": window[0].isoformat(), "to": window[1].isoformat()}
    api_times: list[float] = []
    sql_times: list[float] = []
    api_body: dict[str, Any] = {}
    sql_rows: dict[str, Any] = {}
    connection = await asyncpg.connect(dsn)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=600
    ) as client:
        try:
            await client.get("/v1/analytics/portfolio", params=params)  # warm both paths
            await connection.fetch(HAND_WRITTEN, organization_id, *window)
            for _ in range(rounds):  # alternate, so that drift hits both
                started = time.perf_counter()
                response = await client.get("/v1/analytics/portfolio", params=params)
                api_times.append(time.perf_counter() - started)
                response.raise_for_status()
                api_body = response.json()
                started = time.perf_counter()
                rows = await connection.fetch(HAND_WRITTEN, organization_id, *window)
                sql_times.append(time.perf_counter() - started)
                sql_rows = _organization_row(rows)
        finally:
            await connection.close()
    return api_times, sql_times, api_body, sql_rows


def _organization_row(rows: list[asyncpg.Record]) -> dict[str, Any]:
    for row in rows:
        if row["grouping"] == "organization" and row["family"] == "facts":
            return dict(row)
    return {}


def _check(api: dict[str, Any], sql: dict[str, Any]) -> None:
    """The endpoint and the hand-written query must agree, or the comparison means nothing."""
    everyone = api["organization"]
    expected = {
        "projects": sql["projects"],
        "milestones_counted": sql["counted"],
        "open_risk_exposure": sql["exposure"],
        "nps_responses": sql["nps_n"],
    }
    got = {name: everyone[name] for name in expected}
    if got != expected:
        raise SystemExit(f"the endpoint and the hand-written query disagree: {got} != {expected}")


def portfolio_scenario(
    base: str,
    key: str,
    dsn: str,
    organization_id: UUID,
    *,
    first: int,
    largest: int,
    rounds: int,
) -> dict[str, Any]:
    """Scenario 6 of `python -m bench`, against its running server: `first` projects are
    seeded already; measure, seed up to `largest`, measure again."""
    today = date.today()
    window = (today - timedelta(days=364), today)
    sizes = []
    seeded = first
    for size in (first, largest):
        if size > seeded:
            took = asyncio.run(_seed(dsn, organization_id, seeded, size - seeded))
            print(f"  seeded {size:,} projects ({took:.0f} s)", flush=True)
            seeded = size
        api, sql, body, row = asyncio.run(_measure(base, key, dsn, organization_id, window, rounds))
        _check(body, row)
        sizes.append(
            {
                "projects": size,
                "endpoint_ms": round(statistics.median(api) * 1000, 1),
                "hand_written_sql_ms": round(statistics.median(sql) * 1000, 1),
                "ratio_to_sql": round(statistics.median(api) / statistics.median(sql), 3),
            }
        )
    growth = sizes[1]["endpoint_ms"] / sizes[0]["endpoint_ms"]
    worst = max(s["ratio_to_sql"] for s in sizes)
    return {
        "scenario": "6. GET /v1/analytics/portfolio (one year) at 10× the data",
        "sizes": sizes,
        "growth": round(growth, 2),
        "ratio_to_sql": worst,
        "target": "growth ≤ 10×, ≤ 1.5× the hand-written SQL",
        "holds": growth <= 10 and worst <= 1.5,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    server_argument(parser)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1,000 projects, 2 rounds: a smoke")
    args = parser.parse_args()
    total = 1_000 if args.quick else args.projects
    rounds = 2 if args.quick else args.rounds
    small = total // 10
    server_url = args.database_url
    url = fresh_database(server_url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server: subprocess.Popen[bytes] | None = None
    try:
        command.upgrade(alembic_config(url), "head")
        organization_id, key = asyncio.run(_organization(url))
        today = date.today()
        window = (today - timedelta(days=364), today)
        server = _serve(url, port)
        _wait_until_up(base)
        results = []
        seeded = 0
        for size in (small, total):
            took = asyncio.run(_seed(dsn, organization_id, seeded, size - seeded))
            seeded = size
            print(
                f"seeded {size:,} projects, {size * MILESTONES_PER_PROJECT:,} milestones "
                f"({took:.0f} s)",
                flush=True,
            )
            api, sql, body, row = asyncio.run(
                _measure(base, key, dsn, organization_id, window, rounds)
            )
            _check(body, row)
            results.append((size, statistics.median(api), statistics.median(sql)))
        print(f"\nGET /v1/analytics/portfolio over one year, median of {rounds}, PostgreSQL")
        print(f"  {'projects':>9} {'endpoint':>10} {'hand SQL':>10} {'ratio':>6}")
        for size, api_time, sql_time in results:
            print(
                f"  {size:>9,} {api_time * 1000:>8.0f}ms {sql_time * 1000:>8.0f}ms "
                f"{api_time / sql_time:>6.2f}   (target ≤ 1.5)"
            )
        growth = results[1][1] / results[0][1]
        print(f"  growth for 10× the data: {growth:.2f}×   (target ≤ 10)")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(server_url, url)


if __name__ == "__main__":
    main()
