"""The benchmarks run in their smoke mode, so that they cannot rot between measurements."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SERVER = os.environ.get("HANDOVER_TEST_DATABASE_URL", "")
ON_POSTGRESQL = pytest.mark.skipif(
    not SERVER.startswith("postgresql"), reason="the benchmarks run on PostgreSQL"
)
NEEDS_WRK = pytest.mark.skipif(
    not (shutil.which("wrk") or shutil.which("hey")),
    reason="needs wrk or hey (.ci/run installs wrk)",
)


@ON_POSTGRESQL
@pytest.mark.slow
def test_analytics_benchmark_quick() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "bench.analytics", "--quick", "--database-url", SERVER],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "growth for 10× the data" in finished.stdout
    assert "the endpoint and the hand-written query disagree" not in finished.stdout


def _quick(module: str, output: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    """`python -m <module> --quick` on the test server, its results written to `output`."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            module,
            "--quick",
            "--database-url",
            SERVER,
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@ON_POSTGRESQL
@pytest.mark.slow
@NEEDS_WRK
def test_the_whole_benchmark_runs_quick_and_writes_every_scenario(tmp_path: Path) -> None:
    finished = _quick("bench", tmp_path, timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-12000:]
    report = json.loads((tmp_path / "latest.json").read_text())
    scenarios = [s["scenario"][:2] for s in report["http"]]
    assert scenarios == ["1.", "2.", "3.", "3b", "4."]
    for scenario in report["http"]:  # a loaded machine may finish few requests in 3 s: none wrong
        assert scenario["app"]["errors"] == 0, scenario
        assert scenario["floor"]["requests_per_second"] > 0, scenario
    assert report["fan_out"]["deliveries"] == 20 * 5
    assert report["analytics"]["growth"] > 0
    assert report["memory"]["peak_rss_mb"] > 0
    table = (tmp_path / "latest.md").read_text()
    assert "| 1. GET /v1/projects/{id}/status" in table
    for line in ("ratio", "target"):
        assert line in finished.stdout


@ON_POSTGRESQL
@pytest.mark.slow
@NEEDS_WRK
def test_the_crm_handover_benchmark_runs_quick_and_plans_every_deal(tmp_path: Path) -> None:
    finished = _quick("bench.crm_handover", tmp_path, timeout=120)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-6000:]
    report = json.loads((tmp_path / "crm_handover.json").read_text())
    assert report["answers"]["count_2xx"] == report["answers"]["requests"] == 2
    assert report["planning"]["complete"] == report["planning"]["with_sales_owner"] == 20
    assert {kept["outcome"] for kept in report["planning"]["kept_requests"]} == {"planned"}
    assert report["hubspot_calls"]["by_path"]["POST /crm/v3/objects/deals/batch/read"] >= 1
    assert "| HubSpot API calls" in (tmp_path / "crm_handover.md").read_text()
    assert "target" in finished.stdout


@ON_POSTGRESQL
@pytest.mark.slow
def test_the_crm_writeback_benchmark_runs_quick_and_brings_every_deal_current(
    tmp_path: Path,
) -> None:
    finished = _quick("bench.crm_writeback", tmp_path, timeout=180)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-6000:]
    report = json.loads((tmp_path / "crm_writeback.json").read_text())
    assert report["deals_current"] == report["projects"] == 30
    assert 1 <= report["by_path"]["POST /crm/v3/objects/deals/batch/update"] < 30  # batched
    assert report["busiest_10s"] <= report["limit_10s"]
    assert "| busiest 10 s" in (tmp_path / "crm_writeback.md").read_text()
    assert "busiest 10 s window" in finished.stdout


def test_without_wrk_or_hey_the_benchmark_says_what_to_install(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PATH": str(empty)},
    )
    assert finished.returncode != 0
    assert "apt-get install wrk" in finished.stderr


@ON_POSTGRESQL
@pytest.mark.slow
def test_the_clock_benchmark_runs_quick(tmp_path: Path) -> None:
    finished = _quick("bench.clock", tmp_path, timeout=120)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-6000:]
    report = json.loads((tmp_path / "clock.json").read_text())
    assert report["cadences"] == 5 * 20
    assert report["later_rounds"] == 4
    assert "| later rounds" in (tmp_path / "clock.md").read_text()
