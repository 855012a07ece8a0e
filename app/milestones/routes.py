"""Milestones: what is due when, and what depends on what."""

from typing import Annotated

from fastapi import Header, Query, Response, status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep, WriteCheckDep, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.moments import UpdatedSince
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.gantt.service import SVG_MEDIA_TYPE, prefers_svg, project_gantt
from app.milestones import service, timeline
from app.milestones.deps import MilestoneToChange, ReadableMilestone
from app.milestones.schemas import (
    MilestoneCreate,
    MilestonePage,
    MilestonePublic,
    MilestoneUpdate,
    ProjectTimeline,
)
from app.models import MilestoneStatus
from app.models.base import today
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject

SyncPages = Annotated[SyncPageParams, sync_pages("milestones", deletions=True)]

router = api_router("milestones")


@router.post(
    "/v1/projects/{project_id}/milestones",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_milestone(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: MilestoneCreate,
    response: Response,
) -> MilestonePublic:
    """Add a milestone to a project (409 if the project is archived)."""
    milestone = await service.create_milestone(session, caller, project, body)
    set_etag(response, milestone.version, as_of=today())
    return milestone


@router.get("/v1/projects/{project_id}/milestones")
async def list_milestones(
    session: SessionDep,
    project: ReadableProject,
    page: SyncPages,
    status: MilestoneStatus | None = None,
    overdue: Annotated[
        bool | None, Query(description="Only overdue (or, with false, only not overdue) ones.")
    ] = None,
    customer_visible: bool | None = None,
    updated_since: UpdatedSince = None,
) -> MilestonePage:
    """List a project's milestones, oldest first."""
    rows = await service.list_milestones(
        session,
        project,
        page,
        status=status,
        overdue=overdue,
        customer_visible=customer_visible,
        updated_since=updated_since,
    )
    return page.page(rows, MilestonePage)


@router.get(
    "/v1/projects/{project_id}/timeline",
    response_model=ProjectTimeline,
    responses={
        200: {
            "description": "JSON, or with `Accept: image/svg+xml` the Gantt chart as SVG: "
            "bars, dependency arrows, the critical path, a line for today; done, late, in "
            "progress and upcoming bars differ by pattern and label, not by colour alone.",
            "content": {SVG_MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **NOT_MODIFIED,
    },
)
async def get_project_timeline(
    session: SessionDep,
    project: ReadableProject,
    cache: CacheCheckDep,
    response: Response,
    accept: Annotated[str | None, Header(max_length=1024)] = None,
) -> ProjectTimeline | Response:
    """Read a project's milestones as a Gantt chart, with its critical path."""
    response.headers["Vary"] = "Accept"
    if prefers_svg(accept):
        # The chart marks today and what is late by today: its copy expires at midnight UTC.
        cache.respond(project.version, as_of=today())
        chart = await project_gantt(session, project, today())
        headers = {name: response.headers[name] for name in ("ETag", "Vary")}
        return Response(chart, media_type=SVG_MEDIA_TYPE, headers=headers)
    cache.respond(project.version)
    return await timeline.project_timeline(session, project)


@router.get("/v1/milestones/{milestone_id}", responses=NOT_MODIFIED)
async def get_milestone(
    session: SessionDep, milestone: ReadableMilestone, cache: CacheCheckDep
) -> MilestonePublic:
    """Read one milestone."""
    cache.respond(milestone.version, as_of=today())  # `overdue` and `slip_days` age daily
    return await service.describe_milestone(session, milestone)


@router.patch("/v1/milestones/{milestone_id}", responses=problem_responses(409))
async def update_milestone(
    session: SessionDep,
    caller: ProjectsWriter,
    milestone: MilestoneToChange,
    body: MilestoneUpdate,
    precondition: WriteCheckDep,
) -> MilestonePublic:
    """Change a milestone (JSON merge patch; `depends_on` replaces the set)."""
    changed = await service.update_milestone(session, caller, milestone, body)
    precondition.tag(changed.version, as_of=today())
    return changed


@router.delete(
    "/v1/milestones/{milestone_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_milestone(
    session: SessionDep,
    caller: ProjectsWriter,
    milestone: MilestoneToChange,
) -> None:
    """Remove a milestone; milestones that depended on it no longer do."""
    await service.delete_milestone(session, caller, milestone)
