"""Load a lesson of the caller's organization, or 404; the filters of the library."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from app.core.moments import UpdatedSince
from app.core.path_rows import path_row
from app.core.schemas import ShortText
from app.lessons.schemas import LessonFilter
from app.lessons.service import get_lesson
from app.models import Lesson, LessonCategory, LessonOutcome
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _filter(
    category: LessonCategory | None = None,
    outcome: LessonOutcome | None = None,
    customer_id: UUID | None = None,
    tag: Annotated[
        ShortText | None, Query(max_length=50, description="Lessons with this tag.")
    ] = None,
    updated_since: UpdatedSince = None,
) -> LessonFilter:
    return LessonFilter(
        category=category,
        outcome=outcome,
        customer_id=customer_id,
        tag=tag,
        updated_since=updated_since,
    )


ReadableLesson = Annotated[Lesson, Depends(path_row(get_lesson, "lesson_id", ProjectsReader))]
LessonToChange = Annotated[
    Lesson, Depends(path_row(get_lesson, "lesson_id", ProjectsWriter, if_match=True))
]
LessonFilterDep = Annotated[LessonFilter, Depends(_filter)]
SearchWords = Annotated[
    ShortText | None,
    Query(
        alias="q",
        min_length=1,
        max_length=200,
        description="Words to search for in the lessons' texts (all of them, in any form: "
        "`estimates` finds `estimation`); the best matches come first, up to `limit`.",
    ),
]
