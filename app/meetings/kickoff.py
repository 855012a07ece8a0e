"""The kickoff a project from a closed-won deal gets: proposed, with sales and delivery."""

from datetime import UTC, date, datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from app.meetings import recurrence
from app.meetings.schemas import AttendeeInput
from app.meetings.service import replace_attendees
from app.models import Meeting, MeetingKind, MeetingStatus, Project

KICKOFF_MINUTES = 60


async def propose_kickoff_meeting(
    session: AsyncSession,
    project: Project,
    day: date,
    *,
    time_zone: str = "UTC",
    local_time: time = time(10, 0),
) -> Meeting:
    """Propose the project's kickoff on `day`, the last business day of the template's window
    (so the attendees have the most notice; they move it earlier by changing it), at
    `local_time` in `time_zone`, with the sales owner and the project manager as attendees.
    It stays `proposed` until someone schedules it."""
    local_start = datetime.combine(day, local_time, tzinfo=recurrence.zone(time_zone))
    meeting = Meeting(
        organization_id=project.organization_id,
        project_id=project.id,
        kind=MeetingKind.kickoff,
        title=f"Kickoff: {project.name}"[:200],
        status=MeetingStatus.proposed,
        starts_at=local_start.astimezone(UTC),
        time_zone=time_zone,
        duration_minutes=KICKOFF_MINUTES,
    )
    session.add(meeting)
    await session.flush()
    people = [project.sales_owner_id, project.project_manager_id]
    attendees = [AttendeeInput(member_id=member_id) for member_id in people if member_id]
    await replace_attendees(session, meeting, attendees)
    return meeting
