"""The processes a benchmark run starts: `handover serve`, the floor app; their memory."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

SECRET = "bench-secret-key-0123456789-0123456789-abcdef"


def serve_environment(url: str) -> dict[str, str]:
    """Production settings, as a deployment would run them, minus the background loops (the
    webhook scenario runs `handover worker` on its own) and with rate limits (per key, per
    organization, per CRM connection) no load here reaches (their cost is still paid on every
    request)."""
    return {
        **os.environ,
        "HANDOVER_ENVIRONMENT": "production",
        "HANDOVER_DATABASE_URL": url,
        "HANDOVER_SECRET_KEY": SECRET,
        "HANDOVER_LOG_LEVEL": "WARNING",
        "HANDOVER_BOOTSTRAP": "false",
        "HANDOVER_RATE_LIMIT": "100000000/minute",
        "HANDOVER_CRM_RATE_LIMIT": "100000000/minute",
        "HANDOVER_ORGANIZATION_RATE_LIMIT": "100000000/minute",
        "HANDOVER_DISPATCHER_ENABLED": "false",
        "HANDOVER_CLOCK_ENABLED": "false",
    }


def start_handover(
    url: str,
    port: int,
    extra: list[str] | None = None,
    environment: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """`handover serve` with `serve_environment`, plus `environment` over it."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        + (extra or []),
        env={**serve_environment(url), **(environment or {})},
    )


def start_worker(url: str, environment: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`handover worker --no-clock` with `serve_environment`, plus `environment` over it: the
    clock would add its sweeps' work to what a scenario times."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker", "--no-clock"],
        env={**serve_environment(url), **(environment or {})},
    )


def start_floor(dsn: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HANDOVER_BENCH_FLOOR_DSN": dsn}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.floor:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up within 60 s")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()

    def mb(name: str) -> float:
        return int(fields[name].split()[0]) / 1024

    return mb("VmRSS"), mb("VmHWM")
