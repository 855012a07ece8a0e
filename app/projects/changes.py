"""The project changed: a write to any part of a project gives the project a new version.

A PM tool polling `updated_since`, a client holding the project's ETag and the kept status
document are only right if every change to a milestone, a risk, a meeting… moves its project.
That is a rule of the unit of work, not a step each service remembers (it was `touch_project`,
called by hand 52 times in 15 modules): the session notes the projects whose parts it writes (a
flush listener, which locks each before the flush writes its parts: app/projects/holds.py), and
before the transaction commits `settle_changed_projects` gives each of them a new version and
`updated_at`, re-evaluates its KPIs and refreshes its health — once per project per transaction,
however many parts changed (a deal planned from a template writes a dozen).

`PARTS` says which rows are parts of a project; `CHILD_PARTS`, which rows are parts through a
parent row. A row that names a project but is not a part (its KPI targets, evaluated from it; its
share links and calendar feeds, ways in; its events, the record of changes) is listed with its
reason in `NOT_PARTS`, so that a new table has to be placed (tests/projects/test_changes.py).
"""

from typing import Any
from uuid import UUID

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.writes import claim, locked
from app.db import WRITES, before_commit
from app.kpis.service import evaluate_project_kpis
from app.models import (
    ActionItem,
    Activity,
    Allocation,
    CadenceNextCheck,
    CalendarFeed,
    ChangeRequest,
    ChangeRequestMilestone,
    ChangeRequestTransition,
    CostEntry,
    CrmWriteback,
    CustomerTask,
    Deal,
    Decision,
    Event,
    Feedback,
    HandoffBrief,
    HandoffBriefVersion,
    Kpi,
    Lesson,
    Meeting,
    MeetingAttendee,
    MeetingCadence,
    Milestone,
    MilestoneDependency,
    Project,
    ProjectTransition,
    RaciAssignment,
    Risk,
    RiskChange,
    ShareLink,
    StatusDocument,
    StatusReport,
    SurveyResponse,
)
from app.models.base import utcnow
from app.projects.holds import hold, hold_project, note_held, read_since_held
from app.projects.lifecycle import refresh_health

PARTS: tuple[type[Any], ...] = (
    Milestone,
    Risk,
    Activity,
    Allocation,
    StatusReport,
    Feedback,
    SurveyResponse,
    CostEntry,
    Meeting,
    MeetingCadence,
    ActionItem,
    ChangeRequest,
    CustomerTask,
)
# A part through its parent: (row, the column naming the parent, the parent's model).
CHILD_PARTS: dict[type[Any], tuple[str, type[Any]]] = {
    MilestoneDependency: ("milestone_id", Milestone),
    RaciAssignment: ("activity_id", Activity),
    MeetingAttendee: ("meeting_id", Meeting),
    Decision: ("meeting_id", Meeting),
    ChangeRequestMilestone: ("change_request_id", ChangeRequest),
    ChangeRequestTransition: ("change_request_id", ChangeRequest),
    RiskChange: ("risk_id", Risk),
}
NOT_PARTS: dict[type[Any], str] = {
    Kpi: "evaluated from the project when it changes; a target's own edits version the target",
    Lesson: "what a project taught, kept for later projects; not the project's state",
    ShareLink: "a way in for the customer, not what they see",
    CalendarFeed: "a way in for a calendar application",
    StatusDocument: "kept from the project's version, never a cause of one",
    Event: "the record of a change, not a change",
    Deal: "where the project came from; written by the CRM intake",
    ProjectTransition: "the project's own history, written with the project itself",
    CrmWriteback: "what the CRM deal is owed because the project changed, not a change",
    HandoffBrief: "versioned on its own (its ETag and history); accepting it moves the project "
    "through the kickoff it proposes",
    HandoffBriefVersion: "the brief's history",
    CadenceNextCheck: "the clock's note of when to expand a cadence again, not the cadence",
}

# What a project's parts change, not what it is: a write of its parts moves these only.
_DERIVED = frozenset({"version", "updated_at", "change_position", "health"})
_CHANGED = "handover.project_parts_written"  # in `session.info`: projects `settle` still owes
_CLAIMED = "handover.projects_claimed"  # in `session.info`: projects already given a new version
_READ = "handover.projects_read"  # in `session.info`: the projects a writing session has read


@sqlalchemy_event.listens_for(Project, "load")
def _keep_read(project: Project, context: Any) -> None:
    """Keep each project a writing session reads until its transaction ends. The session's map
    of rows lets go of one no longer used, and a write's checks read the project (active? which
    phase?) before the route returns: settling compares that copy with the project locked, and
    without it a risk added to a project archived meanwhile was kept."""
    if context.session.info.get(WRITES):
        context.session.info.setdefault(_READ, []).append(project)


@sqlalchemy_event.listens_for(Session, "after_transaction_end")
def _let_go_of_read(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the session's transaction, not a flush's inside it
        session.info.pop(_READ, None)


@sqlalchemy_event.listens_for(Session, "before_flush")
def _note_parts_written(session: Session, _context: Any, _instances: Any) -> None:
    """Note the projects whose parts this flush writes, and hold them before it writes
    (app/projects/holds.py: the project before its parts)."""
    projects: set[UUID] = set()
    parents: dict[type[Any], set[UUID]] = {}
    dirty = (row for row in session.dirty if session.is_modified(row))
    for row in (*session.new, *dirty, *session.deleted):
        if isinstance(row, PARTS):
            projects.add(row.project_id)
        elif type(row) in CHILD_PARTS:
            column, parent = CHILD_PARTS[type(row)]
            parents.setdefault(parent, set()).add(getattr(row, column))
    projects |= _projects_of(session, parents)
    hold(session, projects)
    session.info.setdefault(_CHANGED, set()).update(projects)


def _projects_of(session: Session, parents: dict[type[Any], set[UUID]]) -> set[UUID]:
    """The projects of these parent rows: from the rows this session has, then one query per
    kind of parent for the others (the flush has not deleted any of them yet)."""
    projects: set[UUID] = set()
    for parent, ids in parents.items():
        held = (session.identity_map.get(session.identity_key(parent, row_id)) for row_id in ids)
        known = {
            row.id: row.project_id
            for row in (*session.new, *held)
            if isinstance(row, parent) and row.id in ids
        }
        projects.update(known.values())
        if unknown := ids - known.keys():
            statement = select(parent.project_id).where(col(parent.id).in_(unknown))
            projects.update(session.execute(statement).scalars())
    return projects


def _own_state(project: Project) -> tuple[Any, ...]:
    """The project's own fields, as this transaction sees them."""
    return tuple(
        getattr(project, column.key)
        for column in Project.__table__.columns  # type: ignore[attr-defined]
        if column.key not in _DERIVED
    )


async def claim_project(session: AsyncSession, project: Project) -> None:
    """Give the project its new version now, before replacing many of its parts at once
    (`claim`). Settling later re-evaluates the KPIs and health but gives no second version."""
    claimed: set[UUID] = session.info.setdefault(_CLAIMED, set())
    if project.id in claimed:
        return  # one new version per transaction
    await claim(session, project)
    claimed.add(project.id)
    note_held(session, project.id)


@before_commit
async def settle_changed_projects(session: AsyncSession) -> None:
    """Give every project whose parts this transaction wrote its new version, KPIs and health.

    Runs before every commit, and where a caller needs the new version before the end of its
    transaction (the RACI matrix answers with it). Settling writes only projects, KPI targets
    and events, none of them a part, so one round settles; a second is allowed for safety."""
    if not (session.info.get(_CHANGED) or session.new or session.dirty or session.deleted):
        return  # a read, or nothing written since the last settling
    await session.flush()  # rows added but not yet flushed are noted by the flush
    for _ in range(2):
        project_ids = session.info.pop(_CHANGED, None)
        if not project_ids:
            return
        # Locked, and read again once locked: a concurrent writer of the same project's other
        # parts is waited for, and its new version is the one ours builds on. A 412 is for a
        # writer whose checks read the project (phase, archive, budget…) before it changed.
        # A project the write read once it held it (`hold_project`) is current as it is.
        fresh = read_since_held(session) & project_ids
        projects = [await hold_project(session, project_id) for project_id in sorted(fresh)]
        if others := project_ids - fresh:
            read = {
                row.id: _own_state(row)
                for row in session.identity_map.values()
                if isinstance(row, Project) and row.id in others
            }
            statement = select(Project).where(col(Project.id).in_(others))
            found = (await session.exec(locked(statement.order_by(col(Project.id))))).all()
            if any(_own_state(row) != read[row.id] for row in found if row.id in read):
                raise StaleDataError("the project changed while its part was written")
            projects.extend(found)
        claimed = session.info.get(_CLAIMED, set())
        for project in projects:
            if project.id not in claimed:
                project.updated_at = utcnow()
        await session.flush()
        for project in projects:
            await evaluate_project_kpis(session, project)
            await refresh_health(session, project)
        await session.flush()
