"""Cursor pagination: stable keyset pages over time-ordered ids, opaque signed cursors, `Link`.

A cursor is the last id of the page, signed with the service's secret for one list and one
organization: a cursor that was tampered with, or that comes from another list or another
organization, is a 400, never a silently wrong page.
"""

import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Annotated, Any, Generic, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Select
from starlette.datastructures import URL

from app.core import base64url
from app.core.errors import InvalidCursor

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# A sync pass's cursor carries its snapshot (app/core/sync.py), as long as the list of
# transactions running when it began.
CURSOR_MAX = 1024

Item = TypeVar("Item", bound=BaseModel)
SelectT = TypeVar("SelectT", bound=Select[Any])


class Identified(Protocol):
    @property
    def id(self) -> UUID: ...


class Page(BaseModel, Generic[Item]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next one."""

    items: list[Item]
    next_cursor: str | None = Field(description="Opaque; absent (null) on the last page.")


PageT = TypeVar("PageT", bound=Page[Any])


def next_url(url: URL, cursor: str, limit: int) -> str:
    """`url` with `cursor` and `limit` set, its other parameters kept in their order: what
    Starlette's `URL.include_query_params` gives, at half its cost (a page of the change list
    pays it on every poll)."""
    kept = [
        (name, value)
        for name, value in parse_qsl(url.query, keep_blank_values=True)
        if name not in ("cursor", "limit")
    ]
    query = urlencode([*kept, ("cursor", cursor), ("limit", limit)])
    return f"{str(url).partition('?')[0]}?{query}"


def _after_of(content: dict[str, Any]) -> UUID:
    try:
        return UUID(content["after"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("The cursor is malformed.") from exc


class PageParams:
    """`limit` and `cursor` query parameters, as a dependency that also writes the `Link` header."""

    def __init__(
        self, request: Request, response: Response, limit: int, cursor: str | None
    ) -> None:
        self._request = request
        self._response = response
        self.limit = min(limit, MAX_PAGE_SIZE)
        self.cursor = cursor
        self.carried: dict[str, Any] = {}  # what the next cursor carries besides the last id

    def _signature(self, payload: bytes) -> bytes:
        settings = self._request.app.state.settings
        caller = self._request.state.caller
        route = self._request.scope["route"].path
        message = b"|".join([route.encode(), str(caller.organization_id).encode(), payload])
        key = settings.secret_key.get_secret_value().encode()
        return hmac.digest(key, message, hashlib.sha256)[:16]

    def sign(self, content: dict[str, Any]) -> str:
        """`content` as a cursor of this list and organization."""
        payload = json.dumps(content, separators=(",", ":")).encode()
        return base64url.signed(payload, self._signature(payload))

    def encode(self, last_id: UUID) -> str:
        if self.carried:
            return self.sign({"after": str(last_id), **self.carried})
        payload = f'{{"after":"{last_id}"}}'.encode()  # compact JSON: a UUID needs no escape
        return base64url.signed(payload, self._signature(payload))

    def claimed_after(self) -> UUID | None:
        """The id the cursor names, before its signature is checked (400 if it is malformed)."""
        if self.cursor is None:
            return None
        return _after_of(json.loads(self._parts()[0]))

    def verified(self) -> dict[str, Any]:
        """What the cursor holds, once its signature is checked (400 if it is not ours)."""
        payload, signature = self._parts()
        if not hmac.compare_digest(signature, self._signature(payload)):
            raise InvalidCursor("The cursor was not issued for this list.")
        content: dict[str, Any] = json.loads(payload)
        return content

    def after(self) -> UUID | None:
        """The id the page starts after, from a verified cursor (400 if it is not ours)."""
        if self.cursor is None:
            return None
        return _after_of(self.verified())

    def _parts(self) -> tuple[bytes, bytes]:
        assert self.cursor is not None
        try:
            payload, signature = base64url.opened(self.cursor)
            content = json.loads(payload)
            if "rows" not in content:  # a sync pass's cursor (app/core/sync_pages.py)
                UUID(content["after"])
        except (ValueError, binascii.Error, KeyError, TypeError) as exc:
            raise InvalidCursor("The cursor is malformed.") from exc
        return payload, signature

    def keyset(self, statement: SelectT, id_column: Any) -> SelectT:
        """Restrict `statement` to this page: ids after the cursor, in id order, one extra row."""
        after = self.after()
        if after is not None:
            statement = statement.where(id_column > after)
        return statement.order_by(id_column).limit(self.limit + 1)

    def continue_after(self, last_id: UUID | None) -> str | None:
        """The next page's cursor, after the id that ends this page (None on the last page),
        written as `Link: rel="next"` too."""
        if last_id is None:
            return None
        next_cursor = self.encode(last_id)
        self._response.headers["Link"] = (
            f'<{next_url(self._request.url, next_cursor, self.limit)}>; rel="next"'
        )
        return next_cursor

    def page(self, rows: Sequence[Identified], page_model: type[PageT]) -> PageT:
        """The page from `limit + 1` rows (ORM objects or mappings); sets `Link: rel="next"`."""
        next_cursor = self.continue_after(
            rows[self.limit - 1].id if len(rows) > self.limit else None
        )
        return page_model.model_validate(
            {"items": rows[: self.limit], "next_cursor": next_cursor}, from_attributes=True
        )


LimitQuery = Annotated[
    int,
    Query(
        ge=1,
        description=f"Page size; default {DEFAULT_PAGE_SIZE}, "
        f"larger values are capped at {MAX_PAGE_SIZE}.",
    ),
]
CursorQuery = Annotated[
    str | None, Query(max_length=CURSOR_MAX, description="`next_cursor` of the previous page.")
]


async def _page_params(
    request: Request,
    response: Response,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> PageParams:
    # A coroutine, not the class itself: FastAPI runs a plain class or function dependency in
    # its thread pool, a thread hop on every request.
    return PageParams(request, response, limit, cursor)


PageDep = Annotated[PageParams, Depends(_page_params)]
