"""Status documents kept in the database, for the polls that read them.

A document is kept for its project's (version, day), so a replica that did not build it serves
it, a change or a new day rebuilds it, and an older build never replaces a newer one. On
PostgreSQL the lean path answers what it can from them ahead of the route
(tests/fastpath/test_status_polls.py).
"""

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import select

from app.clock.sweep import sweep
from app.db import Database
from app.models import StatusDocument
from app.models.base import today
from app.projects.status import keep_document
from tests.factories import Tenant
from tests.fastpath.polls import polled
from tests.replicas import replica

MARKER = b'{"kept": "as the first replica built it"}'


async def _kept(database: Database, project_id: str) -> StatusDocument | None:
    async with database.transaction(write=False) as session:
        found = await session.exec(
            select(StatusDocument).where(StatusDocument.project_id == UUID(project_id))
        )
        return found.first()


async def _replace_kept(database: Database, project_id: str, **values: Any) -> None:
    async with database.transaction() as session:
        await session.exec(
            update(StatusDocument)
            .where(StatusDocument.project_id == UUID(project_id))  # type: ignore[arg-type]
            .values(**values)
        )


async def test_the_first_poll_keeps_the_document_it_served(tenant: Tenant) -> None:
    project = await tenant.project()
    response = await tenant.get(f"/v1/projects/{project['id']}/status")
    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    assert (kept.version, kept.as_of) == (project["version"], today())
    assert kept.document == response.content


async def test_another_replica_serves_the_kept_document(tenant: Tenant, database_url: str) -> None:
    project, url = await polled(tenant)
    await _replace_kept(tenant.database, project["id"], document=MARKER)
    async with replica(database_url) as other:
        response = await other.get(url, headers=tenant.headers())
    assert response.status_code == 200
    assert response.content == MARKER  # read, not built again
    assert response.headers["etag"] == f'"{project["version"]}.{today():%Y%m%d}"'


async def test_a_document_of_another_day_is_built_again(tenant: Tenant) -> None:
    project, url = await polled(tenant)
    yesterday = today() - timedelta(days=1)
    await _replace_kept(tenant.database, project["id"], document=MARKER, as_of=yesterday)
    response = await tenant.get(url)
    assert response.status_code == 200
    assert response.json()["project_id"] == project["id"]
    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    assert (kept.as_of, kept.document) == (today(), response.content)


async def test_a_change_to_the_project_builds_it_again(tenant: Tenant) -> None:
    project, url = await polled(tenant)
    await _replace_kept(tenant.database, project["id"], document=MARKER)
    renamed = await tenant.patch(f"/v1/projects/{project['id']}", json={"name": "Renamed"})
    assert renamed.status_code == 200
    response = await tenant.get(url)
    assert response.json()["name"] == "Renamed"
    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    assert kept.version == renamed.json()["version"] == response.json()["version"]


async def test_an_older_build_never_replaces_a_newer_one(tenant: Tenant) -> None:
    project, _ = await polled(tenant)
    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    project_id = UUID(project["id"])
    await keep_document(tenant.database, project_id, kept.version - 1, today(), MARKER)
    yesterday = today() - timedelta(days=1)
    await keep_document(tenant.database, project_id, kept.version, yesterday, MARKER)
    after = await _kept(tenant.database, project["id"])
    assert after is not None
    assert (after.version, after.as_of, after.document) == (kept.version, kept.as_of, kept.document)
    await keep_document(tenant.database, project_id, kept.version + 1, today(), MARKER)
    newest = await _kept(tenant.database, project["id"])
    assert newest is not None
    assert (newest.version, newest.document) == (kept.version + 1, MARKER)


async def test_the_clock_builds_the_documents_of_a_new_day(tenant: Tenant) -> None:
    project, url = await polled(tenant)
    archived, _ = await polled(tenant)
    assert (await tenant.delete(f"/v1/projects/{archived['id']}")).status_code == 204
    yesterday = today() - timedelta(days=1)
    for stale in (project, archived):
        await _replace_kept(tenant.database, stale["id"], document=MARKER, as_of=yesterday)

    await sweep(tenant.database)

    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    assert kept.as_of == today()
    assert kept.document != MARKER
    assert (await tenant.get(url)).content == kept.document  # served as the clock built it
    untouched = await _kept(tenant.database, archived["id"])
    assert untouched is not None
    assert (untouched.as_of, untouched.document) == (yesterday, MARKER)
