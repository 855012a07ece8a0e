"""The lean path for what PM tools poll most: a project's status, and the list of changes.

Through FastAPI's routing, its dependencies and the ORM, a poll costs about ten times the one
database round trip it needs (`python -m bench`, scenarios 1–3). So this pure ASGI layer, in
front of the routes, answers the polls it can, each from one statement that reads the key by
its hash together with what the poll asks for:

- `GET /v1/projects/{project_id}/status`: 304 when the client's copy is current, or 200 with the
  document kept for the project's version and day (app/models/status_document.py);
- `GET /v1/projects` with no parameters but `updated_since`, `limit` and `cursor`: the page,
  its cursor carrying the snapshot its statement read (the last page's `next_sync_token`, as the
  route gives it; app/core/sync_pages.py). A `sync_token` goes on to the route.

Everything else goes on to the route unchanged: no key, or an unknown, expired or revoked one,
a missing scope, a project of another organization, a parameter the route would refuse or that
this path does not read, a document not yet built. The route stays the definition of the
behaviour and of the contract; this path gives what the route would give (tested side by side),
and counts the request against the rate limits of the key and its organization only when it
answers. An address past its limit of failed authentications gets the route's 429 here, before
its key is looked up.

PostgreSQL only: the statement runs on a plain asyncpg connection of the database's own pool
(app/db.py `driver_pool`). SQLite serves one machine, where the routes are fast enough and rows
would need SQLAlchemy's type conversions.
"""

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

import structlog
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.auth import KEY_PREFIX, Caller, KeyRecord, hash_key, record_use, usable
from app.core.auth import Scope as KeyScope
from app.core.errors import DomainError, domain_error_response
from app.core.etag import TAG_HEADER_MAX, etag_of, is_current
from app.core.moments import Since
from app.core.pagination import CURSOR_MAX, DEFAULT_PAGE_SIZE, PageParams
from app.core.ratelimit import RateLimiter
from app.core.routing import undeclared_names
from app.core.sync import issue_token
from app.db import Database
from app.models.base import today, utcnow
from app.projects import lifecycle_routes, routes
from app.projects.list_item import kept_item_sql
from app.projects.schemas import ProjectPublic

log = structlog.get_logger(__name__)

_UUID = r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}"
STATUS_PATH = re.compile(rf"/v1/projects/({_UUID})/status")
LIST_PATH = "/v1/projects"


def _route_of(router: Any, endpoint: Any) -> Any:
    """The route of `endpoint`, as the metrics, the access log and list cursors name it."""
    return next(r for r in router.routes if getattr(r, "endpoint", None) is endpoint)


STATUS_ROUTE = _route_of(lifecycle_routes.router, lifecycle_routes.get_project_status)
LIST_ROUTE = _route_of(routes.router, routes.list_projects)

# `scopes` as text: it comes with every row of a page, and is decoded once.
_KEY = "k.id, k.organization_id, k.scopes::text, k.expires_at, k.revoked_at, k.last_used_at"

_STATUS = f"""
SELECT {_KEY}, p.version, d.version AS kept_version, d.as_of AS kept_as_of, d.document
FROM api_keys AS k
LEFT JOIN projects AS p ON p.id = $2 AND p.organization_id = k.organization_id
LEFT JOIN project_status_documents AS d ON d.project_id = p.id
WHERE k.key_hash = $1
"""  # noqa: S608 (column names, no input)

# Each project of the page as `ProjectPublic` JSON, as PostgreSQL keeps it in the project's row
# (app/projects/list_item.py). Items are joined with commas, each beginning with its first
# field's name: inside a JSON string a quote is escaped, so this text is found only where an item
# begins.
ITEM_BOUNDARY = ',{"' + next(iter(ProjectPublic.model_fields)) + '":'
_ITEM = kept_item_sql("p")

# The route's query (app/projects/service.py `list_projects` with `page.keyset`): the
# organization's projects not archived, changed at or after $2, after the cursor's id $3, in id
# order, one more than the page ($4), as one row beside the key's columns: their items' JSON
# joined, the id of the page's last project, and how many were found. One row, not one per
# project, since decoding every row's columns cost the process as much as the page's JSON.
# Planned for each call's arguments (`planned_per_call`), on the indexes of the organization's
# projects by id and by their last change (app/models/project.py).
_CHANGES = f"""
SELECT {_KEY}, page.items, page.last_id, page.found, pg_current_snapshot()::text AS snapshot
FROM api_keys AS k
LEFT JOIN LATERAL (
    SELECT string_agg(item, ',' ORDER BY id) AS items,
           (array_agg(id ORDER BY id))[$4 - 1] AS last_id,
           count(*) AS found
    FROM (
        SELECT p.id, {_ITEM} AS item
        FROM projects AS p
        WHERE p.organization_id = k.organization_id AND p.archived_at IS NULL
          AND ($2::timestamptz IS NULL OR p.updated_at >= $2)
          AND ($3::uuid IS NULL OR p.id > $3)
        ORDER BY p.id
        LIMIT $4
    ) AS listed
) AS page ON true
WHERE k.key_hash = $1
"""  # noqa: S608 (column names, no input)

_MOMENT: TypeAdapter[datetime | None] = TypeAdapter(Since | None)  # the route's type
_LIST_PARAMETERS = frozenset({"updated_since", "limit", "cursor"})


def _headers(scope: Scope) -> tuple[str | None, str | None]:
    """The bearer key (None unless it is one of ours) and `If-None-Match`."""
    authorization = if_none_match = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.startswith(KEY_PREFIX):
        return None, if_none_match
    return key, if_none_match


def _key_of(row: Any) -> KeyRecord | None:
    """The row's key, if it may be used now."""
    record = KeyRecord(
        row["id"],
        row["organization_id"],
        json.loads(row["scopes"]),
        row["expires_at"],
        row["revoked_at"],
        row["last_used_at"],
    )
    try:
        return usable(record, utcnow())
    except DomainError:
        return None


def _reader(record: KeyRecord) -> Caller | None:
    caller = Caller(record.organization_id, record.id, frozenset(record.scopes))
    return caller if caller.allows(KeyScope.projects_read) else None


def _list_parameters(query_string: bytes) -> dict[str, str] | None:
    """`updated_since`, `limit` and `cursor`, each at most once, or None for any other query."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    parameters = dict(pairs)
    if len(parameters) != len(pairs) or not parameters.keys() <= _LIST_PARAMETERS:
        return None
    return parameters


class ProjectPolls:
    """The ASGI layer, in front of FastAPI's own middleware (app/main.py `HandoverAPI`)."""

    def __init__(self, app: ASGIApp, database: Database, limiter: RateLimiter) -> None:
        self.app = app
        self.database = database
        self.limiter = limiter
        settings = database.settings
        self.enabled = settings.lean_project_polls and not settings.is_sqlite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = None
        if self.enabled and scope["type"] == "http" and scope["method"] == "GET":
            try:
                answer = await self._answer(scope)
            except Exception:  # the route meets the same trouble and answers it as problem+json
                log.warning("lean_poll_failed", path=scope["path"], exc_info=True)
        if answer is None:
            await self.app(scope, receive, send)
            return
        await answer(scope, receive, send)

    async def _answer(self, scope: Scope) -> Response | None:
        path = scope["path"]
        if path == LIST_PATH:
            return await self._changes(scope)
        match = STATUS_PATH.fullmatch(path)
        if match is None:
            return None
        query = scope["query_string"]
        if query and undeclared_names(QueryParams(query), STATUS_ROUTE.declared_query):
            return None  # the route refuses it
        return await self._status(scope, UUID(match.group(1)))

    async def _fetch(
        self, statement: str, *arguments: Any, planned_per_call: bool = False
    ) -> Sequence[Any]:
        pool = await self.database.driver_pool(planned_per_call=planned_per_call)
        rows: Sequence[Any] = await pool.fetch(statement, *arguments)
        return rows

    async def _refused(self, scope: Scope, route: Any) -> Response | None:
        """The route's 429 when the client's address failed to authenticate too often, before
        its key is looked up; None otherwise."""
        try:
            await self.limiter.refuse_failing(self.limiter.address_of(scope))
        except DomainError as refused:
            scope["route"] = route
            return domain_error_response(Request(scope), refused)
        return None

    async def _admit(
        self, scope: Scope, record: KeyRecord, route: Any, answer: Response
    ) -> Response:
        """Count the answer against the rate limits of the key and its organization (429 when
        spent), note the key's use."""
        scope["route"] = route
        try:
            limits = await self.limiter.admit(
                record.id, record.organization_id, headers=answer.status_code == 200
            )
        except DomainError as refused:
            return domain_error_response(Request(scope), refused)
        answer.headers.update(limits)
        await record_use(self.database, record.id, record.last_used_at, utcnow())
        return answer

    async def _status(self, scope: Scope, project_id: UUID) -> Response | None:
        key, if_none_match = _headers(scope)
        if key is None or (if_none_match is not None and len(if_none_match) > TAG_HEADER_MAX):
            return None  # the route answers 401, or 422
        if refused := await self._refused(scope, STATUS_ROUTE):
            return refused
        rows = await self._fetch(_STATUS, hash_key(key), project_id)
        record = _key_of(rows[0]) if rows and rows[0]["version"] is not None else None
        if record is None or _reader(record) is None:
            return None
        row, day = rows[0], today()
        etag = etag_of(row["version"], day)
        if is_current(if_none_match, etag):
            answer = Response(status_code=304, headers={"ETag": etag})
        elif row["kept_version"] == row["version"] and row["kept_as_of"] == day:
            answer = Response(row["document"], media_type="application/json")
            answer.headers["ETag"] = etag
        else:
            return None
        return await self._admit(scope, record, STATUS_ROUTE, answer)

    async def _changes(self, scope: Scope) -> Response | None:
        key, _ = _headers(scope)
        parameters = _list_parameters(scope["query_string"])
        if key is None or parameters is None:
            return None
        try:
            since = _MOMENT.validate_python(parameters.get("updated_since"))
        except ValidationError:
            return None
        limit_text = parameters.get("limit", str(DEFAULT_PAGE_SIZE))
        cursor = parameters.get("cursor")
        digits = limit_text.isascii() and limit_text.isdigit()
        if not digits or int(limit_text) < 1 or len(cursor or "") > CURSOR_MAX:
            return None  # the route answers 422
        request = Request({**scope, "route": LIST_ROUTE, "state": {}})
        headers = Response()  # what the page writes: its `Link`
        page = PageParams(request, headers, int(limit_text), cursor)
        try:
            claimed = page.claimed_after()
        except DomainError:
            return None
        if refused := await self._refused(scope, LIST_ROUTE):
            return refused
        rows = await self._fetch(
            _CHANGES, hash_key(key), since, claimed, page.limit + 1, planned_per_call=True
        )
        record = _key_of(rows[0]) if rows else None
        caller = _reader(record) if record is not None else None
        if record is None or caller is None:
            return None
        request.state.caller = caller
        (row,) = rows
        try:  # the cursor was issued for this list and organization, or the route's 400
            upper = page.verified().get("upper") if cursor is not None else row["snapshot"]
        except DomainError:
            return None
        if upper is not None:  # the listing's snapshot: its last page's sync token
            page.carried = {"upper": upper}
        items, more = row["items"] or "", row["found"] > page.limit
        if more:  # the project beyond the page is the last item
            items = items[: items.rindex(ITEM_BOUNDARY)]
        next_cursor = page.continue_after(row["last_id"] if more else None)
        token = None
        if next_cursor is None and upper is not None:
            token = issue_token(request, self.database.settings, caller.organization_id, upper)
        body = (
            f'{{"items":[{items}],"next_cursor":{json.dumps(next_cursor)},'
            f'"deleted":[],"next_sync_token":{json.dumps(token)}}}'
        )
        answer = Response(body, media_type="application/json")
        if "link" in headers.headers:
            answer.headers["Link"] = headers.headers["link"]
        return await self._admit(scope, record, LIST_ROUTE, answer)
