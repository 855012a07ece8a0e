"""The members contract."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import EmailStr, Field

from app.core.examples import with_examples
from app.core.schemas import InputModel, Name, OutputModel, PatchModel, unchanged
from app.core.sync import SyncPage
from app.models import MemberRole

Capacity = Annotated[int, Field(ge=0, le=168, description="Hours a week this person can work.")]
Email = Annotated[EmailStr, Field(max_length=320, description="Unique in the organization.")]


class MemberCreate(InputModel):
    name: Name
    email: Email
    role: MemberRole
    weekly_capacity_hours: Capacity = 40

    model_config = with_examples(
        {"name": "Ada Lovelace", "email": "ada@example.com", "role": "project_manager"}
    )


class MemberUpdate(PatchModel):
    model_config = with_examples({"role": "project_manager", "weekly_capacity_hours": 32})

    name: Name = unchanged()
    email: Email = unchanged()
    role: MemberRole = unchanged()
    weekly_capacity_hours: Capacity = unchanged()


class MemberPublic(OutputModel):
    id: UUID
    name: str
    email: str
    role: MemberRole
    weekly_capacity_hours: int
    version: int
    created_at: datetime
    updated_at: datetime


class MemberPage(SyncPage[MemberPublic]):
    """A page of members."""
