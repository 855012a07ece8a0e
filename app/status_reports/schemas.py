"""The status reports contract."""

from datetime import date, datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, model_validator

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.pagination import Page
from app.core.schemas import InputModel, LongText, OutputModel, PatchModel, unchanged
from app.models import Health, Phase, ReportKind, ReportState
from app.projects.health import HealthSource
from app.projects.schemas import OverdueMilestone, Progress


class ReportIssue(InputModel):
    """A problem the project met, and what is done about it."""

    issue: Annotated[LongText, Field(min_length=1)]
    solution: LongText | None = None


class ReportIssuePublic(OutputModel):
    issue: str
    solution: str | None


Issues = Annotated[list[ReportIssue], Field(max_length=50)]


def _period_in_order(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError("period_end must not be before period_start")


CustomerSummary = Annotated[
    LongText,
    Field(
        description="Written for the customer: the one part of a report shown on the "
        "project's share page (the latest published report's). Everything else stays internal."
    ),
]


class StatusReportCreate(InputModel):
    kind: ReportKind
    period_start: CalendarDate | None = None
    period_end: CalendarDate | None = None
    summary: LongText | None = None
    customer_summary: CustomerSummary | None = None
    accomplishments: LongText | None = None
    issues: Issues = Field(default_factory=list)
    next_steps: LongText | None = None
    lessons_learned: LongText | None = None

    model_config = with_examples(
        {
            "kind": "periodic",
            "period_start": "2026-11-16",
            "period_end": "2026-11-22",
            "summary": "Design signed off; build started.",
            "customer_summary": "Design approved by your team; build is under way.",
            "issues": [{"issue": "Test data late", "solution": "Customer sends Friday"}],
        }
    )

    @model_validator(mode="after")
    def _check_period(self) -> Self:
        _period_in_order(self.period_start, self.period_end)
        return self


class StatusReportUpdate(PatchModel):
    model_config = with_examples(
        {
            "summary": "Data migration rehearsed; cutover on track.",
            "next_steps": "Cutover on 14 January.",
        }
    )

    kind: ReportKind = unchanged()
    period_start: CalendarDate | None = None
    period_end: CalendarDate | None = None
    summary: LongText | None = None
    customer_summary: CustomerSummary | None = None
    accomplishments: LongText | None = None
    issues: Issues = unchanged()
    next_steps: LongText | None = None
    lessons_learned: LongText | None = None


class Snapshot(OutputModel):
    """The project as it stood when the report was published; never recomputed."""

    phase: Phase
    health: Health
    health_source: HealthSource
    health_reasons: list[str]
    progress: Progress
    overdue_milestones: list[OverdueMilestone]
    open_risks_by_band: dict[str, int] = Field(description="`low`, `medium`, `high`, `critical`.")


class FieldChange(OutputModel):
    previous: str | int | None
    current: str | int | None


class ChangesSincePrevious(OutputModel):
    """How this report's snapshot differs from the previous published report's."""

    previous_report_id: UUID
    health: FieldChange | None = Field(description="Absent (null) when unchanged.")
    phase: FieldChange | None
    progress_percent: FieldChange | None
    open_risks_by_band: dict[str, int] = Field(description="Change in count per band.")
    newly_overdue: list[UUID]
    no_longer_overdue: list[UUID]


class StatusReportPublic(OutputModel):
    id: UUID
    project_id: UUID
    kind: ReportKind
    state: ReportState = Field(description="`published` reports never change.")
    period_start: date | None
    period_end: date | None
    summary: str | None
    customer_summary: str | None = Field(description="Shown to the customer on share pages.")
    accomplishments: str | None
    issues: list[ReportIssuePublic]
    next_steps: str | None
    lessons_learned: str | None
    published_at: datetime | None
    snapshot: Snapshot | None
    changes_since_previous: ChangesSincePrevious | None
    version: int
    created_at: datetime
    updated_at: datetime


class StatusReportPage(Page[StatusReportPublic]):
    """A page of a project's status reports, oldest first."""
