"""`handover import-deals`: a CRM export through the same path, with a summary and exit code."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import Tenant

HEADER = (
    "external_id,name,customer_external_id,customer_name,amount,currency,close_date,"
    "owner_email,requirements\n"
)
ROWS = (
    "HS-1,Globex rollout,C-1,Globex,120000,EUR,2026-11-20,sam@example.com,SSO and migration\n"
    "HS-2,Initech pilot,C-2,Initech,15000.50,USD,2026-11-21,,\n"
    "HS-3,Broken amount,C-3,Umbrella,lots,EUR,2026-11-22,,\n"
    ",No id,C-4,Hooli,,,,,\n"
)


def _import(database_url: str, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HANDOVER_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "import-deals", str(path), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
async def test_an_export_is_imported_once_with_rejected_rows_reported(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    manager = await tenant.member(role="project_manager")
    export = tmp_path / "deals.csv"
    export.write_text(HEADER + ROWS)
    org = str(tenant.organization_id)
    options = ["--org", org, "--source", "hubspot", "--project-manager", manager["email"]]

    first = _import(database_url, export, *options)

    assert first.returncode == 1, first.stderr
    assert "created 2, existing 0, rejected 2" in first.stdout
    assert "line 4 (HS-3): amount:" in first.stdout
    assert "line 5 (?): external_id:" in first.stdout
    assert "Importing deals" in first.stderr  # the progress bar
    projects = (await tenant.get("/v1/projects")).json()["items"]
    assert sorted(project["name"] for project in projects) == ["Globex rollout", "Initech pilot"]
    assert {project["project_manager_id"] for project in projects} == {manager["id"]}
    deals = (await tenant.get("/v1/deals", params={"source": "hubspot"})).json()["items"]
    assert len(deals) == 2

    export.write_text(HEADER + ROWS.splitlines(keepends=True)[0])
    again = _import(database_url, export, *options)
    assert again.returncode == 0, again.stderr
    assert "created 0, existing 1, rejected 0" in again.stdout
    assert len((await tenant.get("/v1/projects")).json()["items"]) == 2


@pytest.mark.slow
def test_an_unknown_project_manager_stops_the_import(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "deals.csv"
    export.write_text(HEADER + ROWS)
    result = _import(
        database_url,
        export,
        "--org",
        str(tenant.organization_id),
        "--project-manager",
        "nobody@example.com",
    )
    assert result.returncode == 2
    assert "nobody@example.com" in result.stderr
