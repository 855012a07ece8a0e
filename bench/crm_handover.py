"""HubSpot deals handed over: pushes answered at once, every deal completed and planned by workers.

    python -m bench.crm_handover [--deals 1000] [--per-request 100] [--workers 2] [--quick]
                                 [--database-url postgresql://postgres@127.0.0.1:5432/test]

The issue's target: 10 HubSpot requests of 100 won deals each, sent at once, are all answered
2xx in under 1 s each, and all 1,000 deals are planned and complete within 60 s with two
workers, with at most 2 HubSpot API calls per 10 deals.

On a database of its own it makes an organization with a project manager and 20 sellers; the
HubSpot fake of the tests (tests/crm/fakes/hubspot.py, a uvicorn server on a thread of this
process) holds the deals, each with a company, 2 contacts, 2 line items and one of the sellers
as owner, in a single-currency portal (no `deal_currency_code`). `handover serve` answers
(production settings, no background loops); the HubSpot connection is made over its API. The
pushes (HubSpot's signed `deal.propertyChange` events, dealstage `closedwon`, ids only) are sent
at once; then `handover worker --no-clock` processes start and the run waits until every deal
has a project that is not `crm_incomplete`. The planning time runs from the first push to the
last deal planned, so it includes the workers' start. The connection's first sync (due as soon
as it has a token) is one search call, counted apart by its path. Results go to
bench/results/crm_handover.json and .md. Everything runs on 127.0.0.1, bounded in time, and stops
by itself.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from alembic import command
from sqlalchemy.engine import make_url

from app.operations.service import alembic_config
from bench import report, servers
from bench.support import (
    RESULTS,
    drop_database,
    free_port,
    fresh_database,
    keep_results,
    server_argument,
)
from bench.tenant import tenant
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.fakes.server import running
from tests.crm.samples import hubspot_events, signed_hubspot

TOKEN = "pat-na1-bench0000-1111-2222-3333-444444444444"
APP_SECRET = "bench-hubspot-app-secret"
SELLERS = 20
ANSWER_TARGET_MS = 1000.0
PLANNING_TARGET_SECONDS = 60.0
CALLS_TARGET_PER_10 = 2.0
SEARCH_PATH = "/crm/v3/objects/deals/search"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    server_argument(parser)
    parser.add_argument("--deals", type=int, help="Won deals pushed (default 1000).")
    parser.add_argument(
        "--per-request", type=int, help="Events per HubSpot request (default 100, its maximum)."
    )
    parser.add_argument("--workers", type=int, default=2, help="`handover worker` processes.")
    parser.add_argument(
        "--timeout", type=float, default=180, help="Seconds to wait for every deal planned."
    )
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="HANDOVER_NAME=VALUE",
        help="A setting for `serve` and the workers (repeat), to compare settings.",
    )
    parser.add_argument("--quick", action="store_true", help="A smoke: 2 requests of 10 deals.")
    parser.add_argument(
        "--output",
        type=Path,
        help="Results folder (default bench/results; --quick writes none unless given).",
    )
    args = parser.parse_args()
    args.deals = args.deals or (20 if args.quick else 1000)
    args.per_request = args.per_request or (10 if args.quick else 100)
    if not 1 <= args.per_request <= 100:
        parser.error("--per-request is 1 to 100 (HubSpot sends at most 100 events a request)")
    if any(not setting.startswith("HANDOVER_") or "=" not in setting for setting in args.setting):
        parser.error("--setting is HANDOVER_NAME=VALUE")
    args.output = args.output or (None if args.quick else RESULTS)
    return args


def seed(fake: HubSpotFake, deals: int) -> list[int]:
    """`deals` won deals, each with its own company, 2 contacts and 2 line items, owned by one
    of the sellers; last modified an hour ago, so that the first sync finds none of them."""
    before = datetime.now(UTC) - timedelta(hours=1)
    for n in range(SELLERS):
        fake.add_owner(100 + n, f"seller-{n:02d}@bench.example", "Seller", f"{n:02d}")
    ids = []
    for n in range(deals):
        deal_id = 30_000_000 + n
        fake.add_company(40_000_000 + n, f"Customer {n}", f"customer-{n}.example")
        for k in range(2):
            who = 50_000_000 + 2 * n + k
            fake.add_contact(who, f"Contact{k}", f"Of {n}", f"c{k}@customer-{n}.example", "CTO")
        fake.add_line_item(60_000_000 + 2 * n, "Implementation", 1, "90000")
        fake.add_line_item(60_000_001 + 2 * n, "Training day", 3, "1500", sku="TRN-1")
        fake.add_deal(
            deal_id,
            f"Rollout {n}",
            "94500",
            hubspot_owner_id=100 + n % SELLERS,
            description="300 seats, SSO, migration of the legacy CRM",
            companies=[40_000_000 + n],
            contacts=[50_000_000 + 2 * n, 50_000_001 + 2 * n],
            line_items=[60_000_000 + 2 * n, 60_000_001 + 2 * n],
            created_at=before,
            updated_at=before,
        )
        ids.append(deal_id)
    return ids


def local_environment(port: int) -> dict[str, str]:
    """The API and the workers may reach the fake on 127.0.0.1, and only there; HubSpot signs
    the public URL; no sync comes due again during the run."""
    return {
        "HANDOVER_WEBHOOK_ALLOW_HTTP": "true",
        "HANDOVER_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
        "HANDOVER_WEBHOOK_ALLOW_PUBLIC": "false",
        "HANDOVER_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "HANDOVER_CRM_SYNC_INTERVAL_SECONDS": "86400",
    }


def hubspot_connection(base: str, key: str, api_base_url: str) -> tuple[str, str]:
    """The project manager, the sellers (as the fake's owners' emails) and the connection; its
    id and intake path."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:

        def member(name: str, email: str, role: str) -> str:
            made = api.post("/v1/members", json={"name": name, "email": email, "role": role})
            made.raise_for_status()
            return str(made.json()["id"])

        manager = member("Ada Bench", "ada@bench.example", "project_manager")
        for n in range(SELLERS):
            member(f"Seller {n:02d}", f"seller-{n:02d}@bench.example", "sales")
        created = api.post(
            "/v1/crm-connections",
            json={
                "provider": "hubspot",
                "name": "bench HubSpot",
                "default_project_manager_id": manager,
                "app_secret": APP_SECRET,
                "api_token": TOKEN,
                "api_base_url": api_base_url,
            },
        )
        created.raise_for_status()
        connection_id = str(created.json()["id"])
    return connection_id, f"/v1/integrations/hubspot/{connection_id}/webhooks"


async def push_all(base: str, path: str, deal_ids: list[int], per_request: int) -> dict[str, Any]:
    """HubSpot's requests (`per_request` events each, signed now) sent at once; each answer's
    status and latency, and the wall-clock time of the first push."""
    bodies = [
        json.dumps(
            [hubspot_events(deal_id)[0] for deal_id in deal_ids[start : start + per_request]]
        ).encode()
        for start in range(0, len(deal_ids), per_request)
    ]
    signed = [(body, signed_hubspot(APP_SECRET, base + path, body)) for body in bodies]
    limits = httpx.Limits(max_connections=len(signed))
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def post(body: bytes, headers: dict[str, str]) -> tuple[int, float]:
            started = time.perf_counter()
            answer = await client.post(path, content=body, headers=headers)
            return answer.status_code, (time.perf_counter() - started) * 1000

        first_push = time.time()
        answers = await asyncio.gather(*(post(body, headers) for body, headers in signed))
    latencies = [ms for _, ms in answers]
    twos = sum(1 for status, _ in answers if 200 <= status < 300)
    return {
        "requests": len(answers),
        "statuses": dict(Counter(str(status) for status, _ in answers)),
        "count_2xx": twos,
        "latencies_ms": [round(ms, 1) for ms in latencies],
        "max_ms": round(max(latencies), 1),
        "median_ms": round(statistics.median(latencies), 1),
        "target": "every answer 2xx in < 1 s",
        "holds": twos == len(answers) and max(latencies) < ANSWER_TARGET_MS,
        "first_push": first_push,
    }


PLANNED = """
SELECT count(*) AS projects,
       count(*) FILTER (WHERE NOT p.crm_incomplete) AS complete,
       count(*) FILTER (WHERE NOT p.crm_incomplete AND p.sales_owner_id IS NOT NULL) AS owned
FROM deals d JOIN projects p ON p.id = d.project_id
WHERE d.connection_id = $1
"""
WRITTEN = """
SELECT xact_commit, tup_inserted, tup_updated, tup_deleted
FROM pg_stat_database WHERE datname = current_database()
"""
KEPT = """
SELECT outcome, attempts, lease_until, extract(epoch FROM planned_at) AS planned_at, detail
FROM crm_inbound_requests WHERE connection_id = $1 AND kind = 'push' ORDER BY received_at
"""


async def wait_planned(
    dsn: str,
    connection_id: str,
    deals: int,
    first_push: float,
    workers: list[subprocess.Popen[bytes]],
    within: float,
) -> dict[str, Any]:
    """Poll until every deal has a complete project and every kept request is finished (or one
    failed, a worker died, or `within` seconds passed); the figures of the planning."""
    connection = await asyncpg.connect(dsn)
    first_claim = None
    polls = 0
    try:
        [written_before] = await connection.fetch(WRITTEN)
        deadline = time.monotonic() + within
        while True:
            [counts] = await connection.fetch(PLANNED, connection_id)
            kept = await connection.fetch(KEPT, connection_id)
            seen, polls = time.time(), polls + 1
            if first_claim is None and any(
                row["lease_until"] is not None or row["outcome"] != "received" for row in kept
            ):
                first_claim = seen - first_push
            # Each deal is planned in a transaction of its own; its request is marked after.
            if counts["complete"] >= deals and all(row["outcome"] != "received" for row in kept):
                break
            if any(row["outcome"] == "failed" for row in kept):
                break
            if any(worker.poll() is not None for worker in workers):
                raise SystemExit("a `handover worker` exited during the run")
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # a backend reports its statistics at most once a second
        [written] = await connection.fetch(WRITTEN)
    finally:
        await connection.close()
    planned = [row["planned_at"] for row in kept if row["planned_at"] is not None]
    done = counts["complete"] >= deals
    # the last request's planned_at is stamped once its last deal is planned: exact, not polled
    seconds = (float(max(planned)) if done and planned else seen) - first_push
    return {
        "deals": deals,
        "projects": counts["projects"],
        "complete": counts["complete"],
        "with_sales_owner": counts["owned"],
        "seconds": round(seconds, 2),
        "deals_per_second": round(counts["complete"] / seconds, 1),
        "first_claim_after_s": None if first_claim is None else round(first_claim, 1),
        # the whole database's (the idle worker's polls and the sync included), less this poll's
        "database_per_deal": {
            name: round((written[name] - written_before[name] - mine) / deals, 1)
            for name, mine in [
                ("xact_commit", 2 * polls),
                ("tup_inserted", 0),
                ("tup_updated", 0),
                ("tup_deleted", 0),
            ]
        },
        "kept_requests": [
            {
                "outcome": row["outcome"],
                "attempts": row["attempts"],
                "planned_after_s": None
                if row["planned_at"] is None
                else round(float(row["planned_at"]) - first_push, 2),
                "detail": row["detail"],
            }
            for row in kept
        ],
        "target": f"all planned and complete in ≤ {PLANNING_TARGET_SECONDS:.0f} s",
        "holds": done and seconds <= PLANNING_TARGET_SECONDS,
    }


def hubspot_calls(fake: HubSpotFake, deals: int) -> dict[str, Any]:
    """The fake's calls: all of them against the target, the sync's search shown apart."""
    calls = fake.calls
    total = len(calls)
    per_10 = total / (deals / 10)
    return {
        "total": total,
        "per_10_deals": round(per_10, 2),
        "of_the_sync": sum(1 for call in calls if call.path == SEARCH_PATH),
        "by_path": dict(Counter(f"{call.method} {call.path}" for call in calls).most_common()),
        "statuses": dict(Counter(str(call.status) for call in calls)),
        "target": f"≤ {CALLS_TARGET_PER_10:.0f} per 10 deals",
        "holds": per_10 <= CALLS_TARGET_PER_10,
    }


def machine(dsn: str) -> dict[str, Any]:
    """bench/report.py's machine line, and how loaded the machine was when the run began."""
    return {
        **report.machine(dsn),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }


def _yes(holds: bool) -> str:
    return "yes" if holds else "**no**"


def markdown(report: dict[str, Any]) -> str:
    m, s = report["machine"], report["settings"]
    a, p, c = report["answers"], report["planning"], report["hubspot_calls"]
    load = ", ".join(f"{value:.2f}" for value in m["load_average_at_start"])
    lines = [
        f"{m['cores']} cores ({m['cpu']}), PostgreSQL {m['postgresql']}, Python {m['python']}, "
        f"load average at start {load}; {s['requests']} HubSpot requests of {s['per_request']} "
        f"won deals, one `handover serve`, {s['workers']} `handover worker --no-clock`"
        f"{''.join(f', {setting}' for setting in s['settings'])}"
        f"{' (quick)' if s['quick'] else ''}; {m['at']}",
        "",
        "| measure | result | target | holds |",
        "| --- | ---: | ---: | :---: |",
        f"| answers to the {a['requests']} pushes, sent at once | {a['count_2xx']}/{a['requests']}"
        f" 2xx, max {a['max_ms']:,.0f} ms, median {a['median_ms']:,.0f} ms | {a['target']} | "
        f"{_yes(a['holds'])} |",
        f"| {p['deals']:,} deals planned and complete, first push → last planned | "
        f"{p['complete']:,} in {p['seconds']:.1f} s ({p['deals_per_second']:.1f} deals/s) | "
        f"{p['target']} | {_yes(p['holds'])} |",
        f"| HubSpot API calls (the first sync's search included) | {c['total']} "
        f"({c['per_10_deals']:.2f} per 10 deals; sync {c['of_the_sync']}) | {c['target']} | "
        f"{_yes(c['holds'])} |",
        "",
        f"The workers started {p['workers_started_after_s']} s after the first push and first "
        f"claimed a request after {p['first_claim_after_s']} s (both inside the planning time). "
        f"PostgreSQL per deal: {p['database_per_deal']['xact_commit']} transactions, "
        f"{p['database_per_deal']['tup_inserted']} rows inserted, "
        f"{p['database_per_deal']['tup_updated']} updated. CPU used: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report["cpu_seconds"].items())
        + ".",
        "",
        "| HubSpot call | count |",
        "| --- | ---: |",
        *(f"| `{path}` | {count} |" for path, count in c["by_path"].items()),
    ]
    return "\n".join(lines) + "\n"


def print_summary(report: dict[str, Any]) -> None:
    a, p, c = report["answers"], report["planning"], report["hubspot_calls"]
    ok = {True: "ok", False: "MISSED"}
    print()
    print(
        f"answers    {a['count_2xx']}/{a['requests']} 2xx {a['statuses']}, max {a['max_ms']:.0f} ms,"
        f" median {a['median_ms']:.0f} ms   target {a['target']}  {ok[a['holds']]}"
    )
    print(
        f"planning   {p['complete']:,}/{p['deals']:,} complete ({p['with_sales_owner']:,} with their"
        f" seller) in {p['seconds']:.1f} s, {p['deals_per_second']:.1f} deals/s   "
        f"target {p['target']}  {ok[p['holds']]}"
    )
    for n, kept in enumerate(p["kept_requests"], 1):
        print(
            f"   request {n:>2}: {kept['outcome']}, attempt(s) {kept['attempts']}, planned after "
            f"{kept['planned_after_s']} s" + (f" ({kept['detail']})" if kept["detail"] else "")
        )
    per_deal = ", ".join(f"{name} {value}" for name, value in p["database_per_deal"].items())
    print(
        f"   workers started {p['workers_started_after_s']} s after the first push, first claim "
        f"after {p['first_claim_after_s']} s; PostgreSQL per deal: {per_deal}"
    )
    cpu = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report["cpu_seconds"].items())
    print(f"   CPU used: {cpu}")
    print(
        f"HubSpot    {c['total']} calls, {c['per_10_deals']:.2f} per 10 deals (the sync's "
        f"{c['of_the_sync']} included)   target {c['target']}  {ok[c['holds']]}"
    )
    for path, count in c["by_path"].items():
        print(f"   {count:>4}  {path}")
    missed = [
        name for name in ("answers", "planning", "hubspot_calls") if not report[name]["holds"]
    ]
    print(f"\ntargets missed: {', '.join(missed)}" if missed else "\nevery target holds")


def _exit_on_sigterm(signal_number: int, frame: object) -> None:
    raise SystemExit(128 + signal_number)  # through the `finally` that stops what was started


def main() -> None:
    args = _arguments()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    server_url = args.database_url
    url = fresh_database(server_url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        command.upgrade(alembic_config(url), "head")
        report: dict[str, Any] = {
            "machine": machine(dsn),
            "settings": {
                "quick": args.quick,
                "deals": args.deals,
                "per_request": args.per_request,
                "requests": -(-args.deals // args.per_request),
                "workers": args.workers,
                "owners": SELLERS,
                "settings": args.setting,
            },
        }
        _, key = asyncio.run(tenant(url, "bench-crm-handover"))
        with running(HubSpotFake(TOKEN)) as fake:
            deal_ids = seed(fake, args.deals)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            environment = local_environment(port) | dict(
                setting.split("=", 1) for setting in args.setting
            )
            processes["serve"] = servers.start_handover(url, port, environment=environment)
            servers.wait_until_up(f"{base}/livez", processes["serve"])
            connection_id, path = hubspot_connection(base, key, fake.base_url)
            print(f"seeded {args.deals:,} HubSpot deals; pushing {args.deals:,} …", flush=True)
            report["answers"] = asyncio.run(push_all(base, path, deal_ids, args.per_request))
            first_push = report["answers"].pop("first_push")
            for n in range(args.workers):
                processes[f"worker {n + 1}"] = servers.start_worker(url, environment)
            workers = [processes[f"worker {n + 1}"] for n in range(args.workers)]
            workers_started = time.time() - first_push
            report["planning"] = asyncio.run(
                wait_planned(dsn, connection_id, args.deals, first_push, workers, args.timeout)
            )
            report["planning"]["workers_started_after_s"] = round(workers_started, 2)
            report["cpu_seconds"] = {
                name: round(servers.cpu_seconds(process.pid), 1)
                for name, process in processes.items()
            }
            report["hubspot_calls"] = hubspot_calls(fake, args.deals)
        print_summary(report)
        if args.output:
            keep_results("crm_handover", report, markdown(report), args.output)
    finally:
        for process in processes.values():
            servers.stop(process)
        drop_database(server_url, url)


if __name__ == "__main__":
    main()
