"""The same won deal pushed 50 times at once, through a real `handover serve` (its worker
planning the kept requests): one project."""

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.crm.samples import canonical_deal, dumps, signed_generic
from tests.serving import serving
from tests.test_serve import _run, environment

__all__ = ["environment"]  # the fixture: a fresh database for the server

PUSHES = 50


async def _push_at_once(base: str, path: str, secret: str) -> list[httpx.Response]:
    body = dumps(canonical_deal("D-RACE", owner_email="racer@example.com"))
    limits = httpx.Limits(max_connections=PUSHES)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        # Each retry of the CRM is its own delivery (its own webhook-id), all at the same moment.
        requests = [
            client.post(path, content=body, headers=signed_generic(secret, body))
            for _ in range(PUSHES)
        ]
        return list(await asyncio.gather(*requests))


@pytest.mark.slow
def test_fifty_concurrent_pushes_of_one_deal_make_one_project(
    environment: dict[str, str], tmp_path: Path
) -> None:
    _run(["migrate"], environment, tmp_path)
    environment = {**environment, "HANDOVER_BOOTSTRAP": "false", "HANDOVER_LOG_LEVEL": "WARNING"}
    _run(["orgs", "create", "racers"], environment, tmp_path)
    key = _run(["keys", "create", "--org", "racers", "--name", "admin"], environment, tmp_path)
    auth = {"Authorization": f"Bearer {key.strip()}"}
    with serving(environment, tmp_path) as (base, _log):
        manager = httpx.post(
            f"{base}/v1/members",
            headers=auth,
            json={"name": "Ada", "email": "ada@example.com", "role": "project_manager"},
        ).json()
        connection = httpx.post(
            f"{base}/v1/crm-connections",
            headers=auth,
            json={
                "provider": "generic",
                "name": "script",
                "default_project_manager_id": manager["id"],
            },
        ).json()
        path = f"/v1/integrations/generic/{connection['id']}/webhooks"

        answers = asyncio.run(_push_at_once(base, path, connection["secret"]))

        assert [answer.status_code for answer in answers] == [202] * PUSHES, [
            answer.text for answer in answers if answer.status_code != 202
        ]
        kept_path = f"{base}/v1/crm-connections/{connection['id']}/inbound-requests"
        deadline = time.monotonic() + 60
        while True:  # the server's own worker plans the 50 kept requests
            kept = httpx.get(kept_path, headers=auth, params={"limit": 200}).json()["items"]
            if all(request["outcome"] == "planned" for request in kept) or (
                time.monotonic() > deadline
            ):
                break
            time.sleep(0.2)
        assert [request["outcome"] for request in kept] == ["planned"] * PUSHES
        projects = httpx.get(f"{base}/v1/projects", headers=auth).json()["items"]
        assert len(projects) == 1
        assert {pid for request in kept for pid in request["project_ids"]} == {projects[0]["id"]}
        created = httpx.get(
            f"{base}/v1/events", headers=auth, params={"type": "project.created"}
        ).json()["items"]
        assert len(created) == 1
        won = httpx.get(f"{base}/v1/events", headers=auth, params={"type": "deal.won"}).json()
        assert len(won["items"]) == 1
        customers = httpx.get(f"{base}/v1/customers", headers=auth).json()["items"]
        assert len(customers) == 1
