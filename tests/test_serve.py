"""The README's first steps, for real: `handover serve` under uvicorn, the CLI, and curl."""

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import fresh_database_url
from tests.serving import HANDOVER, serving


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    for url in fresh_database_url(tmp_path):
        env = {**os.environ, "HANDOVER_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        env.pop("HANDOVER_BOOTSTRAP", None)
        yield env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        HANDOVER + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


@pytest.mark.slow
def test_fresh_start_serves_the_api_and_the_cli_issues_keys(
    environment: dict[str, str], tmp_path: Path
) -> None:
    is_sqlite = make_url(environment["HANDOVER_DATABASE_URL"]).get_backend_name() == "sqlite"
    if not is_sqlite:
        _run(["migrate"], environment, tmp_path)  # PostgreSQL: migrations are an explicit step
    with serving(environment, tmp_path) as (base, log_path):
        output = log_path.read_text()
        admin_key = re.search(r"hk_live_[A-Za-z0-9_-]{43}", output)
        assert admin_key, output
        organization_id = _run(["orgs", "create", "acme"], environment, tmp_path).strip()
        assert re.fullmatch(r"[0-9a-f-]{36}", organization_id)
        key = _run(
            ["keys", "create", "--org", "acme", "--name", "pm-tool", "--scope", "projects:read"],
            environment,
            tmp_path,
        ).strip()
        assert re.fullmatch(r"hk_live_[A-Za-z0-9_-]{43}", key)

        projects = httpx.get(
            f"{base}/v1/projects", headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        assert projects.status_code == 200
        assert projects.json() == {"items": [], "next_cursor": None}
        denied = httpx.get(
            f"{base}/v1/members", headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        assert denied.status_code == 403
        admin = httpx.get(
            f"{base}/v1/api-keys",
            headers={"Authorization": f"Bearer {admin_key.group()}", "X-Request-ID": "trace-1"},
            timeout=10,
        )
        assert admin.status_code == 200
        assert admin.headers["x-request-id"] == "trace-1"

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("event") == "request"]
    assert any(line["request_id"] == "trace-1" and line["status"] == 200 for line in access)
