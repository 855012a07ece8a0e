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


async def hold_project(session: AsyncSession, project_id: UUID) -> None:
    """Lock the project before this transaction locks one of its parts (app/projects/holds.py)."""
    await session.run_sync(hold, [project_id])


def note_held(session: AsyncSession, project_id: UUID) -> None:
    """Note a project this transaction has locked another way (its own change, its new
    version), so that its parts' writes do not lock it again."""
    session.info.setdefault(_HELD, set()).add(project_id)


@sqlalchemy_event.listens_for(Session, "after_transaction_end")
def _forget_holds(session: Session, transaction: Any) -> None:
    # At the end of the session's transaction, or of a savepoint (rolled back, it releases the
    # locks taken inside it); not of the inner transaction each flush runs in.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_HELD, None)
