"""Writers of one project's different parts at once: each gets its part, and the project a new
version on top of the others' (docs/api.md, "API conventions"). A request's write waits for a
change of the project itself and then sees it; code that read the project before it changed is
still refused when settling (StaleDataError, a 412)."""

import asyncio
from datetime import date, timedelta
from uuid import UUID

import pytest
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, func, select, update

from app.models import Project, Risk
from app.projects.service import get_project
from app.risks import service as risks
from app.risks.schemas import RiskCreate
from tests.factories import Tenant
from tests.locks import until_waiting
from tests.problems import assert_problem

EACH = 6


async def test_parts_added_at_once_all_land_and_each_moves_the_project(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}"
    member = await tenant.member()
    start = date.today()

    def allocation(n: int) -> dict[str, object]:
        begins = start + timedelta(days=20 * n)
        return {
            "member_id": member["id"],
            "start_date": str(begins),
            "end_date": str(begins + timedelta(days=9)),
            "percent": 50,
        }

    answers = await asyncio.gather(
        *(tenant.post(f"{url}/customer-tasks", json={"title": f"Sign {n}"}) for n in range(EACH)),
        *(tenant.post(f"{url}/allocations", json=allocation(n)) for n in range(EACH)),
    )
    assert [answer.status_code for answer in answers] == [201] * (2 * EACH), [
        answer.text for answer in answers if answer.status_code != 201
    ]
    tasks = (await tenant.get(f"{url}/customer-tasks")).json()["items"]
    allocations = (await tenant.get(f"{url}/allocations")).json()["items"]
    assert (len(tasks), len(allocations)) == (EACH, EACH)
    assert (await tenant.get(url)).json()["version"] >= project["version"] + 2 * EACH


async def test_a_part_whose_project_changed_meanwhile_is_a_412_and_is_not_kept(
    tenant: Tenant,
) -> None:
    if tenant.database.settings.is_sqlite:
        pytest.skip("SQLite writers take turns: no other writer gets in between")
    project = await tenant.project()
    project_id = UUID(project["id"])
    caller = tenant.admin

    async def add_a_risk_while_the_project_moves() -> None:
        async with tenant.database.transaction() as session:
            read = await get_project(session, caller, project_id)  # active: a risk may be added
            moved = await tenant.post(
                f"/v1/projects/{project_id}/transitions", json={"to_phase": "planning"}
            )
            assert moved.status_code == 201, moved.text
            risk = RiskCreate(
                title="Old data", category="scope", probability=2, impact=2, response="accept"
            )
            await risks.create_risk(session, caller, read, risk)

    with pytest.raises(StaleDataError):
        await add_a_risk_while_the_project_moves()
    async with tenant.database.transaction() as session:
        kept = await session.exec(select(Risk).where(col(Risk.project_id) == project_id))
        assert kept.all() == []


async def test_a_risk_sent_while_the_project_is_archived_is_refused_as_archived_and_not_kept(
    tenant: Tenant,
) -> None:
    """Over HTTP: the project is archived while the risk's request waits for it, and the risk
    is refused as on any archived project (the 409 its operation documents), not as a stale
    version the request never named (every part write: test_archived_meanwhile.py)."""
    if tenant.database.settings.is_sqlite:
        pytest.skip("SQLite writers take turns: no other writer gets in between")
    project = await tenant.project()
    project_id = UUID(project["id"])
    risk = {
        "title": "Late",
        "category": "scope",
        "probability": 2,
        "impact": 2,
        "response": "accept",
    }
    async with tenant.database.engine.connect() as archiving:
        await archiving.execute(
            update(Project)
            .where(col(Project.id) == project_id)
            .values(archived_at=func.now(), version=Project.version + 1)
        )
        sent = asyncio.ensure_future(tenant.post(f"/v1/projects/{project_id}/risks", json=risk))
        assert await until_waiting(tenant.database, sent)
        await archiving.commit()

    assert_problem(await sent, 409, "project-archived")
    async with tenant.database.transaction() as session:
        kept = await session.exec(select(Risk).where(col(Risk.project_id) == project_id))
        assert kept.all() == []
