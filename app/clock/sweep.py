"""The sweep: raises the events of time crossings no request causes.

- `milestone.missed`: an open milestone's due date has passed;
- `action_item.overdue`: an open action item's due date has passed;
- `customer_task.overdue`: an open customer task's due date has passed;
- `risk.review_overdue`: an open or mitigating risk's review date has passed;
- `meeting.upcoming`: a planned meeting, or an occurrence of a cadence, starts within
  `HANDOVER_MEETING_UPCOMING_MINUTES`;
- `kpi.missed` and `kpi.at_risk`: KPI targets (of projects and of the organization) are
  re-evaluated when their due date has passed unmet, and when no write has touched them for
  `HANDOVER_KPI_REFRESH_MINUTES` (`kpi.missed` claims the same once-per-due-date key as a write);
- no event, but work only time makes: status documents kept for an earlier day are built for the
  new one, a batch a sweep, so the first poll after midnight finds its document.

Each crossing is claimed by a unique key (aggregate, event type, the date or start crossed) with
insert-or-nothing, and only the transaction whose insert took effect records the event: several
sweeps at once (workers, replicas) raise it once. The sweep looks at state, not at the time it
last ran: after downtime it raises every date crossed within `HANDOVER_CLOCK_CATCH_UP_DAYS`. A
meeting that started while no sweep ran is no longer upcoming and stays silent. Archived
projects raise nothing.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy import String, Table, and_, cast, exists, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.clock.crossings import claim_crossing, crossing_key
from app.core import sync
from app.core.outbox import record_change
from app.core.writes import referenced
from app.db import Database, upsert
from app.kpis import service as kpis
from app.meetings import recurrence
from app.meetings.recurrence import HORIZON
from app.models import (
    ActionItem,
    ActionItemStatus,
    CadenceNextCheck,
    ClockCrossing,
    CustomerTask,
    CustomerTaskStatus,
    Meeting,
    MeetingCadence,
    Milestone,
    MilestoneStatus,
    Project,
    Risk,
    RiskStatus,
)
from app.models.base import utcnow
from app.models.kpi import Kpi, KpiStatus
from app.models.meeting import PLANNED_STATUSES
from app.projects.status import rebuild_for_the_day
from app.settings import Settings

logger = structlog.get_logger("handover.clock")

BATCH = 200
NOTED = ("cadence_version", "check_after")
NOTES_A_STATEMENT = 1_000  # rows of one INSERT: within both databases' limit of parameters
OPEN_MILESTONES = (MilestoneStatus.planned, MilestoneStatus.in_progress)
OPEN_RISKS = (RiskStatus.open, RiskStatus.mitigating)


@dataclass(frozen=True)
class Moment:
    """When the sweep runs, and what it looks at."""

    now: datetime
    today: date
    since: date  # the oldest date crossing still raised
    upcoming_until: datetime
    kpis_stale_before: datetime


def _not_raised(event_type: str, aggregate_id: Any, moment: Any) -> Any:
    """No crossing of `event_type` at the `moment` column's date yet (the key's text is the
    ISO date, which both databases produce by casting a DATE to text)."""
    return ~exists().where(
        col(ClockCrossing.aggregate_id) == aggregate_id,
        col(ClockCrossing.event_type) == event_type,
        col(ClockCrossing.crossing) == cast(moment, String),
    )


def _active_project(project_id: Any) -> Any:
    return exists().where(col(Project.id) == project_id, col(Project.archived_at).is_(None))


async def _raise(
    session: AsyncSession,
    aggregate: Any,
    event_type: str,
    moment: date | datetime,
    data: dict[str, Any],
    aggregate_type: str | None = None,
) -> bool:
    claimed = await claim_crossing(
        session,
        organization_id=aggregate.organization_id,
        aggregate_id=aggregate.id,
        event_type=event_type,
        moment=moment,
    )
    if claimed:
        await record_change(session, event_type, aggregate, data, aggregate_type=aggregate_type)
    return claimed


@dataclass(frozen=True)
class DateCrossing:
    """A date column whose passing raises `event_type` for rows in one of `statuses`."""

    event_type: str
    model: Any
    moment: str  # the date column's name
    statuses: tuple[Any, ...]
    data: Callable[[Any], dict[str, Any]]

    async def __call__(self, session: AsyncSession, at: Moment) -> tuple[int, int]:
        """Claim a batch of rows whose date passed within the catch-up window: the number of
        rows looked at and of events raised."""
        model, moment = self.model, getattr(self.model, self.moment)
        rows = await session.exec(
            select(model)
            .where(
                col(model.status).in_(self.statuses),
                col(moment) < at.today,
                col(moment) >= at.since,
                _active_project(model.project_id),
                _not_raised(self.event_type, model.id, moment),
            )
            .order_by(col(model.id))
            .limit(BATCH)
        )
        found = list(rows)
        raised = 0
        for row in found:
            crossed = getattr(row, self.moment)
            raised += await _raise(session, row, self.event_type, crossed, self.data(row))
        return len(found), raised


missed_milestones = DateCrossing(
    "milestone.missed",
    Milestone,
    "due_date",
    OPEN_MILESTONES,
    lambda milestone: {
        "due_date": milestone.due_date,
        "baseline_due_date": milestone.baseline_due_date,
    },
)
overdue_action_items = DateCrossing(
    "action_item.overdue",
    ActionItem,
    "due_date",
    (ActionItemStatus.open,),
    lambda item: {"title": item.title, "owner_id": item.owner_id, "due_date": item.due_date},
)
overdue_customer_tasks = DateCrossing(
    "customer_task.overdue",
    CustomerTask,
    "due_date",
    (CustomerTaskStatus.open,),
    lambda task: {
        "title": task.title,
        "milestone_id": task.milestone_id,
        "due_date": task.due_date,
    },
)
overdue_risk_reviews = DateCrossing(
    "risk.review_overdue",
    Risk,
    "review_date",
    OPEN_RISKS,
    lambda risk: {
        "title": risk.title,
        "owner_id": risk.owner_id,
        "review_date": risk.review_date,
        "score": risk.score,
    },
)


def _meeting_data(kind: Any, title: str, starts_at: datetime, time_zone: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": title,
        "starts_at": starts_at,
        "local_starts_at": recurrence.local(starts_at, time_zone),
        "time_zone": time_zone,
    }


async def upcoming_meetings(session: AsyncSession, at: Moment) -> tuple[int, int]:
    """Planned meetings and cadence occurrences starting in (now, now + lead]; those already
    raised are skipped after one query for their keys."""
    meetings = list(
        await session.exec(
            select(Meeting).where(
                col(Meeting.status).in_(PLANNED_STATUSES),
                col(Meeting.starts_at) > at.now,
                col(Meeting.starts_at) <= at.upcoming_until,
                _active_project(Meeting.project_id),
            )
        )
    )
    cadences = await _due_cadences(session, at)
    candidates: list[tuple[Any, datetime, str, dict[str, Any]]] = [
        (
            meeting,
            meeting.starts_at,
            "meeting",
            _meeting_data(meeting.kind, meeting.title, meeting.starts_at, meeting.time_zone),
        )
        for meeting in meetings
    ]
    if cadences:
        standing_for = await session.exec(
            select(Meeting.cadence_id, Meeting.occurrence_starts_at).where(
                col(Meeting.cadence_id).in_([cadence.id for cadence in cadences]),
                col(Meeting.occurrence_starts_at) > at.now,
                col(Meeting.occurrence_starts_at) <= at.upcoming_until,
            )
        )
        taken = set(standing_for.all())
        expanded = [(cadence, *_window_and_next(cadence, at)) for cadence in cadences]
        noted = await _note_next_checks(
            session,
            [
                {
                    "cadence_id": cadence.id,
                    "cadence_version": cadence.version,
                    "check_after": _look_again(cadence, in_window, check_after, taken),
                }
                for cadence, in_window, check_after in expanded
            ],
        )
        for cadence, in_window, _ in expanded:
            if cadence.id not in noted:
                continue  # deleted since it was read: none of its occurrences will happen
            for start in in_window:
                if (cadence.id, start) not in taken:
                    data = _meeting_data(cadence.kind, cadence.title, start, cadence.time_zone)
                    candidates.append((cadence, start, "cadence", data))
    if not candidates:
        return 0, 0
    known = await session.exec(
        select(ClockCrossing.aggregate_id, ClockCrossing.crossing).where(
            col(ClockCrossing.aggregate_id).in_({aggregate.id for aggregate, *_ in candidates}),
            ClockCrossing.event_type == "meeting.upcoming",
        )
    )
    raised_before = set(known.all())
    raised = 0
    for aggregate, start, kind, data in candidates:
        if (aggregate.id, crossing_key(start)) in raised_before:
            continue
        raised += await _raise(session, aggregate, "meeting.upcoming", start, data, kind)
    return 0, raised  # never more than one window's worth: no second batch


async def _due_cadences(session: AsyncSession, at: Moment) -> list[MeetingCadence]:
    """The cadences of active projects that may start within the window: those whose next
    occurrence the window has reached, those changed since the clock looked, and those it has
    never looked at. The others cannot start before their noted next check."""
    checked = CadenceNextCheck
    rows = await session.exec(
        select(MeetingCadence)
        .outerjoin(checked, col(checked.cadence_id) == col(MeetingCadence.id))
        .where(
            _active_project(MeetingCadence.project_id),
            or_(
                col(checked.cadence_id).is_(None),
                col(checked.cadence_version) != col(MeetingCadence.version),
                col(checked.check_after) <= at.upcoming_until,
            ),
        )
        .order_by(col(MeetingCadence.id))  # concurrent sweeps note their checks in one order
    )
    return list(rows)


def _window_and_next(cadence: MeetingCadence, at: Moment) -> tuple[list[datetime], datetime]:
    """The cadence's occurrences in (now, now + lead], and when the clock must expand it again:
    its first occurrence after the window, or the horizon when none comes before it. One walk
    of the rule, stopped at that first occurrence."""
    in_window: list[datetime] = []
    walk = recurrence.walk(
        cadence.rule, cadence.starts_at, cadence.time_zone, at.now, at.now + HORIZON
    )
    for start in walk:
        if start > at.upcoming_until:
            return in_window, start
        if start > at.now:
            in_window.append(start)
    return in_window, at.upcoming_until + HORIZON


def _look_again(
    cadence: MeetingCadence,
    in_window: list[datetime],
    check_after: datetime,
    taken: set[tuple[UUID | None, datetime | None]],
) -> datetime:
    """When the clock expands the cadence again: at its next occurrence after the window, or,
    while a meeting stands for one in the window, at that occurrence. The meeting may be
    deleted before it starts, and the occurrence is then the cadence's again and is raised;
    a check noted past it would leave it silent. Cancelling the meeting keeps it standing in:
    the occurrence is cancelled."""
    stood_for = [start for start in in_window if (cadence.id, start) in taken]
    return min([check_after, *stood_for])


async def _note_next_checks(session: AsyncSession, rows: list[dict[str, Any]]) -> set[UUID]:
    """Note each expanded cadence's next check with the version that was read, so that a
    change meanwhile is looked at by the next sweep. Concurrent sweeps note the same.

    A cadence deleted since it was read is left out, instead of its note failing on the
    foreign key and with it the whole round: the cadences are first kept until commit (FOR KEY
    SHARE, the lock the note's foreign key takes anyway, so a deletion waits no longer than
    before). The ids noted, that is of the cadences still there."""
    table: Table = CadenceNextCheck.__table__  # type: ignore[attr-defined]
    noted: set[UUID] = set()
    for first in range(0, len(rows), NOTES_A_STATEMENT):
        chunk = rows[first : first + NOTES_A_STATEMENT]
        still_there = await session.exec(
            referenced(
                select(MeetingCadence.id)
                .where(col(MeetingCadence.id).in_([row["cadence_id"] for row in chunk]))
                .order_by(col(MeetingCadence.id))  # concurrent sweeps keep them in one order
            )
        )
        kept = set(still_there.all())
        chunk = [row for row in chunk if row["cadence_id"] in kept]
        if not chunk:
            continue
        statement = upsert(session, table, chunk)
        await session.exec(
            statement.on_conflict_do_update(
                index_elements=[table.c.cadence_id],
                set_={name: statement.excluded[name] for name in NOTED},
            )
        )
        noted |= kept
    return noted


async def kpi_targets(session: AsyncSession, at: Moment) -> tuple[int, int]:
    """Re-evaluate a batch of targets that time may have moved: due and not yet judged, or not
    evaluated since `kpis_stale_before`. Rows another sweep holds are skipped (PostgreSQL), and
    each evaluated target is stamped, so the next batch moves on."""
    judged = (KpiStatus.met, KpiStatus.missed)
    stale = col(Kpi.evaluated_at) < at.kpis_stale_before
    due = and_(col(Kpi.due_date) < at.today, col(Kpi.status).not_in(judged))
    rows = await session.exec(
        select(Kpi)
        .where(
            or_(stale, due),
            or_(col(Kpi.project_id).is_(None), _active_project(Kpi.project_id)),
        )
        .order_by(col(Kpi.id))
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    found = list(rows)
    raised = 0
    for kpi in found:
        raised += await kpis.evaluate(session, kpi, on=at.today)
        kpi.evaluated_at = at.now
    await session.flush()
    return len(found), raised


async def status_documents(session: AsyncSession, at: Moment) -> tuple[int, int]:
    """One batch a sweep of status documents built for the new day (they raise nothing, so the
    sweep moves on to the next condition after one batch: the day's rebuild is spread out)."""
    return await rebuild_for_the_day(session, at.today, BATCH), 0


Condition = Callable[[AsyncSession, Moment], Awaitable[tuple[int, int]]]
CONDITIONS: dict[str, Condition] = {
    "milestone.missed": missed_milestones,
    "action_item.overdue": overdue_action_items,
    "customer_task.overdue": overdue_customer_tasks,
    "risk.review_overdue": overdue_risk_reviews,
    "meeting.upcoming": upcoming_meetings,
    "kpi": kpi_targets,
    "status_document": status_documents,
}


def moment_at(settings: Settings, now: datetime) -> Moment:
    return Moment(
        now=now,
        today=now.date(),
        since=now.date() - timedelta(days=settings.clock_catch_up_days),
        upcoming_until=now + timedelta(minutes=settings.meeting_upcoming_minutes),
        kpis_stale_before=now - timedelta(minutes=settings.kpi_refresh_minutes),
    )


async def sweep(database: Database, now: datetime | None = None) -> dict[str, int]:
    """One sweep over every organization: the number of events raised, by type. Each batch of
    each condition is its own transaction."""
    at = moment_at(database.settings, now or utcnow())
    raised: dict[str, int] = {}
    for event_type, condition in CONDITIONS.items():
        raised[event_type] = 0
        while True:
            async with database.transaction() as session:
                seen, count = await condition(session, at)
            raised[event_type] += count
            if seen < BATCH or count == 0:  # done, or the rest was raised by another sweep
                break
    async with database.transaction() as session:  # no token old enough to need them is taken
        await sync.prune_tombstones(session, database.settings)
    return raised
