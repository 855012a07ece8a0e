"""`handover serve --workers 2`: two processes behind one port, each with its own app."""

from pathlib import Path

import httpx
import pytest

from tests.serving import serving
from tests.test_serve import _run, environment

__all__ = ["environment"]  # the fixture: a fresh database for the server


@pytest.mark.slow
def test_two_workers_serve_the_api(environment: dict[str, str], tmp_path: Path) -> None:
    environment = {**environment, "HANDOVER_BOOTSTRAP": "false"}
    _run(["migrate"], environment, tmp_path)
    _run(["orgs", "create", "pair"], environment, tmp_path)
    key = _run(["keys", "create", "--org", "pair", "--name", "admin"], environment, tmp_path)
    with serving(environment, tmp_path, ("--workers", "2")) as (base, log_path):
        auth = {"Authorization": f"Bearer {key.strip()}"}
        answers = [httpx.get(f"{base}/v1/projects", headers=auth) for _ in range(6)]
        assert [answer.status_code for answer in answers] == [200] * 6, log_path.read_text()
