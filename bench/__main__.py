"""The whole benchmark, every ratio next to its target, in one command.

    python -m bench [--database-url postgresql://postgres@127.0.0.1:5432/test]
                    [--quick | --full] [--seconds 10] [--rounds 2] [--soak 30]

On a database of its own (created on the PostgreSQL server, dropped at the end) it seeds, in
set-based SQL, 10,000 projects with milestones, RACI, risks, allocations, feedback, surveys and
costs for 100 members; starts `handover serve` (one process, production settings) and the floor
(`bench/floor.py`: Starlette + asyncpg, one primary-key SELECT as JSON) side by side, and loads
both with wrk, alternating, so that drift on a shared machine hits both (`bench/http_scenarios.py`,
its memory in `bench/memory.py`). Then the webhook fan-out (`bench/webhooks.py`) and portfolio
analytics at 10× the data (`bench/analytics.py`). Results go to bench/results/latest.json and
latest.md (`bench/report.py`). It installs nothing: without wrk (or hey) it says what to install.
Everything runs on 127.0.0.1, bounded in time, and stops by itself. This module only reads the
arguments and runs the parts in order.
"""

import argparse
import asyncio
import subprocess
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy.engine import make_url

from app.operations.service import alembic_config
from bench import analytics, http_scenarios, load, servers, tenant, webhooks
from bench.report import machine, markdown, print_summary
from bench.support import RESULTS, drop_database, fresh_database, keep_results, server_argument

PROJECTS = 10_000


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    server_argument(parser)
    parser.add_argument("--quick", action="store_true", help="A smoke: tiny data, seconds.")
    parser.add_argument("--full", action="store_true", help="The 5-minute memory soak.")
    parser.add_argument("--seconds", type=float, help="Each load run (default 10).")
    parser.add_argument("--rounds", type=int, help="Floor/app alternations (default 2).")
    parser.add_argument("--soak", type=float, help="Memory soak in seconds (30; --full: 300).")
    parser.add_argument("--projects", type=int, help="The larger analytics size (100,000).")
    parser.add_argument("--events", type=int, help="Fan-out events (2,000 × 5 endpoints).")
    parser.add_argument("--endpoints", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=2, help="Deliveries in flight.")
    parser.add_argument("--pushes", type=int, help="Signed CRM pushes prepared per run (10,000).")
    parser.add_argument(
        "--only", default="http,fan-out,analytics", help="Parts to run: http,fan-out,analytics."
    )
    parser.add_argument(
        "--scenarios", default="1,2,3,3b,4", help="HTTP scenarios to run: 1,2,3,3b,4."
    )
    parser.add_argument(
        "--serve-option",
        action="append",
        default=[],
        help="An option passed on to `handover serve` (repeat), to compare settings.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="Results folder (default bench/results; --quick writes none unless given).",
    )
    args = parser.parse_args()
    quick = args.quick
    defaults = {
        "seconds": 1 if quick else 10,
        "rounds": 1 if quick else 2,
        "soak": 2 if quick else 300 if args.full else 30,
        "projects": 2_000 if quick else 100_000,
        "events": 20 if quick else 2_000,
        "pushes": 2_000 if quick else 10_000,  # distinct: a push sent again is a duplicate (200)
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.first = 200 if quick else PROJECTS
    args.analytics_rounds = 1 if quick else 5
    args.output = args.output or (None if quick else RESULTS)
    return args


def main() -> None:
    args = _arguments()
    load.tool()  # no load tool: say what to install before seeding anything
    parts = set(args.only.split(","))
    server_url = args.database_url
    url = fresh_database(server_url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    app_process: subprocess.Popen[bytes] | None = None
    try:
        command.upgrade(alembic_config(url), "head")
        organization_id, key = asyncio.run(tenant.tenant(url, "bench-portfolio"))
        took = asyncio.run(analytics._seed(dsn, organization_id, 0, args.first))
        print(f"seeded {args.first:,} projects and everything of theirs ({took:.0f} s)", flush=True)
        report: dict[str, Any] = {
            "machine": machine(dsn),
            "settings": {
                "quick": args.quick,
                "seconds": args.seconds,
                "rounds": args.rounds,
                "projects": args.first,
                "connections": 32,
                "serve_options": args.serve_option,
            },
            "http": [],
        }
        if "http" in parts or "analytics" in parts:
            http, soaked, base, app_process = http_scenarios.run(
                args, url, dsn, organization_id, key
            )
            if "http" in parts:
                report["http"], report["memory"] = http, soaked
            if "analytics" in parts:
                report["analytics"] = analytics.portfolio_scenario(
                    base,
                    key,
                    dsn,
                    organization_id,
                    first=args.first,
                    largest=args.projects,
                    rounds=args.analytics_rounds,
                )
            servers.stop(app_process)
        if "fan-out" in parts:
            report["fan_out"] = webhooks.fan_out_scenario(
                server_url,
                events=args.events,
                endpoints=args.endpoints,
                rounds=args.rounds,
                concurrency=args.concurrency,
            )
        print_summary(report)
        if args.output:
            keep_results("latest", report, markdown(report), args.output)
    finally:
        servers.stop(app_process)
        drop_database(server_url, url)


if __name__ == "__main__":
    main()
