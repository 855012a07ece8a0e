"""Lessons: recorded per project (often from a retrospective), found across the organization."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, exists
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.sync_pages import SyncPageParams
from app.core.tenancy import get_owned, owned_by
from app.core.writes import assign, claim, new_values
from app.lessons import search
from app.lessons.schemas import (
    LessonCreate,
    LessonFilter,
    LessonMatch,
    LessonPublic,
    LessonUpdate,
)
from app.models import Lesson, LessonTag, Meeting, MeetingKind, Project
from app.projects.lifecycle import ensure_active

REVIEW_MEETINGS = frozenset({MeetingKind.retrospective, MeetingKind.post_project_review})


class LessonNotFound(NotFound):
    subject = "lesson"


async def get_lesson(session: AsyncSession, caller: Caller, lesson_id: UUID) -> Lesson:
    return await get_owned(session, caller, Lesson, lesson_id, LessonNotFound)


async def describe(
    session: AsyncSession,
    lessons: Sequence[Lesson],
    matches: Mapping[UUID, LessonMatch] | None = None,
) -> list[LessonPublic]:
    """The lessons with their tags (one more query for any number of lessons) and, from a
    search, their matches."""
    tags: dict[UUID, list[str]] = defaultdict(list)
    if lessons:
        rows = await session.exec(
            select(LessonTag)
            .where(col(LessonTag.lesson_id).in_([lesson.id for lesson in lessons]))
            .order_by(col(LessonTag.tag))
        )
        for row in rows:
            tags[row.lesson_id].append(row.tag)
    return [
        LessonPublic.model_validate(
            {
                **lesson.model_dump(),
                "tags": tags[lesson.id],
                "match": (matches or {}).get(lesson.id),
            }
        )
        for lesson in lessons
    ]


def _filtered(statement: Any, lesson_filter: LessonFilter) -> Any:
    statement = where_given(
        statement,
        {
            Lesson.category: lesson_filter.category,
            Lesson.outcome: lesson_filter.outcome,
            Lesson.customer_id: lesson_filter.customer_id,
            Lesson.project_id: lesson_filter.project_id,
        },
        at_least={Lesson.updated_at: lesson_filter.updated_since},
    )
    if lesson_filter.tag is not None:
        statement = statement.where(
            exists().where(
                col(LessonTag.lesson_id) == col(Lesson.id),
                col(LessonTag.tag) == lesson_filter.tag.strip().lower(),
            )
        )
    return statement


async def list_lessons(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    lesson_filter: LessonFilter,
    words: str | None = None,
) -> tuple[Sequence[Lesson], dict[UUID, LessonMatch]]:
    """The organization's lessons matching the filter. Without `words`, a keyset page in
    creation order; with them, the best `limit` matches of the full-text search, best first
    (no further page: refine the search instead), each with its match (rank and snippet)."""
    owned = owned_by(Lesson, caller)
    if words is None:
        statement = _filtered(select(Lesson).where(owned), lesson_filter)
        rows: Sequence[Lesson] = (await session.exec(page.keyset(statement, col(Lesson.id)))).all()
        return rows, {}
    if isinstance(page, SyncPageParams):
        page.without_sync("A search (`q`) is ranked, not synced: leave out `sync_token`.")
    # SQLAlchemy's select, not SQLModel's: its rows keep the rank and snippet columns.
    matching: Any = search.ranked(
        session, _filtered(sa_select(Lesson).where(owned), lesson_filter), words
    )
    if matching is None:
        return [], {}
    found = (await session.exec(matching.limit(page.limit))).all()
    return [lesson for lesson, _, _ in found], {
        lesson.id: LessonMatch(rank=round(float(rank), 6), snippet=snippet)
        for lesson, rank, snippet in found
    }


async def _require_review_meeting(
    session: AsyncSession, project: Project, meeting_id: UUID | None
) -> None:
    if meeting_id is None:
        return
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.project_id != project.id or meeting.kind not in REVIEW_MEETINGS:
        message = "Not a retrospective or post-project review of this project."
        raise InvalidInput(
            message,
            errors=[
                FieldProblem(loc=["body", "meeting_id"], message=message, type="unknown_reference")
            ],
        )


async def _replace_tags(session: AsyncSession, lesson: Lesson, tags: list[str]) -> None:
    await session.exec(delete(LessonTag).where(col(LessonTag.lesson_id) == lesson.id))
    session.add_all(LessonTag(lesson_id=lesson.id, tag=tag) for tag in tags)
    await session.flush()


async def record_lesson(
    session: AsyncSession, caller: Caller, project: Project, data: LessonCreate
) -> Lesson:
    """A lesson of the project, and of its customer. Records `lesson.recorded`."""
    ensure_active(project)
    await _require_review_meeting(session, project, data.meeting_id)
    lesson = Lesson(
        organization_id=caller.organization_id,
        project_id=project.id,
        customer_id=project.customer_id,
        **data.model_dump(exclude={"tags"}),
    )
    session.add(lesson)
    await session.flush()
    await _replace_tags(session, lesson, data.tags)
    await record_change(
        session,
        "lesson.recorded",
        lesson,
        {
            "title": lesson.title,
            "category": lesson.category,
            "outcome": lesson.outcome,
            "customer_id": lesson.customer_id,
            "meeting_id": lesson.meeting_id,
            "tags": data.tags,
        },
    )
    return lesson


async def update_lesson(session: AsyncSession, lesson: Lesson, data: LessonUpdate) -> Lesson:
    """Lessons stay editable after their project is archived: the library outlives projects."""
    changes = data.changes()
    tags = changes.pop("tags", None)
    changes = new_values(lesson, changes)
    if not changes and tags is None:
        return lesson
    assign(lesson, changes)
    await claim(session, lesson)  # a new version even when only the tags changed
    if tags is not None:
        await _replace_tags(session, lesson, tags)
    return lesson


async def delete_lesson(session: AsyncSession, lesson: Lesson) -> None:
    await session.delete(lesson)
    await session.flush()
