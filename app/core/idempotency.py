"""`Idempotency-Key` on POST: the same key and body replays the first response.

The life of a key, per organization:
1. `claim` (a dependency, after authentication) inserts the key as *in flight* in its own short
   transaction, so that a concurrent request with the same key sees it and gets a 409.
   A completed key with the same body is replayed; with another body it is a 422.
2. The route runs in the request's transaction; `record` (called by `HandoverRoute`) stores the
   response in that same transaction, so the change and its replayable response commit together.
3. If the request fails, its transaction rolls back and the claim is deleted, so a retry runs
   afresh. If the process dies mid-request, the claim's lock expires and a retry takes it over.
Keys are kept for `HANDOVER_IDEMPOTENCY_TTL_HOURS` (24 h by default).
"""

import hashlib
from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import Depends, FastAPI, Header, Request, Response
from sqlalchemy import delete, update
from sqlmodel import select

from app.core.deps import get_database
from app.core.errors import Conflict, DomainError
from app.db import insert_or_ignore
from app.models import IdempotencyRecord, IdempotencyState
from app.models.base import new_id, utcnow

REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("content-type", "location", "etag", "link")


class IdempotencyKeyInFlight(Conflict):
    slug = "idempotency-key-in-flight"
    title = "Idempotency-Key In Flight"


class IdempotencyKeyReused(DomainError):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency-Key Reused"


class Replay(Exception):
    """Answers with the stored response (copied out: the claim's transaction ends on raise)."""

    def __init__(self, record: IdempotencyRecord) -> None:
        self.status = record.response_status or 200
        self.headers = {**(record.response_headers or {}), REPLAYED_HEADER: "true"}
        self.body = record.response_body or b""


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _release(request: Request, record_id: UUID) -> None:
    async with get_database(request).transaction() as session:
        await session.exec(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))  # type: ignore[arg-type]


async def claim(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Makes a retried POST safe: the same key and body returns the first "
            "response (with `Idempotent-Replayed: true`); kept for 24 hours.",
        ),
    ] = None,
) -> None:
    """Claim the key for this request, or answer from what an earlier request left."""
    if idempotency_key is None:
        return
    caller = getattr(request.state, "caller", None)
    if caller is None:  # pragma: no cover - a route declared its parameters in the wrong order
        raise RuntimeError("declare the authenticated caller before the Idempotency-Key claim")
    database = get_database(request)
    settings = database.settings
    now = utcnow()
    fingerprint = _fingerprint(request, await request.body())
    lease = {
        "fingerprint": fingerprint,
        "state": IdempotencyState.in_flight,
        "response_status": None,
        "response_headers": None,
        "response_body": None,
        "locked_until": now + timedelta(seconds=settings.idempotency_lock_seconds),
        "expires_at": now + timedelta(hours=settings.idempotency_ttl_hours),
    }
    record_id = new_id()
    async with database.transaction() as session:
        inserted = await session.exec(
            insert_or_ignore(session, IdempotencyRecord.__table__).values(  # type: ignore[attr-defined]
                id=record_id,
                organization_id=caller.organization_id,
                key=idempotency_key,
                created_at=now,
                **lease,
            )
        )
        if inserted.rowcount == 0:
            found = await session.exec(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.organization_id == caller.organization_id,
                    IdempotencyRecord.key == idempotency_key,
                )
            )
            record = found.one()
            expired = record.expires_at <= now
            if not expired and record.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was used with another request; use a new key."
                )
            if not expired and record.state is IdempotencyState.completed:
                raise Replay(record)
            if not expired and record.locked_until > now:
                raise IdempotencyKeyInFlight(
                    "A request with this Idempotency-Key is still being processed; retry later."
                )
            # Expired, or its first request died: take it over, unless another retry just did.
            taken = await session.exec(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.id == record.id,  # type: ignore[arg-type]
                    IdempotencyRecord.locked_until == record.locked_until,  # type: ignore[arg-type]
                )
                .values(created_at=now, **lease)
            )
            if taken.rowcount == 0:
                raise IdempotencyKeyInFlight(
                    "Another retry with this Idempotency-Key just started."
                )
            record_id = record.id
    request.state.idempotency_record_id = record_id
    request.state.after_rollback.append(lambda: _release(request, record_id))


IdempotencyDep = Annotated[None, Depends(claim)]


async def record(request: Request, response: Response) -> None:
    """Store the response of a claimed request, in the request's own transaction."""
    record_id = getattr(request.state, "idempotency_record_id", None)
    if record_id is None:
        return
    headers = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
    await request.state.session.exec(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(
            state=IdempotencyState.completed,
            response_status=response.status_code,
            response_headers=headers,
            response_body=bytes(response.body),
        )
    )


async def _replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    return Response(content=exc.body, status_code=exc.status, headers=exc.headers)


def install_idempotency_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Replay, _replay)
