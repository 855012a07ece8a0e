"""CRM connections: which CRM pushes deals, what it proves itself with, how projects are planned.

Secrets are generated here (generic: a `whsec_` signing secret; Pipedrive: a Basic auth
password; Salesforce: a token in the endpoint URL) or given (HubSpot's app secret), stored
encrypted and shown once. Connection changes
are configuration, not domain events.
"""

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.pagination import PageParams
from app.core.secrets import decrypt_secret, encrypt_secret, generate_secret
from app.core.tenancy import get_owned, owned_select
from app.core.writes import assign
from app.crm.clients.base import ApiAccess
from app.crm.intake_store import Sender
from app.crm.providers.base import Credentials
from app.crm.providers.salesforce import CREDENTIAL_PARAMETER
from app.crm.schemas import (
    DEFAULT_WON_STAGES,
    CrmConnectionCreate,
    CrmConnectionPublic,
    CrmConnectionUpdate,
    CrmSecretRotation,
    api_access_problem,
)
from app.crm.writeback.fields import field_map
from app.members.service import require_members
from app.models import (
    CrmApiPause,
    CrmConnection,
    CrmDeliveryClaim,
    CrmInboundRequest,
    CrmSource,
    InboundOutcome,
)
from app.models.base import utcnow
from app.project_templates.service import require_template
from app.settings import Settings
from app.webhooks import service as webhooks_service

DEFAULT_BASIC_AUTH_USERNAME = "handover"


class CrmConnectionNotFound(NotFound):
    subject = "CRM connection"


class NoApiAccess(Conflict):
    slug = "no-api-access"
    title = "No API Access"


def intake_url(connection: CrmConnection, base_url: str) -> str:
    """Where the connection's CRM pushes, under the service's public base URL
    (app/core/urls.py)."""
    return f"{base_url}/v1/integrations/{connection.provider}/{connection.id}/webhooks"


def secret_intake_url(connection: CrmConnection, base_url: str, secret: str | None) -> str | None:
    """Salesforce's endpoint URL, with the secret it proves itself with (Outbound Messages
    carry no signature and no credentials of their own): shown with the secret, once."""
    if connection.provider is not CrmSource.salesforce or secret is None:
        return None
    return f"{intake_url(connection, base_url)}?{CREDENTIAL_PARAMETER}={secret}"


DEFAULT_API_BASE_URLS = {CrmSource.hubspot: "https://api.hubapi.com"}
COMPUTED = ("intake_url", "api_access", "api_base_url", "writeback_field_map")


def api_base_url(connection: CrmConnection) -> str | None:
    """Where the CRM's API is called: the connection's own URL, else the provider's public one
    (Pipedrive: the company's domain; Salesforce has no default, its instance URL is given)."""
    if connection.api_base_url:
        return connection.api_base_url.rstrip("/")
    if connection.provider is CrmSource.pipedrive and connection.company_domain:
        return f"https://{connection.company_domain}.pipedrive.com"
    return DEFAULT_API_BASE_URLS.get(connection.provider)


def api_access(connection: CrmConnection, settings: Settings) -> ApiAccess | None:
    """What the worker calls the CRM's API with, or None without a token."""
    base_url = api_base_url(connection)
    if connection.api_token_encrypted is None or base_url is None:
        return None
    return ApiAccess(
        provider=connection.provider,
        connection_id=connection.id,
        base_url=base_url,
        token=decrypt_secret(connection.api_token_encrypted, settings),
        won_stages=tuple(connection.won_stages),
    )


def present(connection: CrmConnection, base_url: str) -> dict[str, Any]:
    """The connection's public fields (never a secret), with its intake URL."""
    fields = CrmConnectionPublic.model_fields
    values = {name: getattr(connection, name) for name in fields if name not in COMPUTED}
    return {
        **values,
        "intake_url": intake_url(connection, base_url),
        "api_access": connection.api_token_encrypted is not None,
        "api_base_url": api_base_url(connection),
        "writeback_field_map": field_map(connection),
    }


async def get_connection(
    session: AsyncSession, caller: Caller, connection_id: UUID
) -> CrmConnection:
    return await get_owned(session, caller, CrmConnection, connection_id, CrmConnectionNotFound)


async def list_connections(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    provider: CrmSource | None = None,
    updated_since: datetime | None = None,
) -> Sequence[CrmConnection]:
    statement = where_given(
        owned_select(CrmConnection, caller),
        {CrmConnection.provider: provider},
        at_least={CrmConnection.updated_at: updated_since},
    )
    return (await session.exec(page.keyset(statement, CrmConnection.id))).all()


def present_with_secret(
    connection: CrmConnection, base_url: str, secret: str | None
) -> dict[str, Any]:
    """The public fields, with the secret we just made (this answer only)."""
    return {
        **present(connection, base_url),
        "secret": secret,
        "secret_intake_url": secret_intake_url(connection, base_url, secret),
    }


def _generated_secret(provider: CrmSource) -> str | None:
    if provider is CrmSource.generic:
        return generate_secret()
    if provider in (CrmSource.pipedrive, CrmSource.salesforce):
        return secrets.token_urlsafe(32)  # URL-safe: Salesforce's goes in the endpoint URL
    return None


async def _check_references(session: AsyncSession, caller: Caller, values: dict[str, Any]) -> None:
    if "default_project_manager_id" in values:
        await require_members(
            session, caller, {"default_project_manager_id": values["default_project_manager_id"]}
        )
    if values.get("project_template_id") is not None:
        await require_template(
            session, caller, values["project_template_id"], "project_template_id"
        )


async def create_connection(
    session: AsyncSession, caller: Caller, data: CrmConnectionCreate, settings: Settings
) -> tuple[CrmConnection, str | None]:
    """A new connection and the secret its CRM proves itself with (returned once, if we made
    it; stored only encrypted)."""
    values = data.model_dump(exclude={"app_secret", "api_token"})
    await _check_references(session, caller, values)
    await _check_api_base_url(values.get("api_base_url"), settings)
    if values["won_stages"] is None:
        values["won_stages"] = DEFAULT_WON_STAGES.get(data.provider, [])
    if data.provider is CrmSource.pipedrive and data.basic_auth_username is None:
        values["basic_auth_username"] = DEFAULT_BASIC_AUTH_USERNAME
    secret = _generated_secret(data.provider)
    stored = secret or data.app_secret
    connection = CrmConnection(
        organization_id=caller.organization_id,
        **values,
        secret_encrypted=None if stored is None else encrypt_secret(stored, settings),
        api_token_encrypted=None
        if data.api_token is None
        else encrypt_secret(data.api_token, settings),
        next_sync_at=None if data.api_token is None else utcnow(),
    )
    session.add(connection)
    await session.flush()
    return connection, secret


async def _check_api_base_url(url: str | None, settings: Settings) -> None:
    """The CRM's API is reached like a webhook: the same address rules (422 otherwise)."""
    if url is not None:
        await webhooks_service.check_url(url, settings, field="api_base_url")


def _require_token_to_move(
    connection: CrmConnection, changes: dict[str, Any], token_sent: bool
) -> None:
    """Where the CRM's API is called changes only with the token sent again (422): the stored
    token, never shown, would otherwise go to whatever address a `crm:write` key names."""
    moved = [name for name in ("api_base_url", "company_domain") if name in changes]
    if moved and not token_sent and connection.api_token_encrypted is not None:
        message = f"Send api_token again with a new {moved[0]}: the token stays where it was given."
        raise InvalidInput(
            message,
            errors=[FieldProblem(loc=["body", "api_token"], message=message, type="missing")],
        )


async def update_connection(
    session: AsyncSession,
    caller: Caller,
    connection: CrmConnection,
    data: CrmConnectionUpdate,
    settings: Settings,
) -> CrmConnection:
    """Provider-specific fields only on their provider's connections (422)."""
    sent = data.changes()
    token_sent = "api_token" in sent
    token = sent.pop("api_token", None)
    changes = {name: value for name, value in sent.items() if getattr(connection, name) != value}
    has_token = token is not None if token_sent else connection.api_token_encrypted is not None
    problem = api_access_problem(
        connection.provider,
        "set" if has_token else None,
        changes.get("api_base_url", connection.api_base_url),
        changes.get("company_domain", connection.company_domain),
    )
    if problem is not None:
        raise InvalidInput(
            problem,
            errors=[FieldProblem(loc=["body"], message=problem, type="api_access")],
        )
    _require_token_to_move(connection, changes, token_sent)
    await _check_api_base_url(changes.get("api_base_url"), settings)
    if changes.get("writeback_enabled", connection.writeback_enabled) and not has_token:
        raise NoApiAccess("Set the connection's api_token first: write-back calls the CRM's API.")
    if token_sent:
        connection.api_token_encrypted = None if token is None else encrypt_secret(token, settings)
        connection.next_sync_at = None if token is None else utcnow()
    own = {
        "basic_auth_username": CrmSource.pipedrive,
        "salesforce_organization_id": CrmSource.salesforce,
    }
    problems = [
        FieldProblem(
            loc=["body", name],
            message=f"Only {provider} connections have it.",
            type="wrong_provider",
        )
        for name, provider in own.items()
        if name in changes and connection.provider is not provider
    ]
    if problems:
        raise InvalidInput("That field is not one of this connection's.", errors=problems)
    await _check_references(session, caller, changes)
    if not changes and not token_sent:
        return connection
    if token_sent:  # another account (a new address comes with it): the wait was the old one's
        await session.exec(
            delete(CrmApiPause).where(col(CrmApiPause.connection_id) == connection.id)
        )
    assign(connection, changes)
    await session.flush()
    return connection


async def request_sync(session: AsyncSession, connection: CrmConnection) -> None:
    """Make the connection's sync due now: the worker takes it within its next poll."""
    if connection.api_token_encrypted is None:
        raise NoApiAccess("Set the connection's api_token first: a sync asks the CRM's API.")
    await session.exec(
        update(CrmConnection)
        .where(col(CrmConnection.id) == connection.id)
        .values(next_sync_at=utcnow())
    )
    connection.next_sync_at = utcnow()


async def delete_connection(session: AsyncSession, connection: CrmConnection) -> None:
    """Its intake URL stops answering; its deals stay (they forget the connection), its raw
    requests go."""
    await session.delete(connection)
    await session.flush()


async def rotate_secret(
    session: AsyncSession,
    connection: CrmConnection,
    data: CrmSecretRotation,
    settings: Settings,
) -> str | None:
    """A new secret (HubSpot: the one given); the replaced one is still accepted for the
    grace period, so the CRM can be switched without losing a push. A Salesforce connection
    made before it had a secret gets its first one here."""
    if connection.provider is CrmSource.hubspot and data.app_secret is None:
        raise InvalidInput(
            "HubSpot's app secret is rotated in HubSpot: send the new one.",
            errors=[FieldProblem(loc=["body", "app_secret"], message="required", type="missing")],
        )
    if connection.provider is not CrmSource.hubspot and data.app_secret is not None:
        raise InvalidInput(
            "Only HubSpot connections take an app secret.",
            errors=[
                FieldProblem(
                    loc=["body", "app_secret"], message="HubSpot only", type="wrong_provider"
                )
            ],
        )
    secret = _generated_secret(connection.provider)
    new = secret or data.app_secret
    assert new is not None
    if data.grace_period_seconds > 0:
        connection.previous_secret_encrypted = connection.secret_encrypted
        connection.previous_secret_expires_at = utcnow() + timedelta(
            seconds=data.grace_period_seconds
        )
    else:
        connection.previous_secret_encrypted = None
        connection.previous_secret_expires_at = None
    connection.secret_encrypted = encrypt_secret(new, settings)
    await session.flush()
    return secret


def credentials(
    connection: CrmConnection | Sender, settings: Settings, now: datetime
) -> Credentials:
    """What a request is checked against: the current secret, and the previous one during its
    grace period."""
    live = [connection.secret_encrypted]
    expires = connection.previous_secret_expires_at
    if expires is not None and expires > now:
        live.append(connection.previous_secret_encrypted)
    return Credentials(
        secrets=[decrypt_secret(blob, settings) for blob in live if blob is not None],
        won_stages=list(connection.won_stages),
        basic_auth_username=connection.basic_auth_username,
        salesforce_organization_id=connection.salesforce_organization_id,
    )


async def list_inbound_requests(
    session: AsyncSession,
    connection: CrmConnection,
    page: PageParams,
    outcome: InboundOutcome | None,
) -> Sequence[CrmInboundRequest]:
    statement = select(CrmInboundRequest).where(
        CrmInboundRequest.organization_id == connection.organization_id,
        CrmInboundRequest.connection_id == connection.id,
    )
    statement = where_given(statement, {CrmInboundRequest.outcome: outcome})
    return (await session.exec(page.keyset(statement, CrmInboundRequest.id))).all()


async def purge_inbound(session: AsyncSession, before: datetime) -> int:
    """Forget raw requests (and delivery claims) received before `before`: the retention.
    A request still waiting to be planned stays, whatever its age (it is all there is of its
    deals). A delivery retried after its claim is gone still finds its deal: no second project."""
    purged = await session.exec(
        delete(CrmInboundRequest).where(
            col(CrmInboundRequest.received_at) < before,
            col(CrmInboundRequest.outcome) != InboundOutcome.received,
        )
    )
    await session.exec(delete(CrmDeliveryClaim).where(col(CrmDeliveryClaim.claimed_at) < before))
    return int(purged.rowcount)
