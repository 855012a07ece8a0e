"""The risk register: `/v1/projects/{project_id}/risks`, `/v1/risks` and each risk's history."""

from typing import Annotated
from uuid import UUID

from fastapi import Query, status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.projects.deps import ProjectsReader, ProjectsWriter, ReadableProject, WritableProject
from app.risks import service
from app.risks.deps import ReadableRisk, RiskFilterDep, RiskToChange
from app.risks.schemas import RiskChangePage, RiskCreate, RiskPage, RiskPublic, RiskUpdate

SyncPages = Annotated[SyncPageParams, sync_pages("risks", deletions=True)]

router = api_router("risks")


@router.post(
    "/v1/projects/{project_id}/risks",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_risk(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: RiskCreate,
) -> RiskPublic:
    """Register a risk of a project; its score is probability × impact."""
    risk = await service.create_risk(session, caller, project, body)
    return RiskPublic.model_validate(risk)


@router.get("/v1/projects/{project_id}/risks")
async def list_project_risks(
    session: SessionDep,
    caller: ProjectsReader,
    project: ReadableProject,
    page: SyncPages,
    risk_filter: RiskFilterDep,
) -> RiskPage:
    """List a project's risks, oldest first."""
    rows = await service.list_risks(session, caller, page, risk_filter, project_id=project.id)
    return page.page(rows, RiskPage)


@router.get("/v1/risks")
async def list_risks(
    session: SessionDep,
    caller: ProjectsReader,
    page: SyncPages,
    risk_filter: RiskFilterDep,
    project_id: Annotated[UUID | None, Query(description="Only this project's risks.")] = None,
) -> RiskPage:
    """List the risks of every project of the organization, oldest first."""
    rows = await service.list_risks(session, caller, page, risk_filter, project_id=project_id)
    return page.page(rows, RiskPage)


@router.get("/v1/risks/{risk_id}", responses=NOT_MODIFIED)
async def get_risk(risk: ReadableRisk) -> RiskPublic:
    """Read one risk."""
    return RiskPublic.model_validate(risk)


@router.patch("/v1/risks/{risk_id}", responses=problem_responses(409))
async def update_risk(
    session: SessionDep,
    caller: ProjectsWriter,
    risk: RiskToChange,
    body: RiskUpdate,
) -> RiskPublic:
    """Change a risk (JSON merge patch); a closed risk is reopened by setting `status: open`."""
    risk = await service.update_risk(session, caller, risk, body)
    return RiskPublic.model_validate(risk)


@router.delete(
    "/v1/risks/{risk_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(409)
)
async def delete_risk(session: SessionDep, risk: RiskToChange) -> None:
    """Delete a risk and its history (to keep it on record, close it instead)."""
    await service.delete_risk(session, risk)


@router.get("/v1/risks/{risk_id}/history")
async def list_risk_history(
    risk: ReadableRisk, session: SessionDep, page: PageDep
) -> RiskChangePage:
    """List the changes of a risk's probability, impact or status, oldest first."""
    rows = await service.list_risk_history(session, risk, page)
    return page.page(rows, RiskChangePage)
