"""Projects: the delivery of what was sold."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_by, owned_select
from app.core.writes import assign, new_values, referenced
from app.models import Customer, Health, Member, Phase, Project
from app.models.base import utcnow
from app.projects.changes import (
    settle_changed_projects as settle_changed_projects,  # registered before every commit
)
from app.projects.holds import hold_project, note_held
from app.projects.lifecycle import ARCHIVED, ensure_active, refresh_health
from app.projects.lifecycle import (
    ProjectArchived as ProjectArchived,  # re-exported for sub-resources
)
from app.projects.schemas import ProjectCreate, ProjectUpdate


class ProjectNotFound(NotFound):
    subject = "project"


_REFERENCES: dict[str, type[Customer] | type[Member]] = {
    "customer_id": Customer,
    "sales_owner_id": Member,
    "project_manager_id": Member,
}


async def get_project(session: AsyncSession, caller: Caller, project_id: UUID) -> Project:
    return await get_owned(session, caller, Project, project_id, ProjectNotFound)


async def get_project_to_change(session: AsyncSession, caller: Caller, project_id: UUID) -> Project:
    """The project, locked until commit and read once locked, for a write of the project
    itself (a rename, an archive, a phase move, its RACI matrix) or of its parts (a new risk).
    A concurrent writer of the project is waited for, and the write's checks see what it left:
    a change is made on top of the project's new version, instead of finding its version stale
    at the UPDATE, and a part added while the project was archived is refused as on an archived
    project (409), instead of settling finding the project changed under its checks (a 412 to a
    client that sent no `If-Match`). It is the order every write keeps, the project before its
    parts (app/projects/holds.py)."""
    project = await get_owned(session, caller, Project, project_id, ProjectNotFound, lock=True)
    note_held(session, project.id, read=True)
    return project


async def project_version(session: AsyncSession, caller: Caller, project_id: UUID) -> int:
    """The project's version alone (its ETag), or 404: all a poll needs to answer 304."""
    found = await session.exec(
        select(Project.version).where(Project.id == project_id, owned_by(Project, caller))
    )
    version = found.first()
    if version is None:
        raise ProjectNotFound(f"No {ProjectNotFound.subject} with that id in your organization.")
    return version


async def list_projects(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    phase: Phase | None = None,
    health: Health | None = None,
    customer_id: UUID | None = None,
    project_manager_id: UUID | None = None,
    updated_since: datetime | None = None,
    archived: bool = False,
) -> Sequence[Project]:
    statement = where_given(
        owned_select(Project, caller),
        {
            Project.phase: phase,
            Project.health: health,
            Project.customer_id: customer_id,
            Project.project_manager_id: project_manager_id,
        },
        at_least={Project.updated_at: updated_since},
    )
    archived_at = Project.archived_at
    statement = statement.where(archived_at.is_not(None) if archived else archived_at.is_(None))  # type: ignore[union-attr]
    return (await session.exec(page.keyset(statement, Project.id))).all()


async def _check_references(session: AsyncSession, caller: Caller, values: dict[str, Any]) -> None:
    """Customer and people must belong to the caller's organization (422 naming the field)."""
    problems = []
    for field, model in _REFERENCES.items():
        named = values.get(field)
        if named is None:
            continue
        found = await session.exec(
            referenced(select(model.id).where(model.id == named, owned_by(model, caller)))
        )
        if found.first() is None:
            problems.append(
                FieldProblem(
                    loc=["body", field],
                    message="No such id in your organization.",
                    type="unknown_reference",
                )
            )
    if problems:
        raise InvalidInput("The project refers to something that does not exist.", errors=problems)


_COLUMNS_OF = {"budget": ("budget_amount", "budget_currency")}


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """Request fields → columns (the budget object is two columns)."""
    values = dict(values)
    if "budget" in values:
        budget = values.pop("budget")
        values["budget_amount"] = budget["amount"] if budget else None
        values["budget_currency"] = budget["currency"] if budget else None
    return values


async def create_project(session: AsyncSession, caller: Caller, data: ProjectCreate) -> Project:
    values = data.model_dump()
    await _check_references(session, caller, values)
    project = Project(organization_id=caller.organization_id, **_columns(values))
    session.add(project)
    await session.flush()
    await record_change(session, "project.created", project, data.model_dump(mode="json"))
    return project


def _check_override(project: Project, changes: dict[str, Any]) -> None:
    """An override needs a reason; clearing the override clears its reason."""
    if "health_override" in changes and changes["health_override"] is None:
        changes["health_override_reason"] = None
    override = changes.get("health_override", project.health_override)
    reason = changes.get("health_override_reason", project.health_override_reason)
    if (override is None) != (reason is None):
        raise InvalidInput(
            "A health override and its reason go together.",
            errors=[
                FieldProblem(
                    loc=["body", "health_override_reason"],
                    message="required with health_override (and only with it)",
                    type="missing",
                )
            ],
        )


async def update_project(
    session: AsyncSession, caller: Caller, project: Project, data: ProjectUpdate
) -> Project:
    """Archived projects are read-only; dates must stay in order after the change."""
    ensure_active(project)
    changes = data.changes()
    _check_override(project, changes)
    await _check_references(session, caller, changes)
    start = changes.get("start_date", project.start_date)
    end = changes.get("target_end_date", project.target_end_date)
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            "target_end_date must not be before start_date.",
            errors=[
                FieldProblem(
                    loc=["body", "target_end_date"], message="before start_date", type="date_order"
                )
            ],
        )
    sent = data.model_dump(mode="json", exclude_unset=True)
    sent.update({field: None for field in changes if field not in sent})  # cleared with another
    columns = _columns(changes)
    altered = new_values(project, columns)
    if not altered:
        return project  # nothing changes: no new version, no event
    assign(project, altered)
    await session.flush()
    reported = {
        field: value
        for field, value in sent.items()
        if altered.keys() & set(_COLUMNS_OF.get(field, (field,)))
    }
    await record_change(session, "project.updated", project, reported)
    await refresh_health(session, project)
    return project


class PartOfProject(Protocol):
    project_id: UUID


async def active_project_of(
    session: AsyncSession, part: PartOfProject, detail: str = ARCHIVED
) -> Project:
    """The project a part of it (a meeting, an action item…) belongs to, held before the part
    is written (app/projects/holds.py), which must not be archived (409) for the part to
    change; `detail` may name the part."""
    project = await hold_project(session, part.project_id)
    ensure_active(project, detail)
    return project


async def archive_project(session: AsyncSession, project: Project) -> None:
    """Projects are archived, not deleted: their history stays. Archiving twice is harmless."""
    if project.archived_at is None:
        project.archived_at = utcnow()
        await session.flush()
        await record_change(
            session, "project.archived", project, {"archived_at": project.archived_at}
        )
