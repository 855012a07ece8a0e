"""The CRM connections contract: secrets shown once, intake URLs, and what CRMs sent."""

from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import ConfigDict, Field, model_validator

from app.core.pagination import Page
from app.core.schemas import InputModel, Name, OutputModel, PatchModel, ShortText, unchanged
from app.deals.schemas import ProjectOutcome
from app.models import CrmSource, InboundOutcome

Stage = Annotated[ShortText, Field(min_length=1)]
WonStages = Annotated[
    list[Stage],
    Field(
        max_length=50,
        description="The stages that mean won: HubSpot stage ids (pipelines can have their own; "
        "default `closedwon`), Salesforce stage names (default `Closed Won`; `IsWon` counts "
        "too), for generic pushes the `stage` values that count (empty: every push is won). "
        "Pipedrive uses the deal's `status` instead.",
    ),
]
SalesforceOrganizationId = Annotated[
    str,
    Field(pattern=r"^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$", description="`00D…`, 15 or 18."),
]
Username = Annotated[ShortText, Field(min_length=1, pattern=r"^[^:]+$")]
AppSecret = Annotated[
    str,
    Field(min_length=8, max_length=200, description="The HubSpot app's client secret."),
]
DEFAULT_WON_STAGES = {
    CrmSource.hubspot: ["closedwon"],
    CrmSource.salesforce: ["Closed Won"],
}


class CrmConnectionCreate(InputModel):
    provider: CrmSource
    name: Name
    default_project_manager_id: UUID = Field(description="A member: who manages new projects.")
    project_template_id: UUID | None = Field(
        None, description="The template to plan with; the built-in default when absent."
    )
    won_stages: WonStages | None = None
    enabled: bool = True
    app_secret: AppSecret | None = Field(
        None, description="HubSpot only (required): stored encrypted, never shown again."
    )
    basic_auth_username: Username | None = Field(
        None, description="Pipedrive only: the Basic auth user (default `handover`)."
    )
    salesforce_organization_id: SalesforceOrganizationId | None = Field(
        None, description="Salesforce only (required): messages from another org are refused."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider": "hubspot",
                    "name": "HubSpot (sales pipeline)",
                    "default_project_manager_id": "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e",
                    "won_stages": ["closedwon", "1234567"],
                    "app_secret": "a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6",
                }
            ]
        }
    )

    @model_validator(mode="after")
    def _fits_the_provider(self) -> Self:
        needed = {
            CrmSource.hubspot: "app_secret",
            CrmSource.salesforce: "salesforce_organization_id",
        }.get(self.provider)
        if needed is not None and getattr(self, needed) is None:
            raise ValueError(f"{needed} is required for {self.provider}")
        own = {
            "app_secret": CrmSource.hubspot,
            "basic_auth_username": CrmSource.pipedrive,
            "salesforce_organization_id": CrmSource.salesforce,
        }
        for field, provider in own.items():
            if getattr(self, field) is not None and self.provider is not provider:
                raise ValueError(f"{field} is for {provider} connections only")
        return self


class CrmConnectionUpdate(PatchModel):
    """The provider and the secret stay (rotate the secret with `rotate-secret`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"won_stages": ["closedwon", "contractsent"], "enabled": True}]
        }
    )

    name: Name = unchanged()
    default_project_manager_id: UUID = unchanged()
    project_template_id: UUID | None = None
    won_stages: WonStages = unchanged()
    enabled: bool = unchanged()
    basic_auth_username: Username = unchanged()
    salesforce_organization_id: SalesforceOrganizationId = unchanged()


class CrmConnectionPublic(OutputModel):
    id: UUID
    provider: CrmSource
    name: str
    enabled: bool
    intake_url: str = Field(description="Where the CRM sends its webhooks.")
    default_project_manager_id: UUID
    project_template_id: UUID | None
    won_stages: list[str]
    basic_auth_username: str | None
    salesforce_organization_id: str | None
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation, the replaced secret is accepted until then."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class CrmConnectionWithSecret(CrmConnectionPublic):
    secret: str | None = Field(
        description="Generic: the `whsec_…` signing secret; Pipedrive: the Basic auth password. "
        "Shown only here and on rotation. Null for HubSpot (its app secret is yours) and "
        "Salesforce (checked by organization id)."
    )


class CrmConnectionPage(Page[CrmConnectionPublic]):
    """A page of CRM connections (never their secrets)."""


class CrmSecretRotation(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"grace_period_seconds": 3600}]})

    grace_period_seconds: int = Field(
        3600,
        ge=0,
        le=7 * 24 * 3600,
        description="How long the replaced secret is accepted too (0: stop at once).",
    )
    app_secret: AppSecret | None = Field(
        None, description="HubSpot: the app's new client secret (required there)."
    )


class InboundRequestPublic(OutputModel):
    id: UUID
    connection_id: UUID
    received_at: datetime
    outcome: InboundOutcome
    detail: str | None = Field(description="Why (a rejection's reason is shown here only).")
    delivery_key: str | None = Field(description="The CRM's delivery id: retries share it.")
    deal_ids: list[UUID]
    headers: dict[str, str] = Field(description="As received, without credentials.")
    body: str = Field(description="The raw body (UTF-8; undecodable bytes replaced).")

    @model_validator(mode="before")
    @classmethod
    def _decode_body(cls, value: Any) -> Any:
        body = getattr(value, "body", None)
        if isinstance(body, bytes):
            return {name: getattr(value, name) for name in cls.model_fields if name != "body"} | {
                "body": body.decode("utf-8", errors="replace")
            }
        return value


class InboundRequestPage(Page[InboundRequestPublic]):
    """A page of inbound requests, oldest first."""


class IntakeDeal(OutputModel):
    external_id: str
    deal_id: UUID
    project_id: UUID | None
    project: ProjectOutcome
    deal_updated: bool


class IntakeAnswer(OutputModel):
    """What the intake did with a CRM's request (any 2xx acknowledges it)."""

    outcome: InboundOutcome
    deals: list[IntakeDeal]
