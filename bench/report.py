"""The report of a run: the machine it ran on, the table in Markdown (bench/results/latest.md,
which `bench.support.keep_results` pastes into bench/README.md) and the summary on the console.

Every part of the report carries its own `target` and `holds`, so that a reader sees at once
which promise a run kept; the summary ends with the parts that missed.
"""

import asyncio
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench import load


def machine(dsn: str) -> dict[str, Any]:
    """Cores, CPU, Python, PostgreSQL and the load tool: what a reader needs to compare runs."""

    async def server_version() -> str:
        connection = await asyncpg.connect(dsn)
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgresql": asyncio.run(server_version()),
        "load_tool": load.tool(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def markdown(report: dict[str, Any]) -> str:
    """The machine in one line, then one table row per part, as latest.md and bench/README.md show."""
    m = report["machine"]
    lines = [
        f"{m['cores']} cores ({m['cpu']}), PostgreSQL {m['postgresql']}, Python {m['python']}, "
        f"{m['load_tool']}, one `handover serve` process, {report['settings']['seconds']} s per "
        f"run × {report['settings']['rounds']} rounds, {report['settings']['projects']:,} projects"
        f"{' (quick)' if report['settings']['quick'] else ''}; {m['at']}",
        "",
        "| scenario | Handover | p50 / p99 | floor | ratio | target | holds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for s in report["http"]:
        a, f = s["app"], s["floor"]
        lines.append(
            f"| {s['scenario']} | {a['requests_per_second']:,.0f} req/s | {a['p50_ms']:.1f} / "
            f"{a['p99_ms']:.1f} ms | {f['requests_per_second']:,.0f} req/s | {s['ratio']:.2f} | "
            f"{s['target']} | {'yes' if s['holds'] else '**no**'} |"
        )
        if "first_polls" in s:
            lines.append(_first_polls_row(s["first_polls"]))
    if "fan_out" in report:
        w = report["fan_out"]
        rates = ", ".join(f"{name} {rate:,.0f}/s" for name, rate in w["rates"].items())
        lines.append(
            f"| {w['scenario']} ({w['deliveries']:,} deliveries) | {rates} | | {w['floor']} | "
            f"{w['ratio']:.2f} (2 workers {w['ratio_two_workers']:.2f}) | {w['target']} | "
            f"{'yes' if w['holds'] else '**no**'} |"
        )
    if "analytics" in report:
        a = report["analytics"]
        sizes = "; ".join(
            f"{s['projects']:,}: {s['endpoint_ms']:,.0f} ms vs SQL {s['hand_written_sql_ms']:,.0f} ms"
            for s in a["sizes"]
        )
        lines.append(
            f"| {a['scenario']} | {sizes} | | | growth {a['growth']:.2f}×, "
            f"{a['ratio_to_sql']:.2f}× SQL | {a['target']} | {'yes' if a['holds'] else '**no**'} |"
        )
    if "memory" in report:
        r = report["memory"]
        lines.append(
            f"| {r['scenario']} | peak {r['peak_rss_mb']:.0f} MB | soak {r['soak_seconds']} s: "
            f"{r['soak_rss_after_warmup_mb']:.0f} → {r['soak_rss_at_end_mb']:.0f} MB | | "
            f"growth {100 * (r['growth'] or 0):.1f}% | {r['target']} | "
            f"{'yes' if r['holds'] else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


def _first_polls_row(p: dict[str, Any]) -> str:
    return (
        f"| before 1: the first poll of each project today (builds its document) | "
        f"{p['per_second']:,.0f} req/s | {p['answered']:,} in {p['seconds']} s | | | | |"
    )


def print_summary(report: dict[str, Any]) -> None:
    """One line per part (and per contender or size), then the targets missed."""
    print()
    for s in report["http"]:
        a = s["app"]
        print(
            f"{s['scenario']:<52} {a['requests_per_second']:>8,.0f} req/s  p50 {a['p50_ms']:6.1f} ms"
            f"  p99 {a['p99_ms']:6.1f} ms  floor {s['floor']['requests_per_second']:>7,.0f}"
            f"  ratio {s['ratio']:5.2f}  target {s['target']}  {'ok' if s['holds'] else 'MISSED'}"
        )
        if "first_polls" in s:
            p = s["first_polls"]
            print(
                f"   before it, the first poll of each project today: {p['answered']:,} documents"
                f" built in {p['seconds']} s ({p['per_second']:,.0f}/s)"
            )
    if "fan_out" in report:
        w = report["fan_out"]
        for name, rate in w["rates"].items():
            print(f"   {name:<49} {rate:>8,.0f} deliveries/s")
        print(
            f"{w['scenario']:<52} ratio {w['ratio']:.2f} (2 workers {w['ratio_two_workers']:.2f})"
            f"  target {w['target']}  {'ok' if w['holds'] else 'MISSED'}"
        )
    if "analytics" in report:
        a = report["analytics"]
        for s in a["sizes"]:
            print(
                f"   {s['projects']:>9,} projects: endpoint {s['endpoint_ms']:,.0f} ms, "
                f"hand-written SQL {s['hand_written_sql_ms']:,.0f} ms, ratio {s['ratio_to_sql']:.2f}"
            )
        print(
            f"{a['scenario']:<52} growth {a['growth']:.2f}×, {a['ratio_to_sql']:.2f}× SQL"
            f"  target {a['target']}  {'ok' if a['holds'] else 'MISSED'}"
        )
    if "memory" in report:
        r = report["memory"]
        print(
            f"{r['scenario']:<52} peak {r['peak_rss_mb']:.0f} MB, soak {r['soak_seconds']} s "
            f"{r['soak_rss_after_warmup_mb']:.0f} → {r['soak_rss_at_end_mb']:.0f} MB "
            f"({100 * (r['growth'] or 0):+.1f}%)  target {r['target']}  "
            f"{'ok' if r['holds'] else 'MISSED'}"
        )
    missed = [name for name, part in _parts(report) if not part["holds"]]
    print(f"\ntargets missed: {', '.join(missed)}" if missed else "\nevery target holds")


def _parts(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    parts = [(s["scenario"].split(".")[0], s) for s in report["http"]]
    for key in ("fan_out", "analytics", "memory"):
        if key in report:
            parts.append((report[key]["scenario"].split(".")[0], report[key]))
    return sorted(parts, key=lambda part: part[0])
