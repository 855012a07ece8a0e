"""Action items: `/v1/projects/{project_id}/action-items`, `/v1/action-items/{action_item_id}`,
and what a member owes, `/v1/members/{member_id}/action-items`."""

from typing import Annotated

from fastapi import Response, status

from app.action_items import service
from app.action_items.deps import (
    ActionItemFilterDep,
    ActionItemToChange,
    ItemOwner,
    ReadableActionItem,
)
from app.action_items.schemas import (
    ActionItemCreate,
    ActionItemPage,
    ActionItemPublic,
    ActionItemUpdate,
)
from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep, WriteCheckDep, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.models.base import today
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject

SyncPages = Annotated[SyncPageParams, sync_pages("action_items", deletions=True)]

router = api_router("action-items")


@router.post(
    "/v1/projects/{project_id}/action-items",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_action_item(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: ActionItemCreate,
    response: Response,
) -> ActionItemPublic:
    """Record something a member owes, and where it was promised."""
    item = await service.create_action_item(session, caller, project, body)
    set_etag(response, item.version, as_of=today())
    return service.present(item)


@router.get("/v1/projects/{project_id}/action-items")
async def list_action_items(
    session: SessionDep,
    project: ReadableProject,
    page: SyncPages,
    item_filter: ActionItemFilterDep,
) -> ActionItemPage:
    """List a project's action items, oldest first."""
    rows = await service.list_project_items(session, project, page, item_filter)
    on = today()
    return page.page([service.present(row, on) for row in rows], ActionItemPage, read=rows)


@router.get("/v1/members/{member_id}/action-items")
async def list_member_action_items(
    session: SessionDep,
    member: ItemOwner,
    page: SyncPages,
    item_filter: ActionItemFilterDep,
) -> ActionItemPage:
    """What a member owes across all projects (`?status=open`), oldest first."""
    rows = await service.list_member_items(session, member, page, item_filter)
    on = today()
    return page.page([service.present(row, on) for row in rows], ActionItemPage, read=rows)


@router.get("/v1/action-items/{action_item_id}", responses=NOT_MODIFIED)
async def get_action_item(item: ReadableActionItem, cache: CacheCheckDep) -> ActionItemPublic:
    """Read one action item; `overdue` is derived from today's date."""
    on = today()
    cache.respond(item.version, as_of=on)
    return service.present(item, on)


@router.patch("/v1/action-items/{action_item_id}", responses=problem_responses(409))
async def update_action_item(
    session: SessionDep,
    caller: ProjectsWriter,
    item: ActionItemToChange,
    body: ActionItemUpdate,
    precondition: WriteCheckDep,
) -> ActionItemPublic:
    """Change an action item, or mark it done or dropped (JSON merge patch)."""
    item = await service.update_action_item(session, caller, item, body)
    on = today()
    precondition.tag(item.version, as_of=on)
    return service.present(item, on)


@router.delete(
    "/v1/action-items/{action_item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_action_item(session: SessionDep, item: ActionItemToChange) -> None:
    """Delete an action item (to keep it on record, drop it instead)."""
    await service.delete_action_item(session, item)
