"""`handover serve --workers 2`: two processes behind one port, the background work once beside
them (in the process that supervises them), in production mode."""

import json
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.serving import BOOT_TIMEOUT, serving
from tests.test_serve import _run, environment, push_to_hubspot_intake

__all__ = ["environment"]  # the fixture: a fresh database for the server


def _events(log: str, pattern: str) -> list[re.Match[str]]:
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    return [m for line in lines if (m := re.fullmatch(pattern, str(line.get("event"))))]


@pytest.mark.slow
def test_two_workers_serve_the_api_with_the_background_work_once(
    environment: dict[str, str], tmp_path: Path
) -> None:
    environment = {
        **environment,
        "HANDOVER_ENVIRONMENT": "production",
        "HANDOVER_SECRET_KEY": "a-production-secret-of-forty-characters-x",
        "HANDOVER_BOOTSTRAP": "false",
        "HANDOVER_LOG_LEVEL": "INFO",
    }
    _run(["migrate"], environment, tmp_path)
    _run(["orgs", "create", "pair"], environment, tmp_path)
    key = _run(["keys", "create", "--org", "pair", "--name", "admin"], environment, tmp_path)
    auth = {"Authorization": f"Bearer {key.strip()}"}
    # each process imports the app on its own: on a busy machine that takes a while
    boot_timeout = 4 * BOOT_TIMEOUT
    with serving(environment, tmp_path, ("--workers", "2"), boot_timeout) as (base, log_path):
        answers = [httpx.get(f"{base}/v1/projects", headers=auth) for _ in range(6)]
        assert [answer.status_code for answer in answers] == [200] * 6, log_path.read_text()
        # the CRM worker runs: a push kept as received is planned
        hub = push_to_hubspot_intake(base, key.strip())
        inbound = f"{base}/v1/crm-connections/{hub}/inbound-requests"
        deadline = time.monotonic() + 60
        while httpx.get(inbound, headers=auth).json()["items"][0]["outcome"] != "planned":
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        log = log_path.read_text()

    assert "HANDOVER_PUBLIC_BASE_URL is not set" in log  # production, without the setting
    [parent] = [int(m[1]) for m in _events(log, r"Started parent process \[(\d+)\]")]
    servers = {int(m[1]) for m in _events(log, r"Started server process \[(\d+)\]")}
    assert len(servers) == 2, log
    assert parent not in servers
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    background = [line for line in lines if line.get("event") == "background work started"]
    assert [(line["pid"], line["deliver"], line["clock"]) for line in background] == [
        (parent, True, True)
    ], log
