"""`GET /v1/projects` with no parameters but `updated_since`, `limit` and `cursor`: the page of
the change list, its cursor carrying the snapshot its statement read (the last page's
`next_sync_token`, as the route gives it; app/core/sync_pages.py). A `sync_token` goes on to
the route."""

import json
from datetime import datetime
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from app.core.auth import hash_key
from app.core.errors import DomainError
from app.core.moments import Since
from app.core.pagination import CURSOR_MAX, DEFAULT_PAGE_SIZE, PageParams
from app.core.sync import issue_token
from app.fastpath.list_item import kept_item_sql
from app.fastpath.steps import KEY_COLUMNS, PollSteps, presented, reader
from app.projects.schemas import ProjectPublic

PATH = "/v1/projects"

# Each project of the page as `ProjectPublic` JSON, as PostgreSQL keeps it in the project's row
# (app/fastpath/list_item.py). Items are joined with commas, each beginning with its first
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
SELECT {KEY_COLUMNS}, page.items, page.last_id, page.found, pg_current_snapshot()::text AS snapshot
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
_PARAMETERS = frozenset({"updated_since", "limit", "cursor"})


def _parameters(query_string: bytes) -> dict[str, str] | None:
    """`updated_since`, `limit` and `cursor`, each at most once, or None for any other query."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    parameters = dict(pairs)
    if len(parameters) != len(pairs) or not parameters.keys() <= _PARAMETERS:
        return None
    return parameters


class ChangePolls:
    def __init__(self, steps: PollSteps, route: APIRoute) -> None:
        self.steps = steps
        self.route = route

    async def answer(self, scope: Scope) -> Response | None:
        key, _ = presented(scope)
        parameters = _parameters(scope["query_string"])
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
        request = Request({**scope, "route": self.route, "state": {}})
        headers = Response()  # what the page writes: its `Link`
        page = PageParams(request, headers, int(limit_text), cursor)
        try:
            claimed = page.claimed_after()
        except DomainError:
            return None
        if refused := await self.steps.refused(scope, self.route):
            return refused
        rows = await self.steps.fetch(
            _CHANGES, hash_key(key), since, claimed, page.limit + 1, planned_per_call=True
        )
        found = reader(rows[0]) if rows else None
        if found is None:
            return None
        record, caller = found
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
            settings = self.steps.database.settings
            token = issue_token(request, settings, caller.organization_id, upper)
        body = (
            f'{{"items":[{items}],"next_cursor":{json.dumps(next_cursor)},'
            f'"deleted":[],"next_sync_token":{json.dumps(token)}}}'
        )
        answer = Response(body, media_type="application/json")
        if "link" in headers.headers:
            answer.headers["Link"] = headers.headers["link"]
        return await self.steps.admit(scope, record, self.route, answer)
