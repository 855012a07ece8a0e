"""`GET /v1/projects/{project_id}/status`: 304 when the client's copy is current, or 200 with
the document kept for the project's version and day (app/projects/status.py builds it)."""

import re
from uuid import UUID

from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.types import Scope

from app.core.auth import hash_key
from app.core.etag import TAG_HEADER_MAX, etag_of, is_current
from app.core.routing import DeclaredQueryRoute, undeclared_names
from app.fastpath.steps import KEY_COLUMNS, PollSteps, presented, reader
from app.models.base import today

ROUTE_PATH = "/v1/projects/{project_id}/status"
_UUID = r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}"
PATH = re.compile(rf"/v1/projects/({_UUID})/status")

_STATUS = f"""
SELECT {KEY_COLUMNS}, p.version, d.version AS kept_version, d.as_of AS kept_as_of, d.document
FROM api_keys AS k
LEFT JOIN projects AS p ON p.id = $2 AND p.organization_id = k.organization_id
LEFT JOIN project_status_documents AS d ON d.project_id = p.id
WHERE k.key_hash = $1
"""  # noqa: S608 (column names, no input)


class StatusPolls:
    def __init__(self, steps: PollSteps, route: APIRoute) -> None:
        self.steps = steps
        self.route = route
        self.declared_query = (
            route.declared_query if isinstance(route, DeclaredQueryRoute) else frozenset[str]()
        )

    async def answer(self, scope: Scope, project_id: UUID) -> Response | None:
        query = scope["query_string"]
        if query and undeclared_names(QueryParams(query), self.declared_query):
            return None  # the route refuses it
        key, if_none_match = presented(scope)
        if key is None or (if_none_match is not None and len(if_none_match) > TAG_HEADER_MAX):
            return None  # the route answers 401, or 422
        if refused := await self.steps.refused(scope, self.route):
            return refused
        rows = await self.steps.fetch(_STATUS, hash_key(key), project_id)
        found = reader(rows[0]) if rows and rows[0]["version"] is not None else None
        if found is None:
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
        return await self.steps.admit(scope, found[0], self.route, answer)
