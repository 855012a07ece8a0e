"""Calendar feeds (RFC 5545) of a project and of a member, and their secret URLs."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status

from app.calendars import service
from app.calendars.deps import ReadableCalendarMember, WritableCalendarMember
from app.calendars.feed import FeedSubject
from app.calendars.schemas import CalendarSecretUrl
from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep
from app.core.routing import HandoverRoute, api_router
from app.core.urls import public_url
from app.models import CalendarFeed
from app.projects.deps import ReadableProject, WritableProject

CALENDAR_MEDIA_TYPE = "text/calendar; charset=utf-8"
FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An iCalendar (RFC 5545) feed: milestones as all-day events, with stable "
        "UIDs. Its ETag is a digest of the feed; `If-None-Match` answers 304.",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    },
    **NOT_MODIFIED,
}

router = api_router("calendars", problems=(401, 403, 404, 422, 500))


async def _feed(
    session: SessionDep, subject: FeedSubject, cache: CacheCheckDep, response: Response
) -> Response:
    feed = await service.feed_of(session, subject)
    cache.respond_to_content(feed)
    headers = {
        "ETag": response.headers["ETag"],
        # Whoever holds the address or a key may read it; shared caches may not keep it.
        "Cache-Control": "private, no-cache",
        "Content-Disposition": 'inline; filename="calendar.ics"',
    }
    return Response(feed, media_type=CALENDAR_MEDIA_TYPE, headers=headers)


def _secret_url(request: Request, feed: CalendarFeed, secret: str) -> CalendarSecretUrl:
    return CalendarSecretUrl(
        url=public_url(request, "get_calendar_by_secret", secret=secret),
        display_prefix=feed.display_prefix,
        rotated_at=feed.rotated_at,
    )


@router.get(
    "/v1/projects/{project_id}/calendar.ics", response_class=Response, responses=FEED_RESPONSES
)
async def get_project_calendar(
    session: SessionDep, project: ReadableProject, cache: CacheCheckDep, response: Response
) -> Response:
    """Read a project's calendar: milestones, meetings, cadences and action-item due dates."""
    return await _feed(session, service.project_subject(project), cache, response)


@router.get(
    "/v1/members/{member_id}/calendar.ics", response_class=Response, responses=FEED_RESPONSES
)
async def get_member_calendar(
    session: SessionDep, member: ReadableCalendarMember, cache: CacheCheckDep, response: Response
) -> Response:
    """Read a member's calendar: what they own, attend or run in active projects."""
    return await _feed(session, service.member_subject(member), cache, response)


@router.post("/v1/projects/{project_id}/calendar-secret", responses=problem_responses(409))
async def rotate_project_calendar_secret(
    request: Request, session: SessionDep, project: WritableProject
) -> CalendarSecretUrl:
    """Give the project's feed a (new) secret URL for calendar applications; the previous
    one stops working.

    No Idempotency-Key here: replaying would mean storing the secret.
    """
    feed, secret = await service.rotate_secret(
        session, project.organization_id, project_id=project.id
    )
    return _secret_url(request, feed, secret)


@router.delete("/v1/projects/{project_id}/calendar-secret", status_code=status.HTTP_204_NO_CONTENT)
async def remove_project_calendar_secret(session: SessionDep, project: WritableProject) -> None:
    """Turn the project feed's secret URL off (the feed stays readable with a key)."""
    await service.remove_secret(session, project_id=project.id)


@router.post("/v1/members/{member_id}/calendar-secret", responses=problem_responses(409))
async def rotate_member_calendar_secret(
    request: Request, session: SessionDep, member: WritableCalendarMember
) -> CalendarSecretUrl:
    """Give the member's feed a (new) secret URL for calendar applications; the previous one
    stops working.

    No Idempotency-Key here: replaying would mean storing the secret.
    """
    feed, secret = await service.rotate_secret(session, member.organization_id, member_id=member.id)
    return _secret_url(request, feed, secret)


@router.delete("/v1/members/{member_id}/calendar-secret", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member_calendar_secret(
    session: SessionDep, member: WritableCalendarMember
) -> None:
    """Turn the member feed's secret URL off (the feed stays readable with a key)."""
    await service.remove_secret(session, member_id=member.id)


class SubscribedFeedRoute(HandoverRoute):
    """The secret URL is pasted into calendar applications, which may add query parameters of
    their own to it (a cache-buster, a client tag) that nobody can remove: those are ignored, so
    a subscription never breaks for them. Programs use the keyed feeds, which refuse them."""

    ignores_undeclared_query = True


public_router = APIRouter(
    tags=["calendars"],
    route_class=SubscribedFeedRoute,
    responses=problem_responses(404, 422, 500),
)


@public_router.get("/calendars/{secret}.ics", response_class=Response, responses=FEED_RESPONSES)
async def get_calendar_by_secret(
    session: SessionDep,
    secret: Annotated[str, Path(min_length=1, max_length=100)],
    cache: CacheCheckDep,
    response: Response,
) -> Response:
    """Read a feed by its secret URL, for calendar applications that cannot send a key."""
    subject = await service.subject_of_secret(session, secret)
    return await _feed(session, subject, cache, response)
