"""The handoff brief: `/v1/projects/{project_id}/handoff`, its history, accept and return."""

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep, WriteCheckDep
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.handoffs import acceptance, service
from app.handoffs.schemas import (
    HandoffAccept,
    HandoffBriefPublic,
    HandoffBriefUpdate,
    HandoffBriefVersionPage,
    HandoffReturn,
)
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject

router = api_router(
    "handoffs", prefix="/v1/projects/{project_id}/handoff", problems=(401, 403, 404, 422, 500)
)


@router.get("", responses=NOT_MODIFIED)
async def get_handoff_brief(
    session: SessionDep, project: ReadableProject, cache: CacheCheckDep
) -> HandoffBriefPublic:
    """The handoff brief: what was sold and promised, to whom, and whether delivery accepted it."""
    brief = await service.brief_of(session, project)
    return service.public(brief)


@router.put("", responses=problem_responses(409))
async def replace_handoff_brief(
    session: SessionDep,
    caller: ProjectsWriter,
    project: WritableProject,
    body: HandoffBriefUpdate,
    precondition: WriteCheckDep,
) -> HandoffBriefPublic:
    """Replace the brief's items; each item changed records who filled it and when."""
    brief = await service.brief_of(session, project)
    precondition.require(brief.version)
    brief = await service.replace_brief(session, caller, project, body)
    return service.public(brief)


@router.get("/history")
async def list_handoff_brief_versions(
    session: SessionDep, project: ReadableProject, page: PageDep
) -> HandoffBriefVersionPage:
    """The brief after each change: who changed which items, and when; oldest first."""
    return page.page(await service.list_versions(session, project, page), HandoffBriefVersionPage)


@router.post("/accept", responses=problem_responses(409))
async def accept_handoff_brief(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: HandoffAccept,
) -> HandoffBriefPublic:
    """Accept the brief (409 naming the required items still empty): the project may leave
    `initiating`, and a kickoff is proposed if none is planned."""
    brief = await acceptance.accept_brief(session, caller, project, body)
    return service.public(brief)


@router.post("/return", responses=problem_responses(409))
async def return_handoff_brief(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: HandoffReturn,
) -> HandoffBriefPublic:
    """Send the brief back to sales with a reason (`handoff.returned` tells the sales owner)."""
    brief = await acceptance.return_brief(session, caller, project, body)
    return service.public(brief)
