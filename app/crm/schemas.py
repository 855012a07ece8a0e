"""The CRM connections contract: secrets shown once, intake URLs, and what CRMs sent."""

from datetime import datetime
from typing import Annotated, Any, Literal, Self, get_args
from uuid import UUID

from pydantic import Field, model_validator

from app.core.examples import with_examples
from app.core.pagination import Page
from app.core.schemas import InputModel, Name, OutputModel, PatchModel, ShortText, unchanged
from app.core.sync import SyncPage
from app.models import CrmSource, InboundKind, InboundOutcome, WritebackScope

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
ApiToken = Annotated[
    str,
    Field(
        min_length=8,
        max_length=4096,
        description="What we call the CRM's API with: HubSpot a private app's access token, "
        "Pipedrive an API token, Salesforce an OAuth access token. Stored encrypted, never "
        "shown again.",
    ),
]
ApiBaseUrl = Annotated[
    str,
    Field(
        max_length=2048,
        pattern=r"^https?://[^/?#]+(/[^?#]*)?$",
        description="Where the CRM's API answers: HubSpot `https://api.hubapi.com` by default, "
        "Pipedrive `https://<company_domain>.pipedrive.com`, Salesforce your instance URL "
        "(required there). Checked like webhook URLs.",
    ),
]
CompanyDomain = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
        description="Pipedrive only: the company domain, as in `<domain>.pipedrive.com`.",
    ),
]
DeliveryField = Literal[
    "phase",
    "health",
    "health_reason",
    "progress_percent",
    "next_milestone",
    "next_milestone_due_date",
    "forecast_go_live_date",
    "open_high_risks",
    "last_csat",
    "last_nps",
    "project_url",
]
DELIVERY_FIELDS: tuple[str, ...] = get_args(DeliveryField)  # in the order sales reads them
CrmFieldName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_]+$")]
FieldMap = Annotated[
    dict[DeliveryField, CrmFieldName],
    Field(
        max_length=len(DELIVERY_FIELDS),
        description="Which CRM field receives which delivery value (HubSpot property names, "
        "Pipedrive custom field keys, Salesforce field API names). A value left out is not "
        "written. Null: the CRM's default (Pipedrive has none: its keys are per account).",
    ),
]
ProjectUrlTemplate = Annotated[
    str,
    Field(
        max_length=2048,
        pattern=r"^https?://[^/?#]+[^#]*\{project_id\}[^#]*$",
        description="The project's link written to the deal, with `{project_id}`: the API's "
        "project URL or your PM tool's. Default: this service's `/v1/projects/{project_id}` "
        "under `HANDOVER_PUBLIC_BASE_URL` (never a customer share link).",
    ),
]
WRITEBACK_DESCRIPTION = (
    "Write the project's delivery state back to its CRM deal (needs `api_token`). Off by default."
)
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
    api_token: ApiToken | None = None
    api_base_url: ApiBaseUrl | None = None
    company_domain: CompanyDomain | None = None
    writeback_enabled: bool = Field(False, description=WRITEBACK_DESCRIPTION)
    writeback_scope: WritebackScope = Field(
        WritebackScope.both, description="Fields on the deal, notes on its timeline, or both."
    )
    writeback_field_map: FieldMap | None = None
    writeback_project_url: ProjectUrlTemplate | None = None

    model_config = with_examples(
        {
            "provider": "hubspot",
            "name": "HubSpot (sales pipeline)",
            "default_project_manager_id": "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e",
            "won_stages": ["closedwon", "1234567"],
            "app_secret": "a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6",
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
        api_problem = api_access_problem(
            self.provider, self.api_token, self.api_base_url, self.company_domain
        )
        if api_problem is not None:
            raise ValueError(api_problem)
        if self.writeback_enabled and self.api_token is None:
            raise ValueError("writeback_enabled needs an api_token: write-back calls the CRM's API")
        return self


def api_access_problem(
    provider: CrmSource, token: str | None, base_url: str | None, company_domain: str | None
) -> str | None:
    """Why these API settings cannot work together, or None."""
    if company_domain is not None and provider is not CrmSource.pipedrive:
        return "company_domain is for pipedrive connections only"
    if token is None:
        return None
    if provider is CrmSource.generic:
        return "generic connections have no CRM API to call"
    if provider is CrmSource.salesforce and base_url is None:
        return "api_base_url (the instance URL) is required with a Salesforce api_token"
    if provider is CrmSource.pipedrive and base_url is None and company_domain is None:
        return "company_domain (or api_base_url) is required with a Pipedrive api_token"
    return None


class CrmConnectionUpdate(PatchModel):
    """The provider and the secret stay (rotate the secret with `rotate-secret`)."""

    model_config = with_examples({"won_stages": ["closedwon", "contractsent"], "enabled": True})

    name: Name = unchanged()
    default_project_manager_id: UUID = unchanged()
    project_template_id: UUID | None = None
    won_stages: WonStages = unchanged()
    enabled: bool = unchanged()
    basic_auth_username: Username = unchanged()
    salesforce_organization_id: SalesforceOrganizationId = unchanged()
    api_token: ApiToken | None = Field(
        None, description="Replace the API token (write-only); null removes API access."
    )
    api_base_url: ApiBaseUrl | None = None
    company_domain: CompanyDomain | None = None
    writeback_enabled: bool = unchanged()
    writeback_scope: WritebackScope = unchanged()
    writeback_field_map: FieldMap | None = None
    writeback_project_url: ProjectUrlTemplate | None = None


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
    api_access: bool = Field(
        description="An API token is set: deals are completed from the CRM's API and synced."
    )
    api_base_url: str | None = Field(description="Where the CRM's API is called.")
    company_domain: str | None
    sync_cursor: datetime | None = Field(
        description="The last change the sync took (the CRM's clock): the next starts after it."
    )
    last_synced_at: datetime | None
    next_sync_at: datetime | None
    last_sync_error: str | None
    writeback_enabled: bool = Field(description="Delivery state is written back to the deals.")
    writeback_scope: WritebackScope
    writeback_field_map: dict[str, str] = Field(
        description="The field map in force (the CRM's default unless one was set)."
    )
    writeback_project_url: str | None = Field(description="The project link's template.")
    version: int
    created_at: datetime
    updated_at: datetime


class CrmConnectionWithSecret(CrmConnectionPublic):
    secret: str | None = Field(
        description="Generic: the `whsec_…` signing secret; Pipedrive: the Basic auth password; "
        "Salesforce: the token of the endpoint URL (`secret_intake_url`). Shown only here and "
        "on rotation. Null for HubSpot (its app secret is yours)."
    )
    secret_intake_url: str | None = Field(
        description="Salesforce only: the endpoint URL to configure in the Outbound Message, "
        "the intake URL with `?token=<secret>`. Shown only here and on rotation."
    )


class CrmConnectionPage(SyncPage[CrmConnectionPublic]):
    """A page of CRM connections (never their secrets)."""


class CrmSecretRotation(InputModel):
    model_config = with_examples({"grace_period_seconds": 3600})

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
    kind: InboundKind = Field(description="`push`: the CRM sent it; `sync`: a sync found it.")
    attempts: int = Field(description="Planning attempts so far.")
    next_attempt_at: datetime | None = Field(description="While `received`: the next attempt.")
    planned_at: datetime | None
    deal_ids: list[UUID]
    project_ids: list[UUID] = Field(description="The deals' projects, once they exist.")
    headers: dict[str, str] = Field(description="As received, without credentials.")
    body: str = Field(
        description="The raw body (UTF-8; undecodable bytes replaced). Of a `rejected` request "
        "only its first 512 bytes are kept (`body_truncated`)."
    )
    body_bytes: int = Field(description="The body's size as received, in bytes.")
    body_sha256: str | None = Field(
        description="The SHA-256 of the whole body as received (hex); null if kept before 0.3.0."
    )
    body_truncated: bool = Field(description="`body` is a prefix of what was received.")

    @model_validator(mode="before")
    @classmethod
    def _decode_body(cls, value: Any) -> Any:
        body = getattr(value, "body", None)
        if isinstance(body, bytes):
            own = {"body", "body_truncated"}
            return {name: getattr(value, name) for name in cls.model_fields if name not in own} | {
                "body": body.decode("utf-8", errors="replace"),
                "body_truncated": value.body_bytes > len(body),
            }
        return value


class InboundRequestPage(Page[InboundRequestPublic]):
    """A page of inbound requests, oldest first."""


class IntakeAnswer(OutputModel):
    """What the intake did with a CRM's request (any 2xx acknowledges it). Deals are planned
    afterwards by the worker: follow the request at
    `GET /v1/crm-connections/{crm_connection_id}/inbound-requests`."""

    outcome: InboundOutcome = Field(
        description="`received`: kept, its deals are planned next; `duplicate`: a delivery "
        "already received; `ignored`: nothing in it concerns deals."
    )
    inbound_request_id: UUID = Field(description="The kept request.")
    deals: list[str] = Field(description="The CRM ids of the deals it speaks of.")
