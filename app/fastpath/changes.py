"""`GET /v1/projects` as PM tools poll it: the change list (`updated_since`, `limit`, `cursor`),
and the first page of a sync pass (`sync_token`, `limit`).

A listing's cursor carries the snapshot its statement read (the last page's `next_sync_token`,
as the route gives it); a pass reads what changed between its token's snapshot and its
statement's, with the list's tombstones beside (app/core/sync_pages.py, whose `SyncPageParams`
checks the token and the cursor and issues the next ones here as for the route). A pass's later
pages (`sync_token` with `cursor`) go on to the route.
"""

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from app.core import sync
from app.core.auth import hash_key
from app.core.errors import DomainError
from app.core.moments import Since
from app.core.numbers import whole_number
from app.core.pagination import CURSOR_MAX, DEFAULT_PAGE_SIZE
from app.core.sync_pages import SyncPageParams
from app.fastpath import statements
from app.fastpath.steps import PollSteps, presented, reader

PATH = "/v1/projects"

_MOMENT: TypeAdapter[datetime | None] = TypeAdapter(Since | None)  # the route's type
_LISTING = frozenset({"updated_since", "limit", "cursor"})
_PASS = frozenset({"sync_token", "limit"})
# What PostgreSQL's `pg_snapshot` reads; a token's claimed snapshot is checked before it is sent.
_SNAPSHOT = re.compile(r"[0-9]{1,20}:[0-9]{1,20}:(?:[0-9]{1,20}(?:,[0-9]{1,20})*)?")


def _parameters(query_string: bytes) -> dict[str, str] | None:
    """A listing's or a pass's parameters, each at most once, or None for any other query."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    parameters = dict(pairs)
    names = parameters.keys()
    if len(parameters) != len(pairs) or not (names <= _LISTING or names <= _PASS):
        return None
    return parameters


def _limit(parameters: dict[str, str]) -> int | None:
    """`limit` as the route reads it, or None where the route answers 422."""
    text = parameters.get("limit", str(DEFAULT_PAGE_SIZE))
    limit = whole_number(text)
    return limit if limit is not None and limit >= 1 else None


def _since(token: str) -> str | None:
    """The snapshot a token claims, or None where the route answers 400 or 422."""
    if len(token) > sync.SYNC_TOKEN_MAX or not re.fullmatch(sync.SIGNED_PATTERN, token):
        return None
    try:
        claimed = sync.claimed_snapshot(token)
    except DomainError:
        return None
    return claimed if _SNAPSHOT.fullmatch(claimed) else None


def _listing(page: SyncPageParams, since: str | None) -> tuple[Any, ...] | None:
    """The listing statement's arguments after the key's hash, or None where the route answers
    (422 for the moment, 400 for a malformed cursor)."""
    try:
        return _MOMENT.validate_python(since), page.claimed_after(), page.limit + 1
    except (ValidationError, DomainError):
        return None


def _pass(token: str, page: SyncPageParams) -> tuple[Any, ...] | None:
    """The pass statement's arguments after the key's hash: the token's snapshot, the id every
    id below which was visible in it, and the page's size and one; None where the route answers."""
    since = _since(token)
    if since is None:
        return None
    return since, int(since.split(":", 1)[0]), page.limit + 1


def _listing_body(page: SyncPageParams, row: Any) -> str:
    more = row["found"] > page.limit
    next_cursor = page.continue_after(row["last_id"] if more else None)
    items = statements.page_items(row["items"], more)
    return _body(items, next_cursor, "", page.next_token(next_cursor))


def _pass_body(page: SyncPageParams, row: Any) -> str:
    """The page of changed projects and the tombstones beside them, as `SyncPageParams.page`
    writes it: the next cursor after the last of each shown."""
    more_rows = row["found"] > page.limit
    dead = list(zip(row["dead_ids"] or [], row["dead_versions"] or [], strict=True))
    shown_dead = dead[: page.limit]
    last_row = [row["last_position"], str(row["last_id"])] if row["found"] else None
    last_dead = None
    if shown_dead:
        last_dead = [row["dead_positions"][len(shown_dead) - 1], str(shown_dead[-1][0])]
    more = more_rows or len(dead) > page.limit
    next_cursor = page.continue_pass(last_row, last_dead, more=more)
    deleted = ",".join(
        sync.Tombstone(id=row_id, version=version).model_dump_json()
        for row_id, version in shown_dead
    )
    items = statements.page_items(row["items"], more_rows)
    return _body(items, next_cursor, deleted, page.next_token(next_cursor))


def _body(items: str, next_cursor: str | None, deleted: str, token: str | None) -> str:
    """The page as the route's `ProjectPage` writes it, from its items' and tombstones' JSON."""
    return (
        f'{{"items":[{items}],"next_cursor":{json.dumps(next_cursor)},'
        f'"deleted":[{deleted}],"next_sync_token":{json.dumps(token)}}}'
    )


class ChangePolls:
    def __init__(self, steps: PollSteps, route: APIRoute) -> None:
        self.steps = steps
        self.route = route

    async def answer(self, scope: Scope) -> Response | None:
        key, _ = presented(scope)
        parameters = _parameters(scope["query_string"])
        limit = _limit(parameters) if parameters is not None else None
        if key is None or parameters is None or limit is None:
            return None
        cursor, token = parameters.get("cursor"), parameters.get("sync_token")
        if len(cursor or "") > CURSOR_MAX:
            return None  # the route answers 422
        request = Request({**scope, "route": self.route, "state": {}})
        links = Response()  # what the page writes: its `Link`
        page = SyncPageParams(request, links, limit, cursor, token)
        if token is None:
            statement, arguments = (
                statements.LISTING,
                _listing(page, parameters.get("updated_since")),
            )
        else:
            statement, arguments = statements.PASS, _pass(token, page)
        if arguments is None:
            return None
        if refused := await self.steps.refused(scope, self.route):
            return refused
        rows = await self.steps.fetch(statement, hash_key(key), *arguments, planned_per_call=True)
        found = reader(rows[0]) if rows else None
        if found is None:
            return None
        record, request.state.caller = found
        (row,) = rows
        try:  # the token and the cursor were issued for this list and organization
            page.check_token()
            page.begin(row["snapshot"])
        except DomainError:
            return None
        body = _listing_body(page, row) if token is None else _pass_body(page, row)
        answer = Response(body, media_type="application/json")
        if "link" in links.headers:
            answer.headers["Link"] = links.headers["link"]
        return await self.steps.admit(scope, record, self.route, answer)
