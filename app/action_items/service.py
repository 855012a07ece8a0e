"""Action items: owned by a member, due on a date, linked to where they were promised."""

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import and_, not_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.action_items.schemas import (
    ActionItemCreate,
    ActionItemFilter,
    ActionItemPublic,
    ActionItemUpdate,
    SourceInput,
)
from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, project_select
from app.core.writes import assign, new_values
from app.members.service import require_members
from app.models import (
    ActionItem,
    ActionItemSource,
    ActionItemStatus,
    Feedback,
    Meeting,
    MeetingKind,
    Member,
    Project,
    ReportKind,
    Risk,
    StatusReport,
)
from app.models.base import today, utcnow
from app.projects.lifecycle import ensure_active
from app.projects.service import active_project_of

OPEN = ActionItemStatus.open
RETROSPECTIVE_MEETINGS = frozenset({MeetingKind.retrospective, MeetingKind.post_project_review})
RETROSPECTIVE_REPORTS = frozenset({ReportKind.retrospective, ReportKind.post_project_review})
_LINKS = ("meeting_id", "feedback_id", "risk_id", "status_report_id")
_HREFS = {
    "meeting_id": "/v1/meetings/{}",
    "feedback_id": "/v1/feedback/{}",
    "risk_id": "/v1/risks/{}",
    "status_report_id": "/v1/status-reports/{}",
}


class ActionItemNotFound(NotFound):
    subject = "action item"


def is_overdue(item: ActionItem, on: date) -> bool:
    return item.status == OPEN and item.due_date is not None and item.due_date < on


def present(item: ActionItem, on: date | None = None) -> ActionItemPublic:
    link = next((field for field in _LINKS if getattr(item, field) is not None), None)
    source = None
    if item.source is not None and link is not None:
        target = getattr(item, link)
        source = {"type": item.source, "id": target, "href": _HREFS[link].format(target)}
    return ActionItemPublic.model_validate(
        {**item.model_dump(), "overdue": is_overdue(item, on or today()), "source": source}
    )


async def get_action_item(session: AsyncSession, caller: Caller, item_id: UUID) -> ActionItem:
    return await get_owned(session, caller, ActionItem, item_id, ActionItemNotFound)


def _filtered(statement: Any, item_filter: ActionItemFilter) -> Any:
    statement = where_given(
        statement,
        {ActionItem.status: item_filter.status},
        at_least={ActionItem.updated_at: item_filter.updated_since},
    )
    if item_filter.overdue is not None:
        late = and_(
            col(ActionItem.status) == OPEN,
            col(ActionItem.due_date).is_not(None),
            col(ActionItem.due_date) < today(),
        )
        statement = statement.where(late if item_filter.overdue else not_(late))
    return statement


async def _page(session: AsyncSession, page: PageParams, statement: Any) -> Sequence[ActionItem]:
    found = await session.exec(page.keyset(statement, col(ActionItem.id)))
    rows: Sequence[ActionItem] = found.all()
    return rows


async def list_project_items(
    session: AsyncSession, project: Project, page: PageParams, item_filter: ActionItemFilter
) -> Sequence[ActionItem]:
    statement = project_select(ActionItem, project)
    return await _page(session, page, _filtered(statement, item_filter))


async def list_member_items(
    session: AsyncSession, member: Member, page: PageParams, item_filter: ActionItemFilter
) -> Sequence[ActionItem]:
    """What the member owes, across every project of the organization."""
    statement = select(ActionItem).where(
        ActionItem.organization_id == member.organization_id, ActionItem.owner_id == member.id
    )
    return await _page(session, page, _filtered(statement, item_filter))


def _unknown_source(message: str) -> InvalidInput:
    return InvalidInput(
        message,
        errors=[
            FieldProblem(loc=["body", "source", "id"], message=message, type="unknown_reference")
        ],
    )


async def _source_link(
    session: AsyncSession, project: Project, source: SourceInput | None
) -> dict[str, Any]:
    """The source's columns: its kind and the one link to it, which must be of this project."""
    links: dict[str, Any] = dict.fromkeys(_LINKS)
    if source is None:
        return {"source": None, **links}
    sources: dict[ActionItemSource, list[tuple[str, Any, frozenset[Any] | None]]] = {
        ActionItemSource.meeting: [("meeting_id", Meeting, None)],
        ActionItemSource.feedback: [("feedback_id", Feedback, None)],
        ActionItemSource.risk: [("risk_id", Risk, None)],
        ActionItemSource.status_report: [("status_report_id", StatusReport, None)],
        ActionItemSource.retrospective: [
            ("meeting_id", Meeting, RETROSPECTIVE_MEETINGS),
            ("status_report_id", StatusReport, RETROSPECTIVE_REPORTS),
        ],
    }
    for field, model, kinds in sources[source.type]:
        found = await session.get(model, source.id)
        if found is None or found.project_id != project.id:
            continue
        if kinds is not None and found.kind not in kinds:
            raise _unknown_source(
                "A retrospective source is a retrospective or post-project review."
            )
        return {**links, "source": source.type, field: source.id}
    raise _unknown_source(f"No {source.type.replace('_', ' ')} with that id in this project.")


async def create_action_item(
    session: AsyncSession, caller: Caller, project: Project, data: ActionItemCreate
) -> ActionItem:
    """An open action item owed by a member. Records `action_item.created`."""
    ensure_active(project)
    await require_members(session, caller, {"owner_id": data.owner_id})
    link = await _source_link(session, project, data.source)
    item = ActionItem(
        organization_id=caller.organization_id,
        project_id=project.id,
        **data.model_dump(exclude={"source"}),
        **link,
    )
    session.add(item)
    await session.flush()
    await record_change(
        session,
        "action_item.created",
        item,
        {
            "title": item.title,
            "owner_id": item.owner_id,
            "due_date": item.due_date,
            "source": item.source,
            "source_id": next((link[field] for field in _LINKS if link[field]), None),
        },
    )
    return item


async def update_action_item(
    session: AsyncSession, caller: Caller, item: ActionItem, data: ActionItemUpdate
) -> ActionItem:
    """Apply a merge patch. Done or dropped stamps `completed_at`, reopening clears it; becoming
    done records `action_item.completed`."""
    project = await active_project_of(session, item)
    changes: dict[str, Any] = data.changes()
    if "owner_id" in changes:
        await require_members(session, caller, {"owner_id": changes["owner_id"]})
    if "source" in changes:
        changes.pop("source")
        changes.update(await _source_link(session, project, data.source))
    changes = new_values(item, changes)
    if not changes:
        return item
    completed = changes.get("status") == ActionItemStatus.done
    if "status" in changes:
        changes["completed_at"] = None if changes["status"] == OPEN else utcnow()
    assign(item, changes)
    await session.flush()
    if completed:
        await record_change(
            session,
            "action_item.completed",
            item,
            {"title": item.title, "owner_id": item.owner_id, "completed_at": item.completed_at},
        )
    return item


async def delete_action_item(session: AsyncSession, item: ActionItem) -> None:
    await active_project_of(session, item)
    await session.delete(item)
    await session.flush()
