"""Load an action item of the caller's organization, or 404; the filters of its lists."""

from typing import Annotated

from fastapi import Depends, Query

from app.action_items.schemas import ActionItemFilter
from app.action_items.service import get_action_item
from app.core.moments import UpdatedSince
from app.core.path_rows import path_row
from app.members.service import get_member
from app.models import ActionItem, ActionItemStatus, Member
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _filter(
    status: Annotated[
        ActionItemStatus | None, Query(description="`open` for what is still owed.")
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="`true`: open and past the due date; `false`: the others.")
    ] = None,
    updated_since: UpdatedSince = None,
) -> ActionItemFilter:
    return ActionItemFilter(status=status, overdue=overdue, updated_since=updated_since)


ReadableActionItem = Annotated[
    ActionItem, Depends(path_row(get_action_item, "action_item_id", ProjectsReader))
]
ActionItemToChange = Annotated[
    ActionItem, Depends(path_row(get_action_item, "action_item_id", ProjectsWriter, if_match=True))
]
ItemOwner = Annotated[Member, Depends(path_row(get_member, "member_id", ProjectsReader))]
ActionItemFilterDep = Annotated[ActionItemFilter, Depends(_filter)]
