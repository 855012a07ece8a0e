"""The intake: a CRM's request verified on its raw bytes, kept, and answered at once.

Outside any transaction the connection is read and the request verified, before any quota is
counted, so a forged request never spends the connection's. A refusal is logged and counted in
the metrics (never with a secret), spends a bucket of its own
(`HANDOVER_CRM_UNVERIFIED_RATE_LIMIT`: beyond it a 429, nothing kept), is kept for support as
metadata, a bounded prefix and a digest of its body, and is answered 401 with no detail. A
verified request spends the connection's quota (`HANDOVER_CRM_RATE_LIMIT`) and is read (a body
its CRM would not send is a 422); then one short transaction claims its delivery (a retry finds
the claim: a duplicate, acknowledged, nothing done) and keeps the raw request as `received`.
The reads and writes are the store's (app/crm/intake_store.py), the rules all here.
Nothing is planned here: CRMs time out fast (HubSpot counts an answer slower than 5 s as
failed), so the worker (app/crm/worker.py) completes each kept request's deals from the CRM's
API and plans them, retrying from the kept record.
"""

import hashlib
from datetime import datetime
from typing import ClassVar
from uuid import UUID

import structlog

from app.core.errors import DomainError, InvalidInput
from app.core.ratelimit import PER_CONNECTION, UNVERIFIED, RateLimiter
from app.crm import metrics
from app.crm.intake_store import IntakeStore, Kept, Sender
from app.crm.providers import PROVIDERS
from app.crm.providers.base import Credentials, Malformed, Received, Rejected
from app.crm.schemas import IntakeAnswer
from app.crm.service import credentials
from app.models import CrmSource, InboundOutcome
from app.models.base import new_id, utcnow
from app.settings import Settings

logger = structlog.get_logger("handover.crm")
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
# What is kept of a refused request: enough for support to recognise it, too little to fill the
# database (its size and SHA-256 say the rest).
REFUSED_BODY_PREFIX = 512
REFUSED_HEADERS = 32
REFUSED_HEADER_LENGTH = 256


class IntakeRefused(DomainError):
    """401 without a word on why: the reason is in the logs, the metrics and the kept request."""

    status, slug, title = 401, "unauthenticated", "Unauthenticated"
    headers: ClassVar[dict[str, str] | None] = None


class IntakeTooLarge(DomainError):
    status, slug, title = 413, "content-too-large", "Content Too Large"


def _kept_headers(request: Received, *, refused: bool) -> dict[str, str]:
    kept = {
        name: value for name, value in request.headers.items() if name not in CREDENTIAL_HEADERS
    }
    if not refused:
        return kept
    return {
        name[:REFUSED_HEADER_LENGTH]: value[:REFUSED_HEADER_LENGTH]
        for name, value in list(kept.items())[:REFUSED_HEADERS]
    }


def _kept(
    sender: Sender,
    request: Received,
    outcome: InboundOutcome,
    now: datetime,
    *,
    detail: str | None = None,
    delivery_key: str | None = None,
) -> Kept:
    refused = outcome is InboundOutcome.rejected
    body = PROVIDERS[sender.provider].kept_body(request.body)
    return Kept(
        id=new_id(),
        organization_id=sender.organization_id,
        connection_id=sender.id,
        received_at=now,
        delivery_key=delivery_key,
        headers=_kept_headers(request, refused=refused),
        body=body[:REFUSED_BODY_PREFIX] if refused else body,
        body_bytes=len(request.body),
        body_sha256=hashlib.sha256(request.body).hexdigest(),
        outcome=outcome,
        detail=None if detail is None else detail[:2000],
    )


async def _refuse(
    store: IntakeStore,
    limiter: RateLimiter,
    provider: CrmSource,
    connection_id: UUID,
    sender: Sender | None,
    request: Received,
    reason: str,
    detail: str | None = None,
) -> IntakeRefused:
    """Count the refusal in the unverified bucket (a 429 past it, nothing kept), keep it."""
    metrics.REJECTED.labels(provider.value, reason).inc()
    metrics.INTAKE.labels(provider.value, InboundOutcome.rejected.value).inc()
    logger.warning(
        "crm request refused",
        provider=provider.value,
        connection_id=str(connection_id),
        reason=reason,
        body_bytes=len(request.body),
    )
    await limiter.hit(str(connection_id), UNVERIFIED, headers=False)
    if sender is not None:
        rejected = InboundOutcome.rejected
        kept = _kept(sender, request, rejected, utcnow(), detail=detail or reason)
        await store.keep(kept, claim=False)
    return IntakeRefused()


def _verified(
    provider: CrmSource,
    sender: Sender | None,
    request: Received,
    settings: Settings,
    now: datetime,
) -> Credentials:
    """What the request proved itself with; `Rejected` (the reason, and what was checked when
    it helps) when it does not prove it comes from the connection's CRM."""
    if sender is None or sender.provider is not provider:
        raise Rejected("unknown_connection")
    if not sender.enabled:
        raise Rejected("connection_disabled")
    proof = credentials(sender, settings, now)
    PROVIDERS[provider].verify(request, proof, settings, now)
    return proof


async def receive(
    store: IntakeStore,
    settings: Settings,
    limiter: RateLimiter,
    provider: CrmSource,
    connection_id: UUID,
    request: Received,
) -> tuple[IntakeAnswer, dict[str, str]]:
    """Verify, count, read, and take a CRM's request (see the module's docstring); the answer
    and the connection's rate-limit headers."""
    if len(request.body) > settings.crm_max_body_bytes:
        metrics.REJECTED.labels(provider.value, "too_large").inc()
        raise IntakeTooLarge(f"CRM requests are at most {settings.crm_max_body_bytes} bytes.")
    sender = await store.sender(connection_id)
    now = utcnow()
    try:
        proof = _verified(provider, sender, request, settings, now)
    except Rejected as exc:
        known = sender if exc.reason != "unknown_connection" else None
        raise await _refuse(
            store, limiter, provider, connection_id, known, request, exc.reason, exc.detail
        ) from None
    assert sender is not None  # verified
    limits = await limiter.hit(str(connection_id), PER_CONNECTION)
    try:
        reading = PROVIDERS[provider].read(request, proof)
    except Malformed as exc:
        metrics.INTAKE.labels(provider.value, InboundOutcome.malformed.value).inc()
        malformed = _kept(sender, request, InboundOutcome.malformed, now, detail=exc.message)
        await store.keep(malformed, claim=False)
        raise InvalidInput(exc.message, errors=exc.errors) from exc

    # Nothing about deals in it: nothing to plan. A delivery claimed before: a duplicate.
    outcome = InboundOutcome.received if reading.signals else InboundOutcome.ignored
    detail = f"{len(reading.signals)} deal(s) to plan" if reading.signals else None
    kept = _kept(sender, request, outcome, now, detail=detail, delivery_key=reading.delivery_key)
    outcome = await store.keep(kept, claim=True)
    metrics.INTAKE.labels(provider.value, outcome.value).inc()
    answer = IntakeAnswer(
        outcome=outcome,
        inbound_request_id=kept.id,
        deals=[signal.external_id for signal in reading.signals],
    )
    return answer, limits
