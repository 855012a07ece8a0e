"""The Gantt chart of a project, for the API (every milestone) and for the customer (theirs)."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.gantt.svg import Baseline, render_gantt
from app.milestones.schemas import TimelineMilestone
from app.milestones.timeline import project_timeline
from app.models import Project

SVG_MEDIA_TYPE = "image/svg+xml"


def _quality(accept: str, media_type: str) -> float:
    """The q-value `accept` gives `media_type` (exact match or `type/*`), 0 when not listed."""
    family = media_type.split("/")[0] + "/*"
    best = 0.0
    for part in accept.split(","):
        name, *parameters = (piece.strip() for piece in part.split(";"))
        if name.lower() not in (media_type, family):
            continue
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best = max(best, quality)
    return best


def prefers_svg(accept: str | None) -> bool:
    """An `Accept` header that asks for SVG at least as much as for JSON gets the chart."""
    if not accept:
        return False
    svg = _quality(accept, SVG_MEDIA_TYPE)
    return svg > 0 and svg >= _quality(accept, "application/json")


async def project_gantt(session: AsyncSession, project: Project, today: date) -> str:
    """Every milestone of the project, as the project team sees it, with a ghost bar where a
    milestone's due date has moved from its baseline (approved changes or delivery slip). Only
    the due date is baselined, so the ghost keeps the bar's length and ends on that date."""
    timeline = await project_timeline(session, project)
    baselines = {
        bar.id: Baseline(start=bar.start + (bar.baseline_due - bar.due), due=bar.baseline_due)
        for bar in timeline.milestones
        if bar.baseline_due != bar.due
    }
    return render_gantt(project.name, timeline.milestones, today, baselines)


async def customer_bars(session: AsyncSession, project: Project) -> list[TimelineMilestone]:
    """The customer-visible milestones only, linked only to each other: nothing on the chart
    hints at a milestone the customer is not shown."""
    timeline = await project_timeline(session, project)
    visible = [bar for bar in timeline.milestones if bar.customer_visible]
    shown = {bar.id for bar in visible}
    return [
        bar.model_copy(update={"depends_on": [id_ for id_ in bar.depends_on if id_ in shown]})
        for bar in visible
    ]
