"""What schemathesis found against a live `handover serve`, kept as plain tests on a real process
(the in-process suite shares one connection per test, where these could not show)."""

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import fresh_database_url
from tests.serving import HANDOVER, serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A real `handover serve` on a fresh database, with a short SQLite busy timeout so that a
    request waiting for its own lock fails fast; a client holding its admin key."""
    tmp_path: Path = tmp_path_factory.mktemp("live")
    for url in fresh_database_url(tmp_path):
        env = {
            **os.environ,
            "HANDOVER_DATABASE_URL": url,
            "HANDOVER_SQLITE_BUSY_TIMEOUT_MS": "2000",
            "HANDOVER_DISPATCHER_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("HANDOVER_BOOTSTRAP", None)
        if make_url(url).get_backend_name() != "sqlite":
            subprocess.run([*HANDOVER, "migrate"], env=env, cwd=tmp_path, check=True, timeout=60)
        with serving(env, tmp_path) as (base, log_path):
            key = re.search(r"hk_live_[A-Za-z0-9_-]{43}", log_path.read_text())
            assert key, log_path.read_text()
            headers = {"Authorization": f"Bearer {key.group()}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                yield client


def test_a_project_child_created_with_an_idempotency_key_does_not_wait_for_itself(
    live: httpx.Client,
) -> None:
    customer = live.post("/v1/customers", json={"name": "Globex"}).json()
    project = live.post("/v1/projects", json={"name": "P", "customer_id": customer["id"]}).json()
    risk = {
        "title": "SSO team away",
        "category": "resource",
        "probability": 2,
        "impact": 2,
        "response": "accept",
    }
    started = time.monotonic()
    created = live.post(
        f"/v1/projects/{project['id']}/risks", json=risk, headers={"Idempotency-Key": "r-1"}
    )
    assert created.status_code == 201, created.text
    assert time.monotonic() - started < 2  # not after the busy timeout
    replayed = live.post(
        f"/v1/projects/{project['id']}/risks", json=risk, headers={"Idempotency-Key": "r-1"}
    )
    assert (replayed.status_code, replayed.headers["Idempotent-Replayed"]) == (201, "true")
    assert replayed.json()["id"] == created.json()["id"]
