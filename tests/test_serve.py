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
from tests.crm.samples import dumps, hubspot_events, signed_hubspot
from tests.serving import HANDOVER, serving

HUBSPOT_SECRET = "hubspot-app-secret-0123"


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    for url in fresh_database_url(tmp_path):
        env = {**os.environ, "HANDOVER_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        for name in ("HANDOVER_BOOTSTRAP", "HANDOVER_PUBLIC_BASE_URL", "HANDOVER_ENVIRONMENT"):
            env.pop(name, None)
        yield env


def push_to_hubspot_intake(base: str, admin_key: str) -> str:
    """A HubSpot connection's intake URL, checked to name the address served on, and a push
    signed over it (as HubSpot signs the URL it calls) kept as received; the connection's id."""
    auth = {"Authorization": f"Bearer {admin_key}"}
    member = {"name": "Ada", "email": "ada@example.com", "role": "project_manager"}
    manager = httpx.post(f"{base}/v1/members", json=member, headers=auth, timeout=10).json()
    hub = httpx.post(
        f"{base}/v1/crm-connections",
        json={
            "provider": "hubspot",
            "name": "HubSpot",
            "app_secret": HUBSPOT_SECRET,
            "default_project_manager_id": manager["id"],
        },
        headers=auth,
        timeout=10,
    ).json()
    assert hub["intake_url"] == f"{base}/v1/integrations/hubspot/{hub['id']}/webhooks"
    body = dumps(hubspot_events(4711))
    pushed = httpx.post(
        hub["intake_url"],
        content=body,
        headers=signed_hubspot(HUBSPOT_SECRET, hub["intake_url"], body),
        timeout=10,
    )
    assert pushed.status_code == 202, pushed.text
    return str(hub["id"])


def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        HANDOVER + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


SECRET_ROUTES = ("/share/{token}", "/calendars/{secret}.ics")


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
        assert (projects.json()["items"], projects.json()["next_cursor"]) == ([], None)
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

        # the URLs handed out name the port served on (no HANDOVER_PUBLIC_BASE_URL)
        push_to_hubspot_intake(base, admin_key.group())
        auth = {"Authorization": f"Bearer {admin_key.group()}"}
        customer = httpx.post(f"{base}/v1/customers", json={"name": "Globex"}, headers=auth)
        project = httpx.post(
            f"{base}/v1/projects",
            json={"name": "Rollout", "customer_id": customer.json()["id"]},
            headers=auth,
        ).json()
        link = httpx.post(f"{base}/v1/projects/{project['id']}/share-links", json={}, headers=auth)
        assert link.json()["url"] == f"{base}/share/{link.json()['token']}"
        feed = httpx.post(f"{base}/v1/projects/{project['id']}/calendar-secret", headers=auth)
        assert feed.json()["url"].startswith(f"{base}/"), feed.text
        assert httpx.get(feed.json()["url"]).status_code == 200
        assert httpx.get(link.json()["url"]).status_code == 200

    output = log_path.read_text()
    assert "WARNING: development mode" in output
    assert "CRM and webhook secrets stored in the database are NOT protected" in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("event") == "request"]
    assert any(line["request_id"] == "trace-1" and line["status"] == 200 for line in access)
    # The secret URLs are logged cut short: only their hashes are kept anywhere else.
    secrets = (link.json()["token"], feed.json()["url"].rsplit("/", 1)[1].removesuffix(".ics"))
    assert not [secret for secret in secrets if secret in output]
    assert {line["path"] for line in access if line["route"] in SECRET_ROUTES} == {
        f"/share/{secrets[0][:8]}…",
        f"/calendars/{secrets[1][:8]}….ics",
    }


def test_development_mode_serves_on_loopback_only_unless_told(
    environment: dict[str, str], tmp_path: Path
) -> None:
    done = subprocess.run(
        [*HANDOVER, "serve", "--host", "0.0.0.0", "--port", "1"],  # noqa: S104 - refused
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: development mode serves on loopback only, not '0.0.0.0'")
    assert "--development-on-network" in line
    assert not (tmp_path / "handover.db").exists()  # refused before anything was done
