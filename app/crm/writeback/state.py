"""A project's delivery state as sales sees it on the deal: computed when it is sent, so a
write-back always carries the latest state, never the one of the change that called for it."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import MilestoneStatus, Project, RiskStatus, SurveyKind, SurveyResponse
from app.models.milestone import Milestone
from app.models.risk import Risk
from app.risks.bands import RiskBand, band_floor

OPEN = (MilestoneStatus.planned, MilestoneStatus.in_progress)
ACCEPTANCE = "acceptance"  # the template's "Customer acceptance": the go-live sales forecasts


def _progress(milestones: list[Milestone]) -> int:
    if not milestones:
        return 0
    done = sum(1 for milestone in milestones if milestone.status is MilestoneStatus.done)
    return round(100 * done / len(milestones))


def _go_live(project: Project, milestones: list[Milestone]) -> date | None:
    """The customer's acceptance: its date once given, else the acceptance milestone's."""
    if project.customer_acceptance_date is not None:
        return project.customer_acceptance_date
    accepting = [m for m in milestones if ACCEPTANCE in m.name.lower()]
    if not accepting:
        return None
    last = max(accepting, key=lambda m: m.due_date)
    return last.completed_date or last.due_date


def _state(
    project: Project,
    milestones: list[Milestone],
    high_risks: int,
    surveys: dict[SurveyKind, int],
    project_url: str | None,
) -> dict[str, Any]:
    upcoming = sorted(
        (m for m in milestones if m.status in OPEN), key=lambda m: (m.due_date, m.name)
    )
    following = upcoming[0] if upcoming else None
    go_live = _go_live(project, milestones)
    return {
        "phase": project.phase.value,
        "health": project.health.value,
        "health_reason": project.health_override_reason if project.health_override else None,
        "progress_percent": _progress(milestones),
        "next_milestone": following.name if following else None,
        "next_milestone_due_date": following.due_date.isoformat() if following else None,
        "forecast_go_live_date": go_live.isoformat() if go_live else None,
        "open_high_risks": high_risks,
        "last_csat": surveys.get(SurveyKind.csat),
        "last_nps": surveys.get(SurveyKind.nps),
        "project_url": project_url,
    }


async def delivery_states(
    session: AsyncSession, project_urls: dict[UUID, str | None]
) -> dict[UUID, dict[str, Any]]:
    """Each project's delivery fields by delivery field name, in four statements whatever the
    number of projects (a burst of a thousand is one dispatcher batch at a time)."""
    ids = list(project_urls)
    if not ids:
        return {}
    projects = (await session.exec(select(Project).where(col(Project.id).in_(ids)))).all()
    milestones: dict[UUID, list[Milestone]] = defaultdict(list)
    for milestone in (
        await session.exec(select(Milestone).where(col(Milestone.project_id).in_(ids)))
    ).all():
        milestones[milestone.project_id].append(milestone)
    high = band_floor(RiskBand.high)
    risks = dict(
        (
            await session.exec(
                select(Risk.project_id, func.count())
                .where(
                    col(Risk.project_id).in_(ids),
                    col(Risk.status).in_((RiskStatus.open, RiskStatus.mitigating)),
                    col(Risk.score) >= high,
                )
                .group_by(col(Risk.project_id))
            )
        ).all()
    )
    surveys: dict[UUID, dict[SurveyKind, int]] = defaultdict(dict)
    for response in _latest_first(
        (
            await session.exec(
                select(SurveyResponse).where(col(SurveyResponse.project_id).in_(ids))
            )
        ).all()
    ):
        surveys[response.project_id].setdefault(response.kind, response.score)
    return {
        project.id: _state(
            project,
            milestones[project.id],
            int(risks.get(project.id, 0)),
            surveys[project.id],
            project_urls[project.id],
        )
        for project in projects
    }


def _latest_first(responses: Iterable[SurveyResponse]) -> list[SurveyResponse]:
    return sorted(responses, key=lambda r: (r.collected_on, r.created_at), reverse=True)
