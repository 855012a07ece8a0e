"""The intake: a CRM's request verified on its raw bytes, kept, and answered at once.

Outside any transaction the connection is read and the request verified; a refusal is logged
and counted (never with a secret), kept for support, and answered 401 with no detail. A
verified request is read (a body its CRM would not send is a 422); then one short transaction
claims its delivery (a retry finds the claim: a duplicate, acknowledged, nothing done) and keeps
the raw request as `received`. Nothing is planned here: CRMs time out fast (HubSpot counts an
answer slower than 5 s as failed), so the worker (app/crm/worker.py) completes each kept
request's deals from the CRM's API and plans them, retrying from the kept record.
"""

from typing import ClassVar
from uuid import UUID

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import DomainError, InvalidInput
from app.crm import metrics
from app.crm.providers import PROVIDERS
from app.crm.providers.base import Malformed, Received, Rejected
from app.crm.schemas import IntakeAnswer
from app.crm.service import credentials
from app.db import Database, insert_or_ignore
from app.models import CrmConnection, CrmDeliveryClaim, CrmInboundRequest, CrmSource, InboundOutcome
from app.models.base import utcnow
from app.settings import Settings

logger = structlog.get_logger("handover.crm")
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


class IntakeRefused(DomainError):
    """401 without a word on why: the reason is in the logs, the metrics and the kept request."""

    status, slug, title = 401, "unauthenticated", "Unauthenticated"
    headers: ClassVar[dict[str, str] | None] = None


class IntakeTooLarge(DomainError):
    status, slug, title = 413, "content-too-large", "Content Too Large"


def _kept_headers(request: Received) -> dict[str, str]:
    return {
        name: value for name, value in request.headers.items() if name not in CREDENTIAL_HEADERS
    }


async def _keep(
    session: AsyncSession,
    connection: CrmConnection,
    request: Received,
    outcome: InboundOutcome,
    *,
    detail: str | None = None,
    delivery_key: str | None = None,
) -> CrmInboundRequest:
    kept = CrmInboundRequest(
        organization_id=connection.organization_id,
        connection_id=connection.id,
        delivery_key=delivery_key,
        headers=_kept_headers(request),
        body=request.body,
        outcome=outcome,
        detail=None if detail is None else detail[:2000],
        next_attempt_at=utcnow() if outcome is InboundOutcome.received else None,
    )
    session.add(kept)
    await session.flush()
    return kept


async def _refuse(
    database: Database,
    provider: CrmSource,
    connection: CrmConnection | None,
    request: Received,
    reason: str,
    detail: str | None = None,
) -> IntakeRefused:
    metrics.REJECTED.labels(provider.value, reason).inc()
    metrics.INTAKE.labels(provider.value, InboundOutcome.rejected.value).inc()
    logger.warning(
        "crm request refused",
        provider=provider.value,
        connection_id=None if connection is None else str(connection.id),
        reason=reason,
        body_bytes=len(request.body),
    )
    if connection is not None:
        async with database.transaction() as session:
            await _keep(
                session, connection, request, InboundOutcome.rejected, detail=detail or reason
            )
    return IntakeRefused()


async def receive(
    database: Database,
    settings: Settings,
    provider: CrmSource,
    connection_id: UUID,
    request: Received,
) -> IntakeAnswer:
    """Verify, read, and take a CRM's request (see the module's docstring)."""
    if len(request.body) > settings.crm_max_body_bytes:
        metrics.REJECTED.labels(provider.value, "too_large").inc()
        raise IntakeTooLarge(f"CRM requests are at most {settings.crm_max_body_bytes} bytes.")
    async with database.transaction(write=False) as session:
        connection = await session.get(CrmConnection, connection_id)
    if connection is None or connection.provider is not provider:
        raise await _refuse(database, provider, None, request, "unknown_connection")
    if not connection.enabled:
        raise await _refuse(database, provider, connection, request, "connection_disabled")
    handler = PROVIDERS[provider]
    now = utcnow()
    try:
        handler.verify(request, credentials(connection, settings, now), settings, now)
    except Rejected as exc:
        raise await _refuse(
            database, provider, connection, request, exc.reason, exc.detail
        ) from exc
    try:
        reading = handler.read(request, credentials(connection, settings, now))
    except Malformed as exc:
        metrics.INTAKE.labels(provider.value, InboundOutcome.malformed.value).inc()
        async with database.transaction() as session:
            await _keep(session, connection, request, InboundOutcome.malformed, detail=exc.message)
        raise InvalidInput(exc.message, errors=exc.errors) from exc

    async with database.transaction() as session:
        claimed = await session.exec(
            insert_or_ignore(session, CrmDeliveryClaim.__table__).values(  # type: ignore[attr-defined]
                connection_id=connection.id, delivery_key=reading.delivery_key, claimed_at=now
            )
        )
        if claimed.rowcount == 0:
            outcome = InboundOutcome.duplicate
        elif reading.signals:
            outcome = InboundOutcome.received
        else:
            outcome = InboundOutcome.ignored  # nothing about deals in it: nothing to plan
        kept = await _keep(
            session,
            connection,
            request,
            outcome,
            delivery_key=reading.delivery_key,
            detail=f"{len(reading.signals)} deal(s) to plan" if reading.signals else None,
        )
    metrics.INTAKE.labels(provider.value, outcome.value).inc()
    return IntakeAnswer(
        outcome=outcome,
        inbound_request_id=kept.id,
        deals=[signal.external_id for signal in reading.signals],
    )
