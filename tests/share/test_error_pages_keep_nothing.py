"""A share page that answers an error keeps nothing of what its request wrote: the page is
rendered from the error, not raised, so without the rollback the request's transaction would
commit a half-made answer (a milestone signed off whose completion then failed, say)."""

import httpx
from fastapi import APIRouter, FastAPI
from sqlmodel import col, select

from app.core.deps import SessionDep
from app.models import Member, MemberRole
from app.share import pages
from app.share.pages import PageProblem, SharePageRoute
from tests.factories import Tenant


def _pages_that_write(tenant: Tenant) -> FastAPI:
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
