"""The API keys contract."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from app.core.auth import Scope
from app.core.examples import with_examples
from app.core.moments import Moment
from app.core.pagination import Page
from app.core.schemas import InputModel, Name, OutputModel


class ApiKeyCreate(InputModel):
    name: Name = Field(description="What the key is for, e.g. `jira-sync`.")
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))]
    expires_at: Moment | None = Field(None, description="No expiry when absent.")

    model_config = with_examples({"name": "jira-sync", "scopes": ["projects:read"]})


class ApiKeyPublic(OutputModel):
    id: UUID
    name: str
    display_prefix: str = Field(description="The key's first characters, to recognise it.")
    scopes: list[Scope]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The secret key. Shown only in this response: store it now.")


class ApiKeyPage(Page[ApiKeyPublic]):
    """A page of API keys (never the keys themselves)."""
