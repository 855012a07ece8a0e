"""The lessons library: `/v1/lessons` (search), `/v1/projects/{project_id}/lessons`,
`/v1/lessons/{lesson_id}`."""

from dataclasses import replace
from typing import Annotated

from fastapi import status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep
from app.core.idempotency import IdempotencyDep
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.lessons import service
from app.lessons.deps import LessonFilterDep, LessonToChange, ReadableLesson, SearchWords
from app.lessons.schemas import LessonCreate, LessonPage, LessonPublic, LessonUpdate
from app.projects.deps import ProjectsReader, ProjectsWriter, ReadableProject, WritableProject

SyncPages = Annotated[SyncPageParams, sync_pages("lessons", deletions=True)]

router = api_router("lessons")


@router.post(
    "/v1/projects/{project_id}/lessons",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def record_lesson(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: LessonCreate,
) -> LessonPublic:
    """Record what the project taught: what happened, why, and what to do next time."""
    lesson = await service.record_lesson(session, caller, project, body)
    [described] = await service.describe(session, [lesson])
    return described


@router.get("/v1/projects/{project_id}/lessons")
async def list_project_lessons(
    session: SessionDep,
    caller: ProjectsReader,
    project: ReadableProject,
    page: SyncPages,
    lesson_filter: LessonFilterDep,
    words: SearchWords = None,
) -> LessonPage:
    """The project's lessons, oldest first (or searched with `q`)."""
    narrowed = replace(lesson_filter, project_id=project.id)
    rows, matches = await service.list_lessons(session, caller, page, narrowed, words)
    return page.page(await service.describe(session, rows, matches), LessonPage, read=rows)


@router.get("/v1/lessons")
async def list_lessons(
    session: SessionDep,
    caller: ProjectsReader,
    page: SyncPages,
    lesson_filter: LessonFilterDep,
    words: SearchWords = None,
) -> LessonPage:
    """Search what every project of the organization learned (`q`), best match first; or
    list the lessons, oldest first. Filters: category, outcome, customer, tag."""
    rows, matches = await service.list_lessons(session, caller, page, lesson_filter, words)
    return page.page(await service.describe(session, rows, matches), LessonPage, read=rows)


@router.get("/v1/lessons/{lesson_id}", responses=NOT_MODIFIED)
async def get_lesson(
    session: SessionDep, lesson: ReadableLesson, cache: CacheCheckDep
) -> LessonPublic:
    """Read one lesson."""
    [described] = await service.describe(session, [lesson])
    return described


@router.patch("/v1/lessons/{lesson_id}")
async def update_lesson(
    session: SessionDep, lesson: LessonToChange, body: LessonUpdate
) -> LessonPublic:
    """Improve a lesson's words, category, outcome or tags (JSON merge patch)."""
    lesson = await service.update_lesson(session, lesson, body)
    [described] = await service.describe(session, [lesson])
    return described


@router.delete("/v1/lessons/{lesson_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_lesson(session: SessionDep, lesson: LessonToChange) -> None:
    """Remove a lesson from the library."""
    await service.delete_lesson(session, lesson)
