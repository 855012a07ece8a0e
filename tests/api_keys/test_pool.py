"""A busy key whose `last_used_at` is due for a write does not drain the connection pool."""

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.serving import serving
from tests.test_serve import _run, environment

__all__ = ["environment"]  # the fixture: a fresh database for the server

CONCURRENT = 12


async def _read_at_once(base: str, key: str) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=base, timeout=20, limits=limits) as client:
        headers = {"Authorization": f"Bearer {key}"}
        return list(
            await asyncio.gather(
                *(client.get("/v1/projects", headers=headers) for _ in range(CONCURRENT))
            )
        )


@pytest.mark.slow
def test_concurrent_reads_with_a_never_used_key_share_a_small_pool(
    environment: dict[str, str], tmp_path: Path
) -> None:
    if make_url(environment["HANDOVER_DATABASE_URL"]).get_backend_name() == "sqlite":
        pytest.skip("SQLite has no bounded pool to drain")
    _run(["migrate"], environment, tmp_path)
    environment = {
        **environment,
        "HANDOVER_BOOTSTRAP": "false",
        "HANDOVER_LOG_LEVEL": "WARNING",
        "HANDOVER_DB_POOL_SIZE": "2",
        "HANDOVER_DB_MAX_OVERFLOW": "0",
    }
    _run(["orgs", "create", "busy"], environment, tmp_path)
    key = _run(["keys", "create", "--org", "busy", "--name", "poller"], environment, tmp_path)
    with serving(environment, tmp_path) as (base, _log):
        # Each read holds a connection; a key never used is due for its `last_used_at` write.
        answers = asyncio.run(_read_at_once(base, key.strip()))
    assert [answer.status_code for answer in answers] == [200] * CONCURRENT
