"""Sync tokens: a poller that keeps only its last token sees every committed change.

Stamping rows when they are written (ids, `updated_at`) is not enough: a long transaction
commits after shorter ones that started later, so a poller that moved past a moment misses the
rows that become visible behind it. A token therefore stands for a *set of committed
transactions*, not for a moment, and a poll returns the rows whose last write is committed now
but was not in the token's set:

- PostgreSQL: triggers write `change_position`, the writing transaction's id
  (`pg_current_xact_id()`); a token holds a snapshot (`pg_current_snapshot()`: the oldest
  running transaction, the next id, the ids running between). A pass reads the rows whose id is
  visible in the snapshot taken when the pass began and was not visible in the token's, in
  (position, id) order; its last page hands out that snapshot as the next token. A transaction
  running when either snapshot was taken is in neither, so it is read by the pass after it
  commits, however long it ran: visibility is bounded by the oldest running transaction, which
  PostgreSQL knows for every replica and worker alike. Two statements per page (the snapshot,
  then the page), whatever the number of writers.
- SQLite: writers are serialised, so a counter bumped by the same triggers is in commit order;
  a token holds the counter's value.

Deletions leave a tombstone (`deleted_rows`, app/models/sync.py) with the same position,
pruned after `sync_retention_days`; a token older than that is a 410, since tombstones it needs
may be gone. A token is signed for the organization, the list (its path) and its filters.
"""

import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Generic
from uuid import UUID

from fastapi import Request
from pydantic import Field
from sqlalchemy import ColumnElement, Text, and_, cast, func, literal, or_, text, true
from sqlalchemy.types import UserDefinedType
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import base64url
from app.core.errors import DomainError
from app.core.pagination import Item, Page
from app.core.schemas import OutputModel
from app.models.base import utcnow
from app.models.sync import DeletedRow
from app.settings import Settings

SYNC_TOKEN_MAX = 1024  # a URL stays short
# A snapshot names every transaction running when it was taken, and a token or a pass's cursor
# carries it: what it may spell out and still fit in either (`kept_short`).
SNAPSHOT_MAX = 560
SIGNED_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
# Not part of a token's scope: paging, the token itself, and the moment filters a token replaces.
UNSCOPED = frozenset({"limit", "cursor", "sync_token", "updated_since", "since"})


class InvalidSyncToken(DomainError):
    status, slug, title = 400, "invalid-sync-token", "Invalid Sync Token"


class SyncTokenExpired(DomainError):
    status, slug, title = 410, "sync-token-expired", "Sync Token Expired"


class Tombstone(OutputModel):
    """A row deleted since the token: forget it (an id you never saw can be ignored)."""

    id: UUID
    version: int | None = Field(description="Its version when it was deleted.")


class SyncPage(Page[Item], Generic[Item]):
    """A page of a list that PM tools sync; see docs/api.md, "How to stay in sync"."""

    deleted: list[Tombstone] = Field(
        default_factory=list,
        description="With `sync_token`: rows deleted since the token, this page's share.",
    )
    next_sync_token: str | None = Field(
        None,
        description="On the last page: pass it as `sync_token` to get what changed after this "
        "listing. Null on other pages.",
    )


class _Named(UserDefinedType[Any]):
    cache_ok = True

    def __init__(self, name: str) -> None:
        self.name = name

    def get_col_spec(self, **_: Any) -> str:
        return self.name


_XID8, _SNAPSHOT = _Named("xid8"), _Named("pg_snapshot")


async def current_snapshot(session: AsyncSession, settings: Settings) -> str:
    """The set of committed writes now: a PostgreSQL snapshot, or SQLite's counter."""
    if settings.is_sqlite:
        statement = text("SELECT position FROM sync_counter")
    else:
        statement = text("SELECT pg_current_snapshot()::text")
    return str((await session.exec(statement)).scalar_one())  # type: ignore[call-overload]


def kept_short(snapshot: str) -> str:
    """`snapshot`, or, when it names more running transactions than a token can carry, the same
    snapshot ending at the first one it leaves out. Everything from that transaction on counts as
    not yet committed, so a pass reads it later, perhaps again (a row may come twice), never not:
    a busy database must not hand a poller a token it cannot send back."""
    if len(snapshot) <= SNAPSHOT_MAX:
        return snapshot
    oldest, _, running = snapshot.split(":")
    ids = running.split(",")  # ascending, as PostgreSQL writes them
    room = SNAPSHOT_MAX - len(oldest) - 2
    kept, used = 0, 0  # the first `kept` ids, with their commas, take `used` characters
    while kept + 1 < len(ids):
        more = used + len(ids[kept]) + (1 if kept else 0)
        if more + len(ids[kept + 1]) > room:
            break
        kept, used = kept + 1, more
    return f"{oldest}:{ids[kept]}:{','.join(ids[:kept])}"


def _visible(position: Any, snapshot: str) -> ColumnElement[bool]:
    return func.pg_visible_in_snapshot(
        cast(cast(position, Text), _XID8), cast(literal(snapshot, Text), _SNAPSHOT)
    )


def changed_between(position: Any, since: str, upper: str, *, sqlite: bool) -> ColumnElement[bool]:
    """Rows written after the set `since` stands for and within the set `upper` stands for."""
    if sqlite:
        return and_(position > int(since), position <= int(upper))
    # Every id below the old snapshot's oldest running one was visible in it: an index bound.
    return and_(
        position >= int(since.split(":", 1)[0]),
        ~_visible(position, since),
        _visible(position, upper),
    )


def after_key(position: Any, id_column: Any, key: Sequence[Any] | None) -> ColumnElement[bool]:
    """After (position, id) `key` in the order a pass reads."""
    if key is None:
        return true()
    last_position, last_id = int(key[0]), UUID(str(key[1]))
    return or_(position > last_position, and_(position == last_position, id_column > last_id))


def _scope(request: Request, organization_id: UUID) -> bytes:
    """The organization, the list (its route and its path) and its filters, in one message."""
    filters = sorted(
        (name, value) for name, value in request.query_params.multi_items() if name not in UNSCOPED
    )
    parts = [
        b"sync",
        request.scope["route"].path.encode(),
        request.url.path.encode(),
        str(organization_id).encode(),
        json.dumps(filters, separators=(",", ":")).encode(),
    ]
    return b"|".join(parts)


def _signature(settings: Settings, scope: bytes, payload: bytes) -> bytes:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.digest(key, scope + b"|" + payload, hashlib.sha256)[:16]


def issue_token(
    request: Request,
    settings: Settings,
    organization_id: UUID,
    snapshot: str,
    issued_at: float | None = None,
) -> str:
    """A token for `snapshot`, for this list and its filters, issued now (or `issued_at`)."""
    issued = int(time.time() if issued_at is None else issued_at)
    payload = json.dumps({"s": snapshot, "t": issued}, separators=(",", ":")).encode()
    signature = _signature(settings, _scope(request, organization_id), payload)
    return base64url.signed(payload, signature)


def _opened(token: str) -> tuple[bytes, bytes, str, int]:
    """A token's payload, signature, snapshot and time of issue, unchecked (400 if malformed)."""
    try:
        payload, signature = base64url.opened(token)
        content = json.loads(payload)
        return payload, signature, str(content["s"]), int(content["t"])
    except (ValueError, binascii.Error, KeyError, TypeError) as exc:
        raise InvalidSyncToken("The sync token is malformed.") from exc


def claimed_snapshot(token: str) -> str:
    """The snapshot a token names, before it is checked (400 if it is malformed): for a reader
    that learns the organization in the statement the snapshot goes into (app/fastpath/), and
    calls `read_token` once it knows it."""
    return _opened(token)[2]


def read_token(request: Request, settings: Settings, organization_id: UUID, token: str) -> str:
    """The snapshot a token stands for: 400 if it was not issued for this list and these
    filters, 410 when it is older than the retention of tombstones."""
    payload, signature, snapshot, issued = _opened(token)
    expected = _signature(settings, _scope(request, organization_id), payload)
    if not hmac.compare_digest(signature, expected):
        raise InvalidSyncToken(
            "The sync token was not issued for this list and these filters: use the token "
            "its own list gave, with the same filters."
        )
    if time.time() - issued > settings.sync_retention_days * 86400:
        raise SyncTokenExpired(
            f"The sync token is older than {settings.sync_retention_days} days, the time "
            "deletions are kept: list again without `sync_token` and keep the new token."
        )
    return snapshot


async def tombstones(
    session: AsyncSession,
    settings: Settings,
    scope: tuple[UUID, str, UUID | None],
    since: str,
    upper: str,
    after: Sequence[Any] | None,
    limit: int,
) -> Sequence[Any]:
    """Up to `limit` tombstones of one list in reading order, after `after`."""
    organization_id, list_name, project_id = scope
    position = DeletedRow.__table__.c.change_position  # type: ignore[attr-defined]
    row_id = DeletedRow.__table__.c.row_id  # type: ignore[attr-defined]
    statement = select(row_id, DeletedRow.version, position).where(
        DeletedRow.organization_id == organization_id,
        DeletedRow.list_name == list_name,
        changed_between(position, since, upper, sqlite=settings.is_sqlite),
        after_key(position, row_id, after),
    )
    if project_id is not None:
        statement = statement.where(DeletedRow.project_id == project_id)
    statement = statement.order_by(position, row_id).limit(limit)
    return (await session.exec(statement)).all()


async def prune_tombstones(session: AsyncSession, settings: Settings) -> int:
    """Forget deletions older than any token still accepted."""
    cutoff = utcnow() - timedelta(days=settings.sync_retention_days)
    result = await session.exec(delete(DeletedRow).where(col(DeletedRow.deleted_at) < cutoff))
    return int(result.rowcount or 0)
