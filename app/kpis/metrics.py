"""The built-in metrics, computed in SQL for one project, an organization, or groups of projects.

Definitions (a window is `start`–`end`, inclusive; `today` is the day of the computation):
- **on-time milestone rate**: of the milestones that count in the window — done in it (however
  early: a done milestone counts when it is done), or due in it and missed or past their due
  date — the share done on or before their due date.
- **average schedule slip (days)**: over the same milestones, the mean of days late (done: its
  completion date; else today) minus the due date; early counts as 0.
- **budget variance**: per project with a budget and costs booked by the end of the window,
  actual cost ÷ budget − 1 (0.1 = 10 % over budget); groups take the mean over their projects.
- **CSAT average**, **NPS**: survey responses collected in the window (app/surveys/scores.py).
- **median hours to acknowledge**: feedback received in the window and acknowledged.
- **open risk exposure**: the sum of scores (probability × impact) of open and mitigating risks,
  now — a register is a present state, not a window.
- **allocation utilisation**: allocated person-days in the window ÷ (people allocated × days).
- **time to value (days)**: the median, over the projects accepted in the window, of the days
  from the deal's close date to the customer's acceptance (app/kpis/time_to_value.py).
- **scope change rate**: per project with a baseline budget, the cost impact of the change
  requests approved by the end of the window ÷ the baseline budget (0.1 = approved changes added
  10 % to the plan); groups take the mean over their projects.

Every figure is an aggregate the database computes; Python only adds up the per-group sums of
composable parts (counts and sums) and rounds. Three statements answer any grouping: the
composable facts, the median, and the utilisation.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.expression import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.sql import as_float, days_between, earlier_of, later_of, seconds_between
from app.kpis import time_to_value
from app.models import (
    Allocation,
    ChangeRequest,
    Feedback,
    Milestone,
    MilestoneStatus,
    Project,
    Risk,
    RiskStatus,
    SurveyKind,
    SurveyResponse,
)
from app.models.change_request import APPLIED_STATUSES
from app.models.kpi import CostEntry, KpiMetric
from app.surveys.scores import DETRACTOR_MAX, PROMOTER_MIN, csat_average, nps_score

EXPOSED_RISK = (RiskStatus.open, RiskStatus.mitigating)
SEPARATE_STATEMENTS = {
    KpiMetric.median_hours_to_acknowledge,
    KpiMetric.allocation_utilisation,
    KpiMetric.time_to_value_days,
    KpiMetric.custom,
}


class Grouping(StrEnum):
    organization = "organization"
    phase = "phase"
    project_manager = "project_manager"
    sales_owner = "sales_owner"


@dataclass(frozen=True)
class MetricScope:
    """Which projects, which window. Member filters narrow to the projects they manage or sold;
    `allocated_member_id` narrows utilisation to one person's allocations."""

    organization_id: UUID
    start: date
    end: date
    today: date
    project_id: UUID | None = None
    project_manager_id: UUID | None = None
    sales_owner_id: UUID | None = None
    allocated_member_id: UUID | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _ratio(part: float, whole: float, digits: int) -> float | None:
    """`part / whole` rounded (a share or a mean), or None when nothing counted: no figure is
    not a figure of 0."""
    return round(part / whole, digits) if whole else None


@dataclass
class Figures:
    """Composable parts of the metrics for one group, and the metrics derived from them."""

    projects: int = 0
    milestones_counted: int = 0
    milestones_on_time: int = 0
    slip_days: float = 0.0
    variance_sum: float = 0.0
    projects_with_costs: int = 0
    csat_responses: int = 0
    csat_total: int = 0
    nps_responses: int = 0
    promoters: int = 0
    detractors: int = 0
    open_risk_exposure: int = 0
    median_hours_to_acknowledge: float | None = None
    acknowledged_feedback: int = 0
    allocated_person_days: float = 0.0
    allocated_people: int = 0
    window_days: int = 0
    scope_change_sum: float = 0.0
    projects_with_baseline: int = 0
    time_to_value_days: float | None = None

    @property
    def on_time_milestone_rate(self) -> float | None:
        return _ratio(self.milestones_on_time, self.milestones_counted, 3)

    @property
    def average_schedule_slip_days(self) -> float | None:
        return _ratio(self.slip_days, self.milestones_counted, 2)

    @property
    def budget_variance(self) -> float | None:
        return _ratio(self.variance_sum, self.projects_with_costs, 3)

    @property
    def csat_average(self) -> float | None:
        return csat_average(self.csat_total, self.csat_responses)

    @property
    def nps(self) -> int | None:
        return nps_score(self.promoters, self.detractors, self.nps_responses)

    @property
    def allocation_utilisation(self) -> float | None:
        return _ratio(self.allocated_person_days, self.allocated_people * self.window_days, 3)

    @property
    def scope_change_rate(self) -> float | None:
        return _ratio(self.scope_change_sum, self.projects_with_baseline, 3)

    def value_of(self, metric: KpiMetric) -> float | None:
        value = getattr(self, metric.value)
        return None if value is None else float(value)


GroupKey = tuple[Grouping, str | None]


def _projects(scope: MetricScope) -> Any:
    statement: Any = select(
        col(Project.id).label("project_id"),
        col(Project.phase).label("phase"),
        col(Project.project_manager_id).label("project_manager_id"),
        col(Project.sales_owner_id).label("sales_owner_id"),
        col(Project.budget_amount).label("budget_amount"),
        col(Project.baseline_budget_amount).label("baseline_budget_amount"),
    ).where(col(Project.organization_id) == scope.organization_id)
    if scope.project_id is not None:
        statement = statement.where(col(Project.id) == scope.project_id)
    if scope.project_manager_id is not None:
        statement = statement.where(col(Project.project_manager_id) == scope.project_manager_id)
    if scope.sales_owner_id is not None:
        statement = statement.where(col(Project.sales_owner_id) == scope.sales_owner_id)
    return statement


def _per_project(
    name: str,
    rows: Any,
    scope: MetricScope,
    measures: Sequence[Any],
    *conditions: Any,
    join: tuple[Any, Any] | None = None,
) -> Any:
    """`rows` of the organization that meet `conditions`, aggregated to one row per project:
    `project_id` and the `measures` (each fact a project is joined to in `_facts_statement`)."""
    project_id = col(rows.project_id)
    statement = select(project_id.label("project_id"), *measures)
    if join is not None:
        statement = statement.join(*join)
    return (
        statement.where(col(rows.organization_id) == scope.organization_id, *conditions)
        .group_by(project_id)
        .subquery(name)
    )


def _milestone_facts(scope: MetricScope) -> Any:
    status = col(Milestone.status)
    due = col(Milestone.due_date)
    done = status == MilestoneStatus.done
    counts = or_(done, status == MilestoneStatus.missed, due < scope.today)
    completed_on = func.coalesce(col(Milestone.completed_date), due)
    finished_on = case((done, completed_on), else_=scope.today)
    # A done milestone counts in the window it was done in (early ones too); others by due date.
    counts_on = case((done, completed_on), else_=due)
    late_days = days_between(finished_on, due)
    measures = (
        func.count().filter(counts).label("counted"),
        func.count().filter(and_(done, finished_on <= due)).label("on_time"),
        func.sum(case((and_(counts, late_days > 0), late_days), else_=0)).label("slip"),
    )
    window = (counts_on >= scope.start, counts_on <= scope.end)
    return _per_project("milestone_facts", Milestone, scope, measures, *window)


def _cost_facts(scope: MetricScope) -> Any:
    actual = func.sum(col(CostEntry.amount)).label("actual")
    booked = col(CostEntry.incurred_on) <= scope.end
    return _per_project("cost_facts", CostEntry, scope, [actual], booked)


def _survey_facts(scope: MetricScope) -> Any:
    kind = col(SurveyResponse.kind)
    score = col(SurveyResponse.score)
    nps = kind == SurveyKind.nps
    csat = kind == SurveyKind.csat
    measures = (
        func.count().filter(csat).label("csat_n"),
        func.sum(case((csat, score), else_=0)).label("csat_total"),
        func.count().filter(nps).label("nps_n"),
        func.count().filter(and_(nps, score >= PROMOTER_MIN)).label("promoters"),
        func.count().filter(and_(nps, score <= DETRACTOR_MAX)).label("detractors"),
    )
    collected_on = col(SurveyResponse.collected_on)
    window = (collected_on >= scope.start, collected_on <= scope.end)
    return _per_project("survey_facts", SurveyResponse, scope, measures, *window)


def _risk_facts(scope: MetricScope) -> Any:
    exposure = func.sum(col(Risk.score)).label("exposure")
    exposed = col(Risk.status).in_(EXPOSED_RISK)
    return _per_project("risk_facts", Risk, scope, [exposure], exposed)


def _change_facts(scope: MetricScope) -> Any:
    """Changes count from the baseline on, as in the baseline report (change_requests/report.py):
    before it, they are part of the plan it froze."""
    applied = col(ChangeRequest.applied_at)
    approved_cost = func.sum(col(ChangeRequest.cost_impact_amount)).label("approved_cost")
    return _per_project(
        "change_facts",
        ChangeRequest,
        scope,
        [approved_cost],
        col(ChangeRequest.status).in_(APPLIED_STATUSES),
        applied >= col(Project.baseline_set_at),
        applied < _midnight(scope.end + timedelta(days=1)),
        join=(Project, col(Project.id) == col(ChangeRequest.project_id)),
    )


GROUP_COLUMNS = {
    Grouping.phase: "phase",
    Grouping.project_manager: "project_manager_id",
    Grouping.sales_owner: "sales_owner_id",
}


def _group_column(rows: Any, grouping: Grouping) -> ColumnElement[Any]:
    """The group's key as text, so that the groupings of one UNION share a column type."""
    if grouping is Grouping.organization:
        return cast(null(), String)
    return cast(rows.c[GROUP_COLUMNS[grouping]], String)


def _facts_statement(scope: MetricScope, groupings: Sequence[Grouping]) -> Any:
    projects = _projects(scope).subquery("scoped_projects")
    milestones = _milestone_facts(scope)
    costs = _cost_facts(scope)
    surveys = _survey_facts(scope)
    risks = _risk_facts(scope)
    changes = _change_facts(scope)
    has_costs = and_(costs.c.actual.is_not(None), projects.c.budget_amount > 0)
    variance = case(
        (has_costs, as_float(costs.c.actual) / as_float(projects.c.budget_amount) - 1.0)
    )
    baseline = projects.c.baseline_budget_amount
    scope_change = case(
        (
            baseline > 0,
            as_float(func.coalesce(changes.c.approved_cost, 0)) / as_float(baseline),
        )
    )
    facts = (
        select(
            projects.c.project_id,
            projects.c.phase,
            projects.c.project_manager_id,
            projects.c.sales_owner_id,
            milestones.c.counted,
            milestones.c.on_time,
            milestones.c.slip,
            variance.label("variance"),
            surveys.c.csat_n,
            surveys.c.csat_total,
            surveys.c.nps_n,
            surveys.c.promoters,
            surveys.c.detractors,
            risks.c.exposure,
            scope_change.label("scope_change"),
        )
        .select_from(projects)
        .outerjoin(milestones, milestones.c.project_id == projects.c.project_id)
        .outerjoin(costs, costs.c.project_id == projects.c.project_id)
        .outerjoin(surveys, surveys.c.project_id == projects.c.project_id)
        .outerjoin(risks, risks.c.project_id == projects.c.project_id)
        .outerjoin(changes, changes.c.project_id == projects.c.project_id)
        .cte("project_facts")
    )
    per_group = []
    for grouping in groupings:
        key = _group_column(facts, grouping)
        statement = select(
            literal(grouping.value).label("grouping"),
            key.label("key"),
            func.count(),
            func.sum(facts.c.counted),
            func.sum(facts.c.on_time),
            func.sum(facts.c.slip),
            func.sum(facts.c.variance),
            func.count(facts.c.variance),
            func.sum(facts.c.csat_n),
            func.sum(facts.c.csat_total),
            func.sum(facts.c.nps_n),
            func.sum(facts.c.promoters),
            func.sum(facts.c.detractors),
            func.sum(facts.c.exposure),
            func.sum(facts.c.scope_change),
            func.count(facts.c.scope_change),
        )
        if grouping is not Grouping.organization:
            statement = statement.group_by(key)
        per_group.append(statement)
    return union_all(*per_group)


def _median_statement(scope: MetricScope, groupings: Sequence[Grouping]) -> Any:
    """The median of each group from row numbers, which both databases have (PostgreSQL's
    `percentile_cont` has no SQLite twin): the middle row, or the mean of the middle two.

    The acknowledged feedback, joined with its project's group keys, is one CTE that every
    grouping ranks: joined once, not once per grouping (at 100,000 projects the join, not the
    ranking, was most of the statement)."""
    projects = _projects(scope).subquery("scoped_projects")
    received = col(Feedback.received_at)
    rows = (
        select(
            projects.c.phase,
            projects.c.project_manager_id,
            projects.c.sales_owner_id,
            (seconds_between(col(Feedback.acknowledged_at), received) / 3600.0).label("hours"),
        )
        .select_from(Feedback)
        .join(projects, projects.c.project_id == col(Feedback.project_id))
        .where(
            col(Feedback.organization_id) == scope.organization_id,
            col(Feedback.acknowledged_at).is_not(None),
            received >= _midnight(scope.start),
            received < _midnight(scope.end + timedelta(days=1)),
        )
        .cte("acknowledged")
    )
    per_group = []
    for grouping in groupings:
        key = _group_column(rows, grouping)
        partition = [] if grouping is Grouping.organization else [key]
        ranked = select(
            key.label("key"),
            rows.c.hours,
            func.row_number().over(partition_by=partition, order_by=rows.c.hours).label("position"),
            func.count().over(partition_by=partition).label("total"),
        ).subquery(f"ranked_{grouping.value}")
        middle = ranked.c.position.in_([(ranked.c.total + 1) / 2, (ranked.c.total + 2) / 2])
        per_group.append(
            select(
                literal(grouping.value).label("grouping"),
                ranked.c.key,
                func.avg(ranked.c.hours),
                func.max(ranked.c.total),
            )
            .where(middle)
            .group_by(ranked.c.key)
        )
    return union_all(*per_group)


def _utilisation_statement(scope: MetricScope, groupings: Sequence[Grouping]) -> Any:
    projects = _projects(scope).subquery("scoped_projects")
    first = later_of(col(Allocation.start_date), scope.start)
    last = earlier_of(col(Allocation.end_date), scope.end)
    person_days = as_float(col(Allocation.percent)) * (days_between(last, first) + 1) / 100.0
    conditions = [
        col(Allocation.organization_id) == scope.organization_id,
        col(Allocation.start_date) <= scope.end,
        col(Allocation.end_date) >= scope.start,
    ]
    if scope.allocated_member_id is not None:
        conditions.append(col(Allocation.member_id) == scope.allocated_member_id)
    rows = (
        select(
            projects.c.phase,
            projects.c.project_manager_id,
            projects.c.sales_owner_id,
            col(Allocation.member_id).label("member_id"),
            person_days.label("person_days"),
        )
        .select_from(Allocation)
        .join(projects, projects.c.project_id == col(Allocation.project_id))
        .where(*conditions)
        .cte("allocated")
    )
    per_group = []
    for grouping in groupings:
        # Person-days per group and person first, then the people of each group: a count of
        # distinct people over every allocation would sort them all, once per grouping.
        key = _group_column(rows, grouping)
        people = (
            select(
                key.label("key"),
                rows.c.member_id,
                func.sum(rows.c.person_days).label("person_days"),
            )
            .group_by(key, rows.c.member_id)
            .subquery(f"people_{grouping.value}")
        )
        whole = grouping is Grouping.organization  # one row, even with no allocation at all
        statement = select(
            literal(grouping.value).label("grouping"),
            cast(null(), String).label("key") if whole else people.c.key,
            func.sum(people.c.person_days),
            func.count(people.c.member_id),
        )
        per_group.append(statement if whole else statement.group_by(people.c.key))
    return union_all(*per_group)


async def _rows(session: AsyncSession, statement: Any) -> Any:
    return await session.exec(statement)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _key(grouping: str, key: Any) -> GroupKey:
    return Grouping(grouping), None if key is None else str(key)


async def compute(
    session: AsyncSession,
    scope: MetricScope,
    groupings: Sequence[Grouping] = (Grouping.organization,),
    needs: Iterable[KpiMetric] | None = None,
) -> dict[GroupKey, Figures]:
    """Figures for each group of each grouping; `needs` skips the statements no metric asked
    for (a KPI needs one metric, not three statements)."""
    wanted = set(needs) if needs is not None else set(KpiMetric)
    figures: dict[GroupKey, Figures] = {}

    def of(grouping: str, key: Any) -> Figures:
        return figures.setdefault(_key(grouping, key), Figures(window_days=scope.days))

    if wanted - SEPARATE_STATEMENTS:
        for row in await _rows(session, _facts_statement(scope, groupings)):
            grouping, key, projects, counted, on_time, slip, variance, with_costs, *rest = row
            csat_n, csat_total, nps_n, promoters, detractors, exposure, *change = rest
            group = of(grouping, key)
            group.projects = projects
            group.milestones_counted = int(counted or 0)
            group.milestones_on_time = int(on_time or 0)
            group.slip_days = float(slip or 0)
            group.variance_sum = float(variance or 0)
            group.projects_with_costs = int(with_costs or 0)
            group.csat_responses = int(csat_n or 0)
            group.csat_total = int(csat_total or 0)
            group.nps_responses = int(nps_n or 0)
            group.promoters = int(promoters or 0)
            group.detractors = int(detractors or 0)
            group.open_risk_exposure = int(exposure or 0)
            group.scope_change_sum = float(change[0] or 0)
            group.projects_with_baseline = int(change[1] or 0)
    if KpiMetric.median_hours_to_acknowledge in wanted:
        for grouping, key, median, count in await _rows(
            session, _median_statement(scope, groupings)
        ):
            group = of(grouping, key)
            group.median_hours_to_acknowledge = round(float(median), 2)
            group.acknowledged_feedback = int(count)
    if KpiMetric.allocation_utilisation in wanted:
        for grouping, key, person_days, people in await _rows(
            session, _utilisation_statement(scope, groupings)
        ):
            group = of(grouping, key)
            group.allocated_person_days = float(person_days or 0)
            group.allocated_people = int(people or 0)
    if KpiMetric.time_to_value_days in wanted:
        await _time_to_value(session, scope, groupings, of)
    return figures


async def _time_to_value(
    session: AsyncSession,
    scope: MetricScope,
    groupings: Sequence[Grouping],
    of: Callable[[str, Any], Figures],
) -> None:
    """The median days from close to acceptance of each group's projects accepted in the window
    (app/kpis/time_to_value.py)."""
    values = await time_to_value.project_values(
        session,
        scope.organization_id,
        scope.start,
        scope.end,
        project_id=scope.project_id,
        project_manager_id=scope.project_manager_id,
        sales_owner_id=scope.sales_owner_id,
    )
    keys: dict[Grouping, Callable[[time_to_value.ProjectValue], Any]] = {
        Grouping.organization: lambda value: None,
        Grouping.phase: lambda value: None,  # a phase is not kept per acceptance
        Grouping.project_manager: lambda value: value.project_manager_id,
        Grouping.sales_owner: lambda value: value.sales_owner_id,
    }
    for grouping in groupings:
        if grouping is Grouping.phase:
            continue
        for key, summary in time_to_value.grouped(values, keys[grouping], None):
            of(grouping.value, key).time_to_value_days = summary.median_days
