"""`risk.alert`: raised once per crossing, in the transaction of the change that crossed.

The conditions, each an alert `reason`:
- `risk_score`: an open or mitigating risk scores the organization's `risk_alert_threshold` or
  more (default 15);
- `risk_occurred`: a risk's status is `occurred`;
- `milestone_missed`: a milestone's status is `missed`;
- `project_red`: the project's (stored, effective) health is red.

A condition that starts to hold inserts an `AlertCrossing` row (organization, aggregate,
reason) with ON CONFLICT DO NOTHING, and only the transaction whose insert took effect records
the event: concurrent saves raise one alert, never a read-then-write race. While the row exists
further saves raise nothing; when the condition stops holding the row is deleted, so the next
crossing alerts again. Changing the threshold re-evaluates nothing by itself: a risk's next save
does.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.alerts.recipients import recipients
from app.core.outbox import Aggregate, record_change
from app.db import insert_or_ignore
from app.models import (
    AlertCrossing,
    Health,
    Milestone,
    MilestoneStatus,
    Organization,
    Project,
    Risk,
    RiskStatus,
)
from app.models.base import new_id, utcnow

ALERT = "risk.alert"
SCORED_STATUSES = (RiskStatus.open, RiskStatus.mitigating)


class AlertReason(StrEnum):
    risk_score = "risk_score"
    risk_occurred = "risk_occurred"
    milestone_missed = "milestone_missed"
    project_red = "project_red"


@dataclass(frozen=True)
class Alert:
    """A condition that holds: the sentence for a person and the reason's own fields."""

    message: str
    data: dict[str, Any] = field(default_factory=dict)


async def risk_changed(session: AsyncSession, risk: Risk) -> None:
    """After a risk is created or changed: alert when it reaches the organization's threshold
    while open or mitigating, and when it has occurred; clear what no longer holds."""
    project = await _project(session, risk.project_id)
    threshold = await alert_threshold(session, risk.organization_id)
    scored = risk.status in SCORED_STATUSES and risk.score >= threshold
    score_alert = Alert(
        f"Risk '{risk.title}' scores {risk.score} (threshold {threshold}) on {project.name}.",
        {"score": risk.score, "threshold": threshold},
    )
    occurred_alert = Alert(f"Risk '{risk.title}' has occurred on {project.name}.")
    await _settle(
        session,
        risk,
        "risk",
        project,
        {
            AlertReason.risk_score: score_alert if scored else None,
            AlertReason.risk_occurred: (
                occurred_alert if risk.status == RiskStatus.occurred else None
            ),
        },
    )


async def milestone_changed(session: AsyncSession, milestone: Milestone) -> None:
    """After a milestone is created or its status changes: alert when it is missed; clear
    when it no longer is."""
    project = await _project(session, milestone.project_id)
    missed = milestone.status == MilestoneStatus.missed
    alert = Alert(
        f"Milestone '{milestone.name}' (due {milestone.due_date.isoformat()}) was missed "
        f"on {project.name}."
    )
    await _settle(
        session,
        milestone,
        "milestone",
        project,
        {AlertReason.milestone_missed: alert if missed else None},
    )


async def project_health_changed(
    session: AsyncSession, project: Project, new_health: Health, reasons: Sequence[str] = ()
) -> None:
    """After the project's stored health changed: alert when it turned red (saying why);
    clear when it is no longer red."""
    why = f": {'; '.join(reasons)}" if reasons else ""
    alert = Alert(f"Project '{project.name}' turned red{why}.")
    red = new_health == Health.red
    await _settle(
        session, project, "project", project, {AlertReason.project_red: alert if red else None}
    )


async def forget(session: AsyncSession, organization_id: UUID, aggregate_id: UUID) -> None:
    """The aggregate is deleted: its crossings go with it."""
    await session.exec(
        delete(AlertCrossing).where(
            col(AlertCrossing.organization_id) == organization_id,
            col(AlertCrossing.aggregate_id) == aggregate_id,
        )
    )


async def alert_threshold(session: AsyncSession, organization_id: UUID) -> int:
    found = await session.exec(
        select(Organization.risk_alert_threshold).where(Organization.id == organization_id)
    )
    return found.one()


async def _project(session: AsyncSession, project_id: UUID) -> Project:
    project = await session.get(Project, project_id)  # usually already in the session
    assert project is not None  # the foreign key guarantees it
    return project


async def _settle(
    session: AsyncSession,
    aggregate: Aggregate,
    aggregate_type: str,
    project: Project,
    conditions: dict[AlertReason, Alert | None],
) -> None:
    """Clear the crossings of the conditions that do not hold; for each that holds, claim its
    crossing and, if this transaction claimed it, record the `risk.alert`.

    One change, one alert: when a risk or a milestone alerted, the project turning red in the
    same transaction (because of it) claims its crossing silently.
    """
    cleared = [reason for reason, alert in conditions.items() if alert is None]
    if cleared:
        await session.exec(
            delete(AlertCrossing).where(
                col(AlertCrossing.organization_id) == aggregate.organization_id,
                col(AlertCrossing.aggregate_id) == aggregate.id,
                col(AlertCrossing.reason).in_(cleared),
            )
        )
    people: dict[str, list[dict[str, Any]]] | None = None
    for reason, alert in conditions.items():
        if alert is None or not await _claim(session, aggregate, reason, alert):
            continue
        alerted: set[UUID] = session.info.setdefault("alerted_projects", set())
        if reason is AlertReason.project_red and project.id in alerted:
            continue
        if people is None:
            people = await recipients(session, project)
        data = {"reason": reason, "message": alert.message, **alert.data, **people}
        await record_change(session, ALERT, aggregate, data, aggregate_type=aggregate_type)
        alerted.add(project.id)


async def _claim(
    session: AsyncSession, aggregate: Aggregate, reason: AlertReason, alert: Alert
) -> bool:
    """True when this transaction inserted the crossing (no one had raised it yet)."""
    inserted = await session.exec(
        insert_or_ignore(session, AlertCrossing.__table__).values(  # type: ignore[attr-defined]
            id=new_id(),
            organization_id=aggregate.organization_id,
            aggregate_id=aggregate.id,
            reason=reason.value,
            crossed_at=utcnow(),
            details=alert.data or None,
        )
    )
    return bool(inserted.rowcount == 1)
