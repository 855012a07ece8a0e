"""A real `handover serve` under uvicorn, for the tests that need a process and a port."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HANDOVER = [sys.executable, "-m", "app.cli"]
BOOT_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def serving(
    environment: dict[str, str],
    cwd: Path,
    options: tuple[str, ...] = (),
    boot_timeout: float = BOOT_TIMEOUT,
) -> Iterator[tuple[str, Path]]:
    """`handover serve` on a free port until the block ends: its base URL once `/readyz` says
    ready, and the file its output goes to."""
    base = f"http://127.0.0.1:{free_port()}"
    log_path = cwd / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*HANDOVER, "serve", "--port", base.rsplit(":", 1)[1], *options],
            env=environment,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + boot_timeout
        while not _ready(base):
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        yield base, log_path
    finally:
        server.terminate()
        server.wait(timeout=20)
