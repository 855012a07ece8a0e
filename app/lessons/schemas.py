"""The lessons contract."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field, StringConstraints

from app.core.examples import with_examples
from app.core.schemas import InputModel, LongText, Name, OutputModel, PatchModel, unchanged
from app.core.sync import SyncPage
from app.models import LessonCategory, LessonOutcome

Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50),
]


def _distinct(tags: list[str]) -> list[str]:
    return sorted(set(tags))


Tags = Annotated[
    list[Tag],
    Field(max_length=20, description="Lower-cased, at most 20, each up to 50 characters."),
    AfterValidator(_distinct),
]
WhatHappened = Annotated[LongText, Field(min_length=1, description="What happened.")]
Why = Annotated[LongText, Field(description="Why it happened.")]
NextTime = Annotated[LongText, Field(description="What to do next time.")]


class LessonCreate(InputModel):
    title: Name
    what_happened: WhatHappened
    why: Why = ""
    next_time: NextTime = ""
    category: LessonCategory
    outcome: LessonOutcome
    tags: Tags = Field(default_factory=list)
    meeting_id: UUID | None = Field(
        default=None,
        description="The retrospective or post-project review it came from (of this project).",
    )

    model_config = with_examples(
        {
            "title": "Data migration was estimated from the sales deck",
            "what_happened": "Migration took three times the estimate.",
            "why": "Nobody profiled the legacy data before the estimate.",
            "next_time": "Profile a sample of the customer's data before quoting.",
            "category": "estimation",
            "outcome": "failure",
            "tags": ["data-migration", "crm"],
        }
    )


class LessonUpdate(PatchModel):
    model_config = with_examples({"tags": ["migration", "data-quality"]})

    title: Name = unchanged()
    what_happened: WhatHappened = unchanged()
    why: Why = unchanged()
    next_time: NextTime = unchanged()
    category: LessonCategory = unchanged()
    outcome: LessonOutcome = unchanged()
    tags: Tags = unchanged()


class LessonMatch(OutputModel):
    """Why a lesson came up in a search."""

    rank: float = Field(
        description="How well it matches: higher is better. Compare ranks within one answer "
        "(PostgreSQL's `ts_rank`, SQLite's `bm25` negated: the scales differ)."
    )
    snippet: str = Field(
        description="The passage that matched, the matched words between `**`: "
        "`The **migration** of the legacy CRM took three times the estimate`."
    )


class LessonPublic(OutputModel):
    id: UUID
    project_id: UUID
    customer_id: UUID
    meeting_id: UUID | None
    title: str
    what_happened: str
    why: str
    next_time: str
    category: LessonCategory
    outcome: LessonOutcome
    tags: list[str]
    match: LessonMatch | None = Field(
        description="With a search (`q`): its rank and the passage that matched; else null."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class LessonPage(SyncPage[LessonPublic]):
    """A page of lessons: in creation order, or best match first when searching."""


@dataclass(frozen=True, slots=True)
class LessonFilter:
    """What a lesson list is narrowed to (every criterion given must hold)."""

    category: LessonCategory | None = None
    outcome: LessonOutcome | None = None
    customer_id: UUID | None = None
    tag: str | None = None
    project_id: UUID | None = None
    updated_since: datetime | None = None
