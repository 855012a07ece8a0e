"""Every table, imported here so that `SQLModel.metadata` (and Alembic) sees them all."""

from app.models.customer import CrmSource, Customer
from app.models.idempotency import IdempotencyRecord, IdempotencyState
from app.models.member import Member, MemberRole
from app.models.organization import ApiKey, Organization
from app.models.project import Health, Phase, Project

__all__ = [
    "ApiKey",
    "CrmSource",
    "Customer",
    "Health",
    "IdempotencyRecord",
    "IdempotencyState",
    "Member",
    "MemberRole",
    "Organization",
    "Phase",
    "Project",
]
