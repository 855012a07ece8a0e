"""A project is locked before its parts: the one order in which writes to a project take locks.

Settling (app/projects/changes.py) locks every project whose parts a transaction wrote, and a
change of the project itself locks it first (a phase move re-baselines its milestones, the RACI
matrix rewrites its activities, settling re-evaluates its KPI targets). A write that locked a
part and only then its project could wait for such a change while the change waits for that
part: a deadlock, which PostgreSQL breaks by failing one of the two (a 500). So the project comes
first: the flush that writes a part holds the part's project before it writes, and a write that
locks a part or a KPI target before any flush calls `hold_project` first.
"""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.writes import locked
from app.models import Project

_HELD = "handover.projects_held"  # in `session.info`: the projects this transaction holds
_READ = "handover.projects_read_held"  # and those of them it has read since it held them


def hold(session: Session, project_ids: Iterable[UUID]) -> None:
    """Lock the projects this transaction does not hold yet (FOR NO KEY UPDATE, the lock their
    new version takes), in id order. On SQLite writers take turns, so there is no order to keep."""
    held: set[UUID] = session.info.setdefault(_HELD, set())
    held.update(row.id for row in session.new if isinstance(row, Project))  # no one else sees it
    waiting = sorted(set(project_ids) - held)
    if not waiting or session.get_bind().dialect.name == "sqlite":
        return
    statement = select(Project.id).where(col(Project.id).in_(waiting))
    with session.no_autoflush:  # a pending change of a part is written after, not before
        session.execute(locked(statement.order_by(col(Project.id))))
    held.update(waiting)


async def hold_project(session: AsyncSession, project_id: UUID) -> Project:
    """The project, locked before this transaction locks or writes one of its parts, and read
    once locked: the checks of the write (archived? in which phase?) see what a concurrent
    change of the project left, and refuse as they would have a moment later (a 409), instead of
    settling finding the project changed under them (a 412 to a request that named no version).
    Read once a transaction: while it holds the project, no one else changes it."""
    if project_id in session.info.get(_READ, ()):
        project = await session.get(Project, project_id)
    else:
        found = await session.exec(locked(select(Project).where(col(Project.id) == project_id)))
        project = found.one()
        note_held(session, project_id, read=True)
    assert project is not None  # the foreign key of the part that names it guarantees it
    return project


def read_since_held(session: Session | AsyncSession) -> set[UUID]:
    """The projects this transaction read once it held them: current until it ends."""
    return set(session.info.get(_READ, ()))


def note_held(session: AsyncSession, project_id: UUID, *, read: bool = False) -> None:
    """Note a project this transaction has locked another way (its own change, its new
    version), so that its parts' writes do not lock it again; `read`: and read it once locked,
    so that `hold_project` need not read it again."""
    session.info.setdefault(_HELD, set()).add(project_id)
    if read:
        session.info.setdefault(_READ, set()).add(project_id)


@sqlalchemy_event.listens_for(Session, "after_transaction_end")
def _forget_holds(session: Session, transaction: Any) -> None:
    # At the end of the session's transaction, or of a savepoint (rolled back, it releases the
    # locks taken inside it); not of the inner transaction each flush runs in.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_HELD, None)
        session.info.pop(_READ, None)
