"""A share page that answers an error keeps nothing of what its request wrote: the page is
rendered from the error, not raised, so without the rollback the request's transaction would
commit a half-made answer (a milestone signed off whose completion then failed, say)."""

from uuid import UUID

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlmodel import col, select

from app.core.deps import SessionDep
from app.models import Member, MemberRole, Project
from app.risks import service as risks
from app.risks.schemas import RiskCreate
from app.share import pages
from app.share.pages import PageProblem, SharePageRoute
from tests.factories import Tenant


def _pages_that_write(tenant: Tenant, project_id: UUID | None = None) -> FastAPI:
    router = APIRouter(route_class=SharePageRoute)

    async def write(session: SessionDep, name: str) -> None:
        role = MemberRole.delivery
        email = f"{name}@example.com"
        session.add(
            Member(organization_id=tenant.organization_id, name=name, email=email, role=role)
        )
        await session.flush()

    @router.post("/answers/{name}/kept")
    async def kept(session: SessionDep, name: str) -> dict[str, str]:
        await write(session, name)
        return {"kept": name}

    @router.post("/answers/{name}/refused")
    async def refused(session: SessionDep, name: str) -> None:
        await write(session, name)
        raise PageProblem(409, "Already answered", "Someone answered this first.")

    @router.post("/answers/{name}/late")
    async def late(session: SessionDep, name: str) -> dict[str, str]:
        project = await session.get(Project, project_id)  # active: a risk may be added
        assert project is not None
        async with tenant.database.transaction() as meanwhile:
            renamed = await meanwhile.get(Project, project_id)
            assert renamed is not None
            renamed.name = "Renamed meanwhile"
        risk = RiskCreate(title=name, category="scope", probability=2, impact=2, response="accept")
        await risks.create_risk(session, tenant.admin, project, risk)
        return {"kept": name}

    app = FastAPI()
    app.state.database = tenant.database
    app.state.settings = tenant.database.settings
    app.include_router(router)
    app.include_router(pages.router)  # the stylesheet an error page links to
    return app


async def _names(tenant: Tenant) -> set[str]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Member.name).where(col(Member.organization_id) == tenant.organization_id)
        )
        return set(rows.all())


async def test_a_page_that_answers_an_error_keeps_nothing_its_request_wrote(
    tenant: Tenant,
) -> None:
    transport = httpx.ASGITransport(app=_pages_that_write(tenant))
    async with httpx.AsyncClient(transport=transport, base_url="http://pages") as browser:
        assert (await browser.post("/answers/kept-one/kept")).status_code == 200
        page = await browser.post("/answers/half-made/refused")
    assert page.status_code == 409
    assert "Already answered" in page.text
    assert await _names(tenant) == {"kept-one"}


async def test_a_write_refused_when_it_is_settled_is_a_page_and_keeps_nothing(
    tenant: Tenant,
) -> None:
    """The project's new version is settled before the page answers, so a refusal there (the
    project changed meanwhile) is a page like the others rather than the API's JSON 412."""
    if tenant.database.settings.is_sqlite:
        pytest.skip("SQLite writers take turns: no other writer gets in between")
    project = await tenant.project()
    transport = httpx.ASGITransport(app=_pages_that_write(tenant, UUID(project["id"])))
    async with httpx.AsyncClient(transport=transport, base_url="http://pages") as browser:
        page = await browser.post("/answers/late-risk/late")
    assert (page.status_code, page.headers["content-type"]) == (409, "text/html; charset=utf-8")
    assert "The project changed while you were sending this" in page.text
    risks = (await tenant.get(f"/v1/projects/{project['id']}/risks")).json()["items"]
    assert risks == []
