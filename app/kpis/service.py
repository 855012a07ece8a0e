"""KPI targets: create, change, measure, and evaluate them.

A target is evaluated whenever something it depends on is written — its own definition, a
measurement, or (for a project's targets) any change of the project (app/projects/changes.py) —
and the result is stored. Reads are then cheap and their ETags honest, and `kpi.at_risk` and
`kpi.missed` are recorded once each time a target moves into that status.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.clock.crossings import claim_crossing
from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_select
from app.core.writes import assign, new_values
from app.kpis import metrics
from app.kpis.evaluation import Point, status_of, trend_of
from app.kpis.schemas import (
    DEFAULT_UNITS,
    MAX_KPIS_PER_PROJECT,
    KpiCreate,
    KpiFilter,
    KpiLevel,
    KpiMeasurementCreate,
    KpiUpdate,
)
from app.members.service import require_members
from app.models import Project
from app.models.base import today, utcnow
from app.models.kpi import Kpi, KpiMeasurement, KpiMetric, KpiStatus, MeasurementSource
from app.projects.holds import hold_project
from app.projects.lifecycle import ensure_active, refresh_health
from app.projects.room import ensure_room

# Built-in metrics count all history unless `measured_from` says otherwise; utilisation needs a
# finite window, so it looks back four weeks.
ALL_HISTORY = date(1970, 1, 1)
UTILISATION_DAYS = 28
ALERTING = {KpiStatus.at_risk: "kpi.at_risk", KpiStatus.missed: "kpi.missed"}


class KpiNotFound(NotFound):
    subject = "KPI"


class MeasuredFromData(Conflict):
    title = "Computed from the data"


class TooManyKpis(Conflict):
    slug = "too-many-kpis"


async def get_kpi(session: AsyncSession, caller: Caller, kpi_id: UUID) -> Kpi:
    return await get_owned(session, caller, Kpi, kpi_id, KpiNotFound)


async def list_kpis(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    kpi_filter: KpiFilter,
    project: Project | None = None,
) -> Sequence[Kpi]:
    statement = owned_select(Kpi, caller)
    if project is not None:
        statement = statement.where(Kpi.project_id == project.id)
    elif kpi_filter.level is KpiLevel.organization:
        statement = statement.where(col(Kpi.project_id).is_(None))
    elif kpi_filter.level is KpiLevel.project:
        statement = statement.where(col(Kpi.project_id).is_not(None))
    statement = where_given(
        statement, {Kpi.status: kpi_filter.status, Kpi.metric: kpi_filter.metric}
    )
    return (await session.exec(page.keyset(statement, Kpi.id))).all()


async def create_kpi(
    session: AsyncSession, caller: Caller, data: KpiCreate, project: Project | None = None
) -> Kpi:
    """A new target, evaluated at once. A project has at most MAX_KPIS_PER_PROJECT targets
    (409): every write to the project re-evaluates each of them, in that write's request."""
    if project is not None:
        ensure_active(project)
        await ensure_room(session, project, Kpi, MAX_KPIS_PER_PROJECT, TooManyKpis, "KPIs")
    await require_members(session, caller, {"owner_id": data.owner_id})
    kpi = Kpi(
        organization_id=caller.organization_id,
        project_id=project.id if project is not None else None,
        **data.model_dump(exclude_none=True),
    )
    if kpi.unit is None:
        kpi.unit = DEFAULT_UNITS.get(kpi.metric)
    session.add(kpi)
    await session.flush()
    await _reassess(session, kpi)
    return kpi


async def update_kpi(session: AsyncSession, caller: Caller, kpi: Kpi, data: KpiUpdate) -> Kpi:
    """A merge patch; a changed target, direction or window is evaluated at once."""
    await _ensure_project_active(session, kpi)
    changes = new_values(kpi, data.changes())
    if not changes:
        return kpi
    await require_members(session, caller, {"owner_id": changes.get("owner_id")})
    assign(kpi, changes)
    await session.flush()
    await _reassess(session, kpi)
    return kpi


async def delete_kpi(session: AsyncSession, kpi: Kpi) -> None:
    project = await _ensure_project_active(session, kpi)
    await session.delete(kpi)
    await session.flush()
    if project is not None:
        await refresh_health(session, project)


async def _reassess(session: AsyncSession, kpi: Kpi) -> None:
    """A target changed or was measured: evaluate it, and its project's health (a missed target
    makes a project amber)."""
    await evaluate(session, kpi)
    if kpi.project_id is not None:
        # Held, and read once held, since the target's write began (app/projects/holds.py).
        await refresh_health(session, await hold_project(session, kpi.project_id))


async def _ensure_project_active(session: AsyncSession, kpi: Kpi) -> Project | None:
    """The target's project, if it has one, held before the target is written: settling holds
    the project, then evaluates its targets (app/projects/holds.py)."""
    if kpi.project_id is None:
        return None
    project = await hold_project(session, kpi.project_id)
    ensure_active(project)
    return project


async def list_measurements(
    session: AsyncSession, kpi: Kpi, page: PageParams
) -> Sequence[KpiMeasurement]:
    statement = select(KpiMeasurement).where(
        KpiMeasurement.organization_id == kpi.organization_id, KpiMeasurement.kpi_id == kpi.id
    )
    return (await session.exec(page.keyset(statement, KpiMeasurement.id))).all()


async def add_measurement(
    session: AsyncSession, kpi: Kpi, data: KpiMeasurementCreate
) -> KpiMeasurement:
    """Only custom targets are measured by hand; built-in ones are computed from the data.
    Measurements sent at once take turns: each re-evaluates the target as the one before left
    it (a measurement adds, it changes nothing another writer could have read)."""
    if kpi.project_id is not None:
        await hold_project(session, kpi.project_id)  # the project before its target
    await session.refresh(kpi, with_for_update={"key_share": True})
    if kpi.metric is not KpiMetric.custom:
        raise MeasuredFromData(
            f"`{kpi.metric}` is computed from the project's data; only `custom` targets take "
            "measurements."
        )
    await _ensure_project_active(session, kpi)
    measured_at = data.measured_at or utcnow()
    if measured_at > utcnow():
        raise InvalidInput(
            "A measurement cannot be taken in the future.",
            errors=[
                FieldProblem(
                    loc=["body", "measured_at"], message="must not be in the future", type="future"
                )
            ],
        )
    measurement = KpiMeasurement(
        organization_id=kpi.organization_id,
        kpi_id=kpi.id,
        value=data.value,
        measured_at=measured_at,
        source=MeasurementSource.manual,
        note=data.note,
    )
    session.add(measurement)
    await session.flush()
    await _reassess(session, kpi)
    return measurement


async def evaluate_project_kpis(session: AsyncSession, project: Project) -> None:
    """Something of the project changed: re-evaluate its targets (one query when it has none).
    Targets that count over the same days share one computation of their metrics."""
    kpis = (
        await session.exec(
            select(Kpi).where(
                Kpi.organization_id == project.organization_id, Kpi.project_id == project.id
            )
        )
    ).all()
    day = today()
    values = await _built_in_values(session, kpis, day)
    for kpi in kpis:
        await evaluate(session, kpi, day, values)


async def evaluate(
    session: AsyncSession,
    kpi: Kpi,
    on: date | None = None,
    known: Mapping[UUID, float | None] | None = None,
) -> bool:
    """Compute the current value (or take it from `known`, computed for several targets at
    once), status and trend, store them if they changed, and record `kpi.at_risk` or
    `kpi.missed` when the target has just moved into that status (True when it did)."""
    day = on or today()
    if known is not None and kpi.id in known:
        value = known[kpi.id]
    else:
        value = await _current_value(session, kpi, day)
    points = await _history(session, kpi)
    changed = value is not None and (not points or points[-1].value != value)
    if kpi.metric is not KpiMetric.custom and value is not None and changed:
        recorded = KpiMeasurement(
            organization_id=kpi.organization_id,
            kpi_id=kpi.id,
            value=value,
            source=MeasurementSource.computed,
        )
        session.add(recorded)
        points = [*points, Point(recorded.measured_at, value)][-2:]
    status = status_of(value, kpi.target_value, kpi.direction, kpi.due_date, day, points)
    trend = trend_of(points, kpi.direction)
    before = kpi.status if kpi.evaluated_at is not None else None
    if (kpi.current_value, kpi.status, kpi.trend) != (value, status, trend) or before is None:
        kpi.current_value, kpi.status, kpi.trend = value, status, trend
        kpi.evaluated_at = utcnow()
        await session.flush()
    if status is not before and status in ALERTING and await _first_crossing(session, kpi):
        await record_change(session, ALERTING[status], kpi, _alert_data(kpi))
        return True
    return False


async def _first_crossing(session: AsyncSession, kpi: Kpi) -> bool:
    """`kpi.missed` is raised once per due date, whoever evaluates first (a write, or one of
    several clock sweeps): the same claimed key as the clock's crossings. `kpi.at_risk` may
    recur, once per move into it."""
    if kpi.status is not KpiStatus.missed:
        return True
    return await claim_crossing(
        session,
        organization_id=kpi.organization_id,
        aggregate_id=kpi.id,
        event_type=ALERTING[KpiStatus.missed],
        moment=kpi.due_date,
    )


def _alert_data(kpi: Kpi) -> dict[str, Any]:
    return {
        "name": kpi.name,
        "metric": kpi.metric,
        "target_value": kpi.target_value,
        "direction": kpi.direction,
        "current_value": kpi.current_value,
        "due_date": kpi.due_date,
        "owner_id": kpi.owner_id,
    }


async def _history(session: AsyncSession, kpi: Kpi) -> list[Point]:
    """The last two measurements, oldest first."""
    rows = (
        await session.exec(
            select(KpiMeasurement.measured_at, KpiMeasurement.value)
            .where(KpiMeasurement.kpi_id == kpi.id)
            .order_by(col(KpiMeasurement.measured_at).desc(), col(KpiMeasurement.id).desc())
            .limit(2)
        )
    ).all()
    return [Point(at, value) for at, value in reversed(rows)]


async def _current_value(session: AsyncSession, kpi: Kpi, day: date) -> float | None:
    if kpi.metric is KpiMetric.custom:
        latest = await session.exec(
            select(KpiMeasurement.value)
            .where(KpiMeasurement.kpi_id == kpi.id)
            .order_by(col(KpiMeasurement.measured_at).desc(), col(KpiMeasurement.id).desc())
            .limit(1)
        )
        return latest.first()
    return (await _built_in_values(session, [kpi], day))[kpi.id]


def _scope(kpi: Kpi, day: date) -> metrics.MetricScope:
    """The projects and days a built-in target counts over."""
    start = kpi.measured_from or (
        day - timedelta(days=UTILISATION_DAYS - 1)
        if kpi.metric is KpiMetric.allocation_utilisation
        else ALL_HISTORY
    )
    return metrics.MetricScope(
        organization_id=kpi.organization_id,
        project_id=kpi.project_id,
        start=min(start, day),
        end=day,
        today=day,
    )


async def _built_in_values(
    session: AsyncSession, kpis: Sequence[Kpi], day: date
) -> dict[UUID, float | None]:
    """The value of each built-in target among `kpis` (custom ones are measured by hand): one
    computation per scope, of every metric the targets sharing it ask for."""
    sharing: dict[metrics.MetricScope, list[Kpi]] = defaultdict(list)
    for kpi in kpis:
        if kpi.metric is not KpiMetric.custom:
            sharing[_scope(kpi, day)].append(kpi)
    values: dict[UUID, float | None] = {}
    for scope, targets in sharing.items():
        needs = {kpi.metric for kpi in targets}
        figures = await metrics.compute(session, scope, needs=needs)
        group = figures.get((metrics.Grouping.organization, None))
        for kpi in targets:
            values[kpi.id] = None if group is None else group.value_of(kpi.metric)
    return values
