"""Every write to a part of a project, sent while the project is being archived, gets an answer
its operation documents: it waits for the archive, then is refused as any write to an archived
project is (a 409), or does what it may do on one. Never a 412 to a request that named no
version, nor a 500 (PostgreSQL only: SQLite writers take turns, no other gets in between)."""

import asyncio
import re
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI
from sqlmodel import col, func, update

from app.models import Project
from tests.factories import Tenant
from tests.locks import until_waiting
from tests.projects.test_changes import PART_WRITES, _project_of
from tests.test_endpoint_matrix import Endpoint, _fill, _object_id


def _documented(app: FastAPI, endpoint: Endpoint) -> set[str]:
    """The statuses the served contract lists for the endpoint's operation."""
    for path, operations in app.openapi()["paths"].items():
        if re.sub(r"\{[^}]+\}", "{id}", path) == endpoint.path:
            return set(operations[endpoint.method.lower()]["responses"])
    raise AssertionError(f"{endpoint} is not in the contract")


@pytest.mark.parametrize("endpoint", PART_WRITES, ids=str)
async def test_a_part_written_while_its_project_is_archived_gets_a_documented_answer(
    tenant: Tenant, app: FastAPI, endpoint: Endpoint
) -> None:
    if tenant.database.settings.is_sqlite:
        pytest.skip("SQLite writers take turns: no other writer gets in between")
    assert endpoint.kind is not None
    object_id = await _object_id(tenant, endpoint.kind)
    project_id = UUID(await _project_of(tenant, endpoint, object_id))
    body: Any = None if endpoint.body is None else await _fill(tenant, endpoint.body)
    url = endpoint.path.replace("{id}", object_id)

    async with tenant.database.engine.connect() as archiving:
        archived = await archiving.execute(
            update(Project)
            .where(col(Project.id) == project_id)
            .values(archived_at=func.now(), version=Project.version + 1)
            .returning(Project.version)
        )
        archived_version = archived.scalar_one()
        sent = asyncio.ensure_future(tenant.request(endpoint.method, url, json=body))
        assert await until_waiting(tenant.database, sent), (await sent).text
        await archiving.commit()

    answer = await sent
    assert str(answer.status_code) in _documented(app, endpoint), answer.text
    assert answer.status_code != 412, answer.text  # the request named no version
    if answer.status_code >= 400:  # refused: nothing of it was kept
        kept = await tenant.get(f"/v1/projects/{project_id}")
        assert kept.json()["version"] == archived_version, answer.text
