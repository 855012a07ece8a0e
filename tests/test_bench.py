"""The benchmarks run in their smoke mode, so that they cannot rot between measurements."""

import os
import subprocess
import sys

import pytest

SERVER = os.environ.get("HANDOVER_TEST_DATABASE_URL", "")


@pytest.mark.skipif(
    not SERVER.startswith("postgresql"), reason="the analytics benchmark runs on PostgreSQL"
)
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
