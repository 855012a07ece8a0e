"""The share links contract, and the forms of the share page."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from app.core.examples import with_examples
from app.core.pagination import Page
from app.core.schemas import InputModel, LongText, OutputModel, ShortText
from app.models import FeedbackCategory, Sentiment, SurveyKind

MAX_DAYS = 365
# What a customer may type on the page: enough for a paragraph, and bounded before it is parsed
# (the page's forms are also refused above `MAX_FORM_BYTES`).
MAX_TEXT = 4000
MAX_FORM_BYTES = 16 * 1024


class ShareLinkCreate(InputModel):
    label: ShortText | None = Field(
        default=None, description="Whom the link is for, to recognise it in a list."
    )
    expires_in_days: int = Field(
        default=30, ge=1, le=MAX_DAYS, description=f"1–{MAX_DAYS} days; 30 when absent."
    )

    model_config = with_examples({"label": "Globex steering committee", "expires_in_days": 60})


class ShareLinkPublic(OutputModel):
    id: UUID
    project_id: UUID
    label: str | None
    display_prefix: str = Field(description="The first characters of the token.")
    expires_at: datetime = Field(description="The page answers 410 from then on.")
    revoked_at: datetime | None = Field(description="Set once revoked: the page answers 410.")
    version: int
    created_at: datetime
    updated_at: datetime


class ShareLinkCreated(ShareLinkPublic):
    token: str = Field(description="Shown in this response only; only its hash is stored.")
    url: str = Field(description="The page to send the customer: `/share/{token}`.")


class ShareLinkPage(Page[ShareLinkPublic]):
    """A page of a project's share links, oldest first."""


FormText = Annotated[LongText, Field(max_length=MAX_TEXT)]
CsrfToken = Annotated[str, Field(max_length=200)]


class FeedbackForm(InputModel):
    """What the page's feedback form posts."""

    csrf_token: CsrfToken
    category: FeedbackCategory
    sentiment: Sentiment
    text: Annotated[FormText, Field(min_length=1)]


class SurveyForm(InputModel):
    """What the page's CSAT and NPS forms post."""

    typed_scalars = False  # an HTML form sends the score as text

    csrf_token: CsrfToken
    kind: SurveyKind
    score: int = Field(ge=0, le=10)
    comment: FormText | None = None


class TaskDoneForm(InputModel):
    """What a customer task's "Done" button posts."""

    csrf_token: CsrfToken
    name: ShortText | None = Field(None, description="Who did it, as the customer writes it.")


class SignOffForm(InputModel):
    """What a milestone's "Approve" form posts."""

    csrf_token: CsrfToken
    signer_name: Annotated[ShortText, Field(min_length=1)]
    comment: FormText | None = None


class RefusalForm(InputModel):
    """What a milestone's "Refuse" form posts."""

    csrf_token: CsrfToken
    reason: Annotated[FormText, Field(min_length=1)]
