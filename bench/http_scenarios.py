"""HTTP scenarios 1–4 (and 3b, a sync-token poll that finds nothing new): `handover serve` and the floor (bench/floor.py) loaded with wrk, side by
side, round after round. The side that goes first alternates, so that drift on a shared machine
hits both, and a scenario's ratio is the median of its rounds' ratios. Scenario 7's soak
(bench/memory.py) follows on the same server, which stays up for the analytics scenario.

Not `bench/http.py`: whenever a script in bench/ is run by its path, that file would hide the
standard library's `http`, which httpx imports.
"""

import argparse
import asyncio
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench import load, memory, servers, tenant
from bench.load import Outcome, Request
from bench.support import free_port, settle

# name, target ratio to the floor, requests (none: CRM pushes, signed afresh each round),
# the status expected, random picks (else each request once, in order)
Step = tuple[str, float, list[Request], int, bool]


@dataclass
class Reads:
    """The reads of one run, over the tenant's projects: the floor's, and the API's three."""

    floor: list[Request]
    status: list[Request]
    not_modified: list[Request]
    changes: list[Request]
    quiet_sync: list[Request]


def _reads(projects: list[tuple[str, int]], key: str) -> Reads:
    auth = {"Authorization": f"Bearer {key}"}
    today = datetime.now(UTC).date()
    since = (datetime.now(UTC) - timedelta(minutes=300)).isoformat().replace("+00:00", "Z")
    return Reads(
        floor=[Request(f"/projects/{pid}") for pid, _ in projects],
        status=[Request(f"/v1/projects/{pid}/status", headers=auth) for pid, _ in projects],
        not_modified=[
            Request(
                f"/v1/projects/{pid}/status",
                # the status document's ETag: the project's version and the day
                headers={**auth, "If-None-Match": f'"{version}.{today:%Y%m%d}"'},
            )
            for pid, version in projects
        ],
        changes=[Request(f"/v1/projects?updated_since={since}&limit=50", headers=auth)],
        quiet_sync=[],  # its token comes from the running API (`_quiet_sync`)
    )


def _quiet_sync(base: str, reads: Reads) -> list[Request]:
    """A PM tool's poll by sync token when nothing changed since its last one: the token of
    an empty listing (nothing changed in the future), which stands for now."""
    headers = reads.changes[0].headers
    listing = httpx.get(
        f"{base}/v1/projects?updated_since=2999-01-01T00:00:00Z", headers=headers, timeout=60
    )
    token = listing.json()["next_sync_token"]
    return [Request(f"/v1/projects?sync_token={token}&limit=50", headers=headers)]


def _check(base: str, expectations: list[tuple[Request, int]]) -> None:
    """One request of each kind answers as the scenario expects, or the load would measure
    errors."""
    for request, expected in expectations:
        answer = httpx.get(base + request.path, headers=request.headers)
        if answer.status_code != expected:
            raise SystemExit(f"{request.path}: {answer.status_code} {answer.text[:500]}")


def _alternate(
    args: argparse.Namespace,
    plan: list[Step],
    *,
    base: str,
    floor_base: str,
    floor_reads: list[Request],
    app_pid: int,
    pushes: Callable[[], list[Request]],
) -> tuple[dict[str, tuple[list[Outcome], list[Outcome]]], list[float]]:
    """Every step of the plan, floor and app, `args.rounds` times: (floor, app) outcomes per
    step, and the API's memory sampled under scenario 1."""
    runs: dict[str, tuple[list[Outcome], list[Outcome]]] = {n: ([], []) for n, *_ in plan}
    during_status: list[float] = []
    for round_number in range(args.rounds):
        for name, _, requests, expected, random in plan:
            if not requests:  # pushes: fresh, distinct, signed just now
                requests = pushes()
            floor_runs, app_runs = runs[name]
            for side in ("floor", "app") if round_number % 2 == 0 else ("app", "floor"):
                if side == "floor":
                    floor_runs.append(load.run(floor_base, floor_reads, seconds=args.seconds))
                    continue
                with memory.MemoryWatch(app_pid) as watch:
                    app_runs.append(
                        load.run(
                            base,
                            requests,
                            seconds=args.seconds,
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
    return runs, during_status


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


def _first_polls(base: str, requests: list[Request], connections: int) -> dict[str, Any]:
    """Every project's status polled once, `connections` at a time: the first poll of a project
    on a day builds its document, the later ones read it (app/models/status_document.py).
    Measured apart, since scenarios 1 and 2 are the polls after it."""

    async def poll_all() -> int:
        gate = asyncio.Semaphore(connections)
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

            async def poll(request: Request) -> bool:
                async with gate:
                    try:
                        answer = await client.get(request.path, headers=request.headers)
                    except httpx.TransportError:  # counted as not answered, not the run's end
                        return False
                    return answer.status_code == 200

            return sum(await asyncio.gather(*(poll(request) for request in requests)))

    started = time.perf_counter()
    answered = asyncio.run(poll_all())
    seconds = time.perf_counter() - started
    return {
        "projects": len(requests),
        "answered": answered,
        "seconds": round(seconds, 1),
        "per_second": round(answered / seconds, 1),
    }


def run(
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
        reads = _reads(asyncio.run(tenant.projects(dsn, organization_id)), key)
        reads.quiet_sync = _quiet_sync(base, reads)
        _, crm_key = asyncio.run(tenant.tenant(url, f"bench-crm-{uuid.uuid4().hex[:6]}"))
        crm_path, crm_secret = tenant.crm_connection(base, crm_key)
        _check(
            base,
            [
                (reads.status[0], 200),
                (reads.not_modified[0], 304),
                (reads.changes[0], 200),
                (reads.quiet_sync[0], 200),
            ],
        )
        plan: list[Step] = [
            ("1. GET /v1/projects/{id}/status, random ids", 0.40, reads.status, 200, True),
            (
                "2. the same with a matching If-None-Match (304)",
                0.70,
                reads.not_modified,
                304,
                True,
            ),
            ("3. GET /v1/projects?updated_since=…&limit=50", 0.30, reads.changes, 200, True),
            (
                "3b. GET /v1/projects?sync_token=… when nothing changed",
                0.30,
                reads.quiet_sync,
                200,
                True,
            ),
            ("4. signed generic CRM pushes of distinct won deals", 0.20, [], 202, False),
        ]
        plan = [step for step in plan if step[0].split(".")[0] in args.scenarios.split(",")]
        first = _first_polls(base, reads.status, 4 if args.quick else 32)
        print(
            f"  first poll of each project today: {first['answered']:,} of "
            f"{first['projects']:,} documents built in "
            f"{first['seconds']} s ({first['per_second']:,.0f}/s)",
            flush=True,
        )
        print(f"  settled the database ({settle(dsn):.1f} s)", flush=True)
        runs, during_status = _alternate(
            args,
            plan,
            base=base,
            floor_base=floor_base,
            floor_reads=reads.floor,
            app_pid=app_process.pid,
            pushes=lambda: tenant.pushes(crm_path, crm_secret, args.pushes),
        )
        results = [_scenario(name, target, *runs[name]) for name, target, *_ in plan]
        for result in results:
            if result["scenario"].startswith("1."):
                result["first_polls"] = first
        soaked = memory.soak(base, reads.status, app_process.pid, args.soak, during_status)
        servers.stop(floor_process)
        return results, soaked, base, app_process
    except BaseException:
        servers.stop(app_process)
        servers.stop(floor_process)
        raise
