"""The `handover` command's pieces that the end-to-end run cannot show."""

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.cli import _bootstrap, cli
from app.operations.service import alembic_config
from tests.conftest import fresh_database_url, settings_for
from tests.serving import HANDOVER


@pytest.fixture
def migrated_url(tmp_path: Path) -> Iterator[str]:
    for url in fresh_database_url(tmp_path):
        command.upgrade(alembic_config(url), "head")
        yield url


@pytest.mark.slow
async def test_bootstrap_creates_one_admin_key_on_an_empty_database_only(
    migrated_url: str,
) -> None:
    settings = settings_for(migrated_url)
    first = await _bootstrap(settings)
    assert first is not None
    assert first.startswith("hk_live_")
    assert await _bootstrap(settings) is None


@pytest.mark.slow
def test_keys_for_an_unknown_organization_fail_cleanly(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDOVER_DATABASE_URL", migrated_url)
    result = CliRunner().invoke(cli, ["keys", "create", "--org", "nobody", "--name", "x"])
    assert result.exit_code != 0
    assert "hk_live_" not in result.output


def _handover(args: list[str], cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("HANDOVER_")
    }
    environment.update(variables, HANDOVER_LOG_LEVEL="WARNING")
    return subprocess.run(
        HANDOVER + args, env=environment, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _said_in_one_line(done: subprocess.CompletedProcess[str]) -> str:
    """An expected condition: exit 1 and one line on stderr, never a traceback."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: "), line
    return line


@pytest.mark.slow
def test_a_command_on_a_fresh_database_migrates_the_embedded_one_or_says_to_migrate(
    tmp_path: Path,
) -> None:
    for url in fresh_database_url(tmp_path):
        if make_url(url).get_backend_name() == "sqlite":
            # the embedded default, in a folder where nothing ran before: migrated as serve does
            created = _handover(["orgs", "create", "acme"], tmp_path)
            assert created.returncode == 0, created.stderr
            assert re.fullmatch(r"[0-9a-f-]{36}", created.stdout.strip()), created.stdout
            assert (tmp_path / "handover.db").exists()
            unmigrated = {
                "HANDOVER_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
                "HANDOVER_AUTO_MIGRATE": "false",
            }
        else:
            unmigrated = {"HANDOVER_DATABASE_URL": url}
        for command_line in (
            ["orgs", "create", "acme"],
            ["keys", "create", "--org", "acme", "--name", "pm-tool"],
            ["purge-inbound-requests"],
        ):
            line = _said_in_one_line(_handover(command_line, tmp_path, **unmigrated))
            assert "run `handover migrate`" in line
        assert _handover(["migrate"], tmp_path, **unmigrated).returncode == 0
        created = _handover(["orgs", "create", "acme"], tmp_path, **unmigrated)
        assert created.returncode == 0, created.stderr


def test_a_database_out_of_reach_and_an_unsafe_setting_are_said_in_one_line(
    tmp_path: Path,
) -> None:
    nowhere = "postgresql://postgres@127.0.0.1:9/handover"  # the discard port: nothing listens
    for command_line in (["orgs", "create", "acme"], ["migrate"]):
        line = _said_in_one_line(_handover(command_line, tmp_path, HANDOVER_DATABASE_URL=nowhere))
        assert line.startswith("error: cannot reach the database"), line
    # a certificate authority the URL names that is not there is named (asyncpg's error is not)
    missing = tmp_path / "not-there-ca.pem"
    pinned = f"{nowhere}?sslmode=verify-full&sslrootcert={missing}"
    for command_line in (["orgs", "create", "acme"], ["migrate"]):
        line = _said_in_one_line(_handover(command_line, tmp_path, HANDOVER_DATABASE_URL=pinned))
        assert line == (
            "error: cannot reach the database (the URL names a file that is not there: "
            f"sslrootcert={missing})"
        ), line
    line = _said_in_one_line(
        _handover(["orgs", "create", "acme"], tmp_path, HANDOVER_ENVIRONMENT="production")
    )
    assert "HANDOVER_SECRET_KEY must be set" in line


def test_the_worker_says_what_it_keeps_without_the_clock() -> None:
    """`--no-clock` leaves out the clock only: the CRM work and the deliveries go on."""
    shown = CliRunner().invoke(cli, ["worker", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "--no-clock: the CRM work and webhook deliveries only" in " ".join(shown.output.split())
