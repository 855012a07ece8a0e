"""The intake: a CRM's request verified on its raw bytes, kept, and turned into deals.

Outside any transaction the connection is read and the request verified; a refusal is logged
and counted (never with a secret), kept for support, and answered 401 with no detail. A
verified request is read; then one transaction claims its delivery (a retry finds the claim: it
is acknowledged and changes nothing), takes each deal through `deals.service.take_deal`, and
keeps the raw request with what became of it.
"""

from dataclasses import dataclass, field
from typing import ClassVar
from uuid import UUID

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import DomainError, InvalidInput
from app.crm import metrics
from app.crm.providers import PROVIDERS
from app.crm.providers.base import Malformed, Reading, Received, Rejected
from app.crm.schemas import IntakeAnswer, IntakeDeal
from app.crm.service import credentials
from app.db import Database, insert_or_ignore
from app.deals.schemas import ProjectOutcome
from app.deals.service import Origin, find_deal, take_deal, update_deal
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


@dataclass
class Outcome:
    answer: IntakeAnswer
    deal_ids: list[str] = field(default_factory=list)


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
    deal_ids: list[str] | None = None,
) -> None:
    session.add(
        CrmInboundRequest(
            organization_id=connection.organization_id,
            connection_id=connection.id,
            delivery_key=delivery_key,
            headers=_kept_headers(request),
            body=request.body,
            outcome=outcome,
            detail=None if detail is None else detail[:2000],
            deal_ids=deal_ids or [],
        )
    )
    await session.flush()


async def _refuse(
    database: Database,
    provider: CrmSource,
    connection: CrmConnection | None,
    request: Received,
    reason: str,
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
            await _keep(session, connection, request, InboundOutcome.rejected, detail=reason)
    return IntakeRefused()


async def _take(
    session: AsyncSession, connection: CrmConnection, reading: Reading
) -> list[IntakeDeal]:
    """Each won deal through the one path to its project; changes to deals already known."""
    caller = Caller(connection.organization_id, None, frozenset())
    taken: list[IntakeDeal] = []
    for signal in reading.signals:
        if signal.won and signal.deal is not None:
            origin = Origin(
                source=connection.provider,
                connection_id=connection.id,
                template_id=connection.project_template_id,
                project_manager_id=connection.default_project_manager_id,
                raw_payload=signal.raw,
            )
            intake = await take_deal(session, caller, signal.deal, origin)
            deal, outcome, updated = intake.deal, intake.project, intake.deal_updated
        else:
            known = await find_deal(
                session, connection.organization_id, connection.provider, signal.external_id
            )
            if known is None:
                continue  # not won, not ours yet: acknowledged and ignored
            deal, outcome = known, ProjectOutcome.existing
            updated = await update_deal(session, known, signal.changes, signal.raw)
        taken.append(
            IntakeDeal(
                external_id=deal.external_id,
                deal_id=deal.id,
                project_id=deal.project_id,
                project=outcome,
                deal_updated=updated,
            )
        )
    return taken


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
        raise await _refuse(database, provider, connection, request, exc.reason) from exc
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
            outcome, deals = InboundOutcome.duplicate, []
        else:
            deals = await _take(session, connection, reading)
            outcome = InboundOutcome.processed if deals else InboundOutcome.ignored
        await _keep(
            session,
            connection,
            request,
            outcome,
            delivery_key=reading.delivery_key,
            detail=", ".join(f"{d.external_id}: {d.project}" for d in deals) or None,
            deal_ids=[str(d.deal_id) for d in deals],
        )
    metrics.INTAKE.labels(provider.value, outcome.value).inc()
    return IntakeAnswer(outcome=outcome, deals=deals)
