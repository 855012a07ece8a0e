"""The whole benchmark, every ratio next to its target, in one command.

    python -m bench [--database-url postgresql://postgres@127.0.0.1:5432/test]
                    [--quick | --full] [--seconds 10] [--rounds 2] [--soak 30]

On a database of its own (created on the PostgreSQL server, dropped at the end) it seeds, in
set-based SQL, 10,000 projects with milestones, RACI, risks, allocations, feedback, surveys and
costs for 100 members; starts `handover serve` (one process, production settings) and the floor
(`bench/floor.py`: Starlette + asyncpg, one primary-key SELECT as JSON) side by side, and loads
both with wrk, alternating, so that drift on a shared machine hits both. Then the webhook fan-out
(`bench/webhooks.py`) and portfolio analytics at 10× the data (`bench/analytics.py`). Results go
to bench/results/latest.json and latest.md. It installs nothing: without wrk (or hey) it says
what to install. Everything runs on 127.0.0.1, bounded in time, and stops by itself.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from sqlalchemy.engine import make_url

from app.operations.service import alembic_config
from bench import analytics, load, memory, servers, tenant, webhooks
from bench.load import Outcome, Request
from bench.report import machine, print_summary, write_results
from bench.support import drop_database, free_port, fresh_database

PROJECTS = 10_000
RESULTS = Path(__file__).with_name("results")


def _scenario(
    name: str, target: float, floor: list[Outcome], app: list[Outcome], unit: str = "req/s"
) -> dict[str, Any]:
    """Ratios per round (each round ran both side by side), their median against the target."""
    ratios = [
        a.requests_per_second / f.requests_per_second for a, f in zip(app, floor, strict=True)
    ]
    ratio = statistics.median(ratios)
    return {
        "scenario": name,
        "unit": unit,
        "app": _median_outcome(app),
        "floor": _median_outcome(floor),
        "ratios": [round(r, 3) for r in ratios],
        "ratio": round(ratio, 3),
        "target": f"≥ {target:.2f}",
        "holds": ratio >= target,
    }


def _median_outcome(outcomes: list[Outcome]) -> dict[str, Any]:
    return {
        "requests_per_second": round(statistics.median(o.requests_per_second for o in outcomes), 1),
        "p50_ms": round(statistics.median(o.p50_ms for o in outcomes), 2),
        "p99_ms": round(statistics.median(o.p99_ms for o in outcomes), 2),
        "errors": sum(o.errors for o in outcomes),
        "statuses": [o.statuses for o in outcomes],
    }


def _http_scenarios(
    args: argparse.Namespace, url: str, dsn: str, organization_id: uuid.UUID, key: str
) -> tuple[list[dict[str, Any]], dict[str, Any], str, subprocess.Popen[bytes]]:
    """Scenarios 1–4 and 7 against a running `handover serve`, each beside the floor. Returns the
    API's base URL and process too: analytics runs against the same server afterwards."""
    app_port, floor_port = free_port(), free_port()
    base, floor_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{floor_port}"
    app_process = servers.start_handover(url, app_port, args.serve_option)
    floor_process = servers.start_floor(dsn, floor_port)
    try:
        servers.wait_until_up(f"{base}/livez", app_process)
        servers.wait_until_up(f"{floor_base}/projects/{uuid.UUID(int=0)}", floor_process)
        auth = {"Authorization": f"Bearer {key}"}
        projects = asyncio.run(tenant.projects(dsn, organization_id))
        today = datetime.now(UTC).date()
        floor_reads = [Request(f"/projects/{pid}") for pid, _ in projects]
        status = [Request(f"/v1/projects/{pid}/status", headers=auth) for pid, _ in projects]
        cached = [
            Request(
                f"/v1/projects/{pid}/status",
                headers={**auth, "If-None-Match": f'"{version}.{today:%Y%m%d}"'},
            )
            for pid, version in projects
        ]
        since = (datetime.now(UTC) - timedelta(minutes=300)).isoformat().replace("+00:00", "Z")
        changes = [Request(f"/v1/projects?updated_since={since}&limit=50", headers=auth)]
        _, crm_key = asyncio.run(tenant.tenant(url, f"bench-crm-{uuid.uuid4().hex[:6]}"))
        crm_path, crm_secret = tenant.crm_connection(base, crm_key)
        for check, expected in ((status[0], 200), (cached[0], 304), (changes[0], 200)):
            answer = httpx.get(base + check.path, headers=check.headers)
            if answer.status_code != expected:
                raise SystemExit(f"{check.path}: {answer.status_code} {answer.text[:500]}")
        seconds = args.seconds
        push_count = args.pushes
        plan: list[tuple[str, float, list[Request], int, bool]] = [
            ("1. GET /v1/projects/{id}/status, random ids", 0.40, status, 200, True),
            ("2. the same with a matching If-None-Match (304)", 0.70, cached, 304, True),
            ("3. GET /v1/projects?updated_since=…&limit=50", 0.30, changes, 200, True),
            ("4. signed generic CRM pushes of distinct won deals", 0.20, [], 200, False),
        ]
        plan = [step for step in plan if step[0].split(".")[0] in args.scenarios.split(",")]
        runs: dict[str, tuple[list[Outcome], list[Outcome]]] = {n: ([], []) for n, *_ in plan}
        during_status: list[float] = []
        for round_number in range(args.rounds):
            for name, _, requests, expected, random in plan:
                if not requests:  # pushes: fresh, distinct, signed just now
                    requests = tenant.pushes(crm_path, crm_secret, push_count)
                floor_runs, app_runs = runs[name]
                for side in ("floor", "app") if round_number % 2 == 0 else ("app", "floor"):
                    if side == "floor":
                        floor_runs.append(load.run(floor_base, floor_reads, seconds=seconds))
                        continue
                    with memory.MemoryWatch(app_process.pid) as watch:
                        app_runs.append(
                            load.run(
                                base,
                                requests,
                                seconds=seconds,
                                random=random,
                                expected=expected,
                                # a quick run is too short for 32 requests in flight to finish
                                connections=4 if args.quick else 32,
                            )
                        )
                    if name.startswith("1."):
                        during_status.extend(watch.samples)
                print(
                    f"  round {round_number + 1}: {name}: app {app_runs[-1].requests_per_second:.0f}"
                    f" req/s, floor {floor_runs[-1].requests_per_second:.0f} req/s",
                    flush=True,
                )
        results = [_scenario(name, target, *runs[name]) for name, target, *_ in plan]
        # 7. memory under scenario 1: the peak, and a soak of its own
        memory_result = memory.soak(base, status, app_process.pid, args.soak, during_status)
        servers.stop(floor_process)
        return results, memory_result, base, app_process
    except BaseException:
        servers.stop(app_process)
        servers.stop(floor_process)
        raise


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "HANDOVER_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="A PostgreSQL server: the run creates a database of its own there and drops it.",
    )
    parser.add_argument("--quick", action="store_true", help="A smoke: tiny data, seconds.")
    parser.add_argument("--full", action="store_true", help="The 5-minute memory soak.")
    parser.add_argument("--seconds", type=float, help="Each load run (default 10).")
    parser.add_argument("--rounds", type=int, help="Floor/app alternations (default 2).")
    parser.add_argument("--soak", type=float, help="Memory soak in seconds (30; --full: 300).")
    parser.add_argument("--projects", type=int, help="The larger analytics size (100,000).")
    parser.add_argument("--events", type=int, help="Fan-out events (2,000 × 5 endpoints).")
    parser.add_argument("--endpoints", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=2, help="Deliveries in flight.")
    parser.add_argument("--pushes", type=int, help="Signed CRM pushes prepared per run (4,000).")
    parser.add_argument(
        "--only", default="http,fan-out,analytics", help="Parts to run: http,fan-out,analytics."
    )
    parser.add_argument("--scenarios", default="1,2,3,4", help="HTTP scenarios to run: 1,2,3,4.")
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
        "seconds": 3 if quick else 10,
        "rounds": 1 if quick else 2,
        "soak": 2 if quick else 300 if args.full else 30,
        "projects": 2_000 if quick else 100_000,
        "events": 20 if quick else 2_000,
        "pushes": 300 if quick else 4_000,
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
            http, soaked, base, app_process = _http_scenarios(args, url, dsn, organization_id, key)
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
                url,
                events=args.events,
                endpoints=args.endpoints,
                rounds=args.rounds,
                concurrency=args.concurrency,
            )
        print_summary(report)
        if args.output:
            write_results(report, args.output)
    finally:
        servers.stop(app_process)
        drop_database(server_url, url)


if __name__ == "__main__":
    sys.exit(main())
