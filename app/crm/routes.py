"""`/v1/crm-connections` (scopes `crm:*`): the CRMs that push deals, what they sent, and what
Handover wrote back to their deals."""

from typing import Annotated
from uuid import UUID

from fastapi import status

from app.core.deps import SessionDep, SettingsDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep
from app.core.moments import UpdatedSince
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.core.urls import PublicBaseUrl
from app.crm import service
from app.crm.deps import (
    ConnectionToChange,
    CrmReader,
    CrmWriter,
    ReadableConnection,
    WritableConnection,
)
from app.crm.schemas import (
    CrmConnectionCreate,
    CrmConnectionPage,
    CrmConnectionPublic,
    CrmConnectionUpdate,
    CrmConnectionWithSecret,
    CrmSecretRotation,
    InboundRequestPage,
)
from app.crm.writeback import service as writeback_service
from app.crm.writeback.schemas import WritebackPage, WritebackPublic
from app.models import CrmSource, InboundOutcome, WritebackStatus

SyncPages = Annotated[SyncPageParams, sync_pages("crm_connections", deletions=True)]

router = api_router("crm", prefix="/v1/crm-connections")


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_crm_connection(
    session: SessionDep,
    caller: CrmWriter,
    settings: SettingsDep,
    base_url: PublicBaseUrl,
    body: CrmConnectionCreate,
) -> CrmConnectionWithSecret:
    """Connect a CRM; a secret we generate is in this response only (no Idempotency-Key:
    the secret is never stored where a replay could read it)."""
    connection, secret = await service.create_connection(session, caller, body, settings)
    return CrmConnectionWithSecret(**service.present_with_secret(connection, base_url, secret))


@router.get("")
async def list_crm_connections(
    session: SessionDep,
    caller: CrmReader,
    base_url: PublicBaseUrl,
    page: SyncPages,
    provider: CrmSource | None = None,
    updated_since: UpdatedSince = None,
) -> CrmConnectionPage:
    """List CRM connections, oldest first (never their secrets)."""
    rows = await service.list_connections(
        session, caller, page, provider=provider, updated_since=updated_since
    )
    presented = [CrmConnectionPublic(**service.present(row, base_url)) for row in rows]
    return page.page(presented, CrmConnectionPage)


@router.get("/{crm_connection_id}", responses=NOT_MODIFIED)
async def get_crm_connection(
    connection: ReadableConnection, base_url: PublicBaseUrl, cache: CacheCheckDep
) -> CrmConnectionPublic:
    """Read one connection, with its intake URL."""
    return CrmConnectionPublic(**service.present(connection, base_url))


@router.patch("/{crm_connection_id}")
async def update_crm_connection(
    session: SessionDep,
    caller: CrmWriter,
    settings: SettingsDep,
    base_url: PublicBaseUrl,
    connection: ConnectionToChange,
    body: CrmConnectionUpdate,
) -> CrmConnectionPublic:
    """Change a connection (JSON merge patch); the provider and the secret stay."""
    connection = await service.update_connection(session, caller, connection, body, settings)
    return CrmConnectionPublic(**service.present(connection, base_url))


@router.delete("/{crm_connection_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_crm_connection(session: SessionDep, connection: ConnectionToChange) -> None:
    """Disconnect a CRM: its intake URL stops answering; its deals and projects stay."""
    await service.delete_connection(session, connection)


@router.post("/{crm_connection_id}/rotate-secret")
async def rotate_crm_connection_secret(
    session: SessionDep,
    settings: SettingsDep,
    base_url: PublicBaseUrl,
    connection: WritableConnection,
    body: CrmSecretRotation,
) -> CrmConnectionWithSecret:
    """Replace the secret; the old one is accepted for the grace period. The new one (if we
    made it) is in this response only."""
    secret = await service.rotate_secret(session, connection, body, settings)
    return CrmConnectionWithSecret(**service.present_with_secret(connection, base_url, secret))


@router.post(
    "/{crm_connection_id}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(409),
)
async def sync_crm_connection(
    session: SessionDep, base_url: PublicBaseUrl, connection: WritableConnection
) -> CrmConnectionPublic:
    """Sync now: the worker lists the deals won or changed in the CRM since the connection's
    cursor and takes each the way of a push (the scheduled sync runs every
    `HANDOVER_CRM_SYNC_INTERVAL_SECONDS`). 409 without API access."""
    await service.request_sync(session, connection)
    return CrmConnectionPublic(**service.present(connection, base_url))


@router.get("/{crm_connection_id}/inbound-requests")
async def list_crm_inbound_requests(
    session: SessionDep,
    connection: ReadableConnection,
    page: PageDep,
    outcome: InboundOutcome | None = None,
) -> InboundRequestPage:
    """What the CRM sent, exactly (credentials left out), and what became of it: for support.
    Kept for `HANDOVER_CRM_INBOUND_RETENTION_DAYS`."""
    rows = await service.list_inbound_requests(session, connection, page, outcome)
    return page.page(rows, InboundRequestPage)


@router.get("/{crm_connection_id}/writebacks")
async def list_crm_writebacks(
    session: SessionDep,
    connection: ReadableConnection,
    page: PageDep,
    status: WritebackStatus | None = None,
) -> WritebackPage:
    """What Handover wrote back to the connection's deals (delivery fields, notes), when, and
    what the CRM answered; oldest first."""
    rows = await writeback_service.list_writebacks(session, connection, page, status)
    return page.page(rows, WritebackPage)


@router.post(
    "/{crm_connection_id}/writebacks/{writeback_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(409),
)
async def retry_crm_writeback(
    session: SessionDep, connection: WritableConnection, writeback_id: UUID
) -> WritebackPublic:
    """Send a failed write-back again (fields: the deal's state as it is then); 409 unless it
    failed."""
    writeback = await writeback_service.retry_writeback(session, connection, writeback_id)
    return WritebackPublic.model_validate(writeback)
