"""The `handover` command's pieces that the end-to-end run cannot show."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from typer.testing import CliRunner

from app.cli import _bootstrap, cli
from app.operations.service import alembic_config
from tests.conftest import fresh_database_url, settings_for


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
