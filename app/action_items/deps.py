"""Load an action item of the caller's organization, or 404; the filters of its lists."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from app.action_items import service
from app.action_items.schemas import ActionItemFilter
from app.core.deps import SessionDep
from app.core.moments import UpdatedSince
from app.members.service import get_member
from app.models import ActionItem, ActionItemStatus, Member
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _readable(
    session: SessionDep, caller: ProjectsReader, action_item_id: UUID
) -> ActionItem:
    return await service.get_action_item(session, caller, action_item_id)


async def _writable(
    session: SessionDep, caller: ProjectsWriter, action_item_id: UUID
) -> ActionItem:
    return await service.get_action_item(session, caller, action_item_id)


async def _owner(session: SessionDep, caller: ProjectsReader, member_id: UUID) -> Member:
    return await get_member(session, caller, member_id)


def _filter(
    status: Annotated[
        ActionItemStatus | None, Query(description="`open` for what is still owed.")
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="`true`: open and past the due date; `false`: the others.")
    ] = None,
    updated_since: UpdatedSince = None,
) -> ActionItemFilter:
    return ActionItemFilter(status=status, overdue=overdue, updated_since=updated_since)


ReadableActionItem = Annotated[ActionItem, Depends(_readable)]
WritableActionItem = Annotated[ActionItem, Depends(_writable)]
ItemOwner = Annotated[Member, Depends(_owner)]
ActionItemFilterDep = Annotated[ActionItemFilter, Depends(_filter)]
