"""The steps every lean answer takes, each through the helper the routes use too.

The key comes with the poll's own statement (`KEY_COLUMNS`) and becomes a `Caller` through
app/core/auth.py (`bearer_key`, `usable`, `caller_for`); the rate limits are those of
app/core/ratelimit.py, a refusal the problem+json of app/core/errors.py. Whatever else the routes
would refuse, this path leaves to them: a step answers None and the route answers.
"""

import json
from collections.abc import Sequence
from typing import Any

from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from app.core.auth import Caller, KeyRecord, bearer_key, caller_for, record_use, usable
from app.core.auth import Scope as KeyScope
from app.core.errors import DomainError, domain_error_response
from app.core.ratelimit import RateLimiter
from app.db import Database
from app.fastpath.pools import LeanPools
from app.models.base import utcnow

# `scopes` as text: it comes with every row of a page, and is decoded once.
KEY_COLUMNS = "k.id, k.organization_id, k.scopes::text, k.expires_at, k.revoked_at, k.last_used_at"


def route_at(routes: Sequence[Any], path: str) -> APIRoute:
    """The app's route answering `GET path`: the metrics, the access log and list cursors name
    a lean answer by it, and it says which query parameters the route declares."""
    return next(
        route
        for route in routes
        if isinstance(route, APIRoute) and route.path == path and "GET" in (route.methods or ())
    )


def presented(scope: Scope) -> tuple[str | None, str | None]:
    """The request's key (None unless a bearer key of ours) and its `If-None-Match`, each read
    as the routes read them (the first header of the name)."""
    headers = Headers(scope=scope)
    return bearer_key(headers.get("authorization")), headers.get("if-none-match")


def reader(row: Any) -> tuple[KeyRecord, Caller] | None:
    """The row's key and the Caller it acts as, when it may read projects now."""
    record = KeyRecord(
        row["id"],
        row["organization_id"],
        json.loads(row["scopes"]),
        row["expires_at"],
        row["revoked_at"],
        row["last_used_at"],
    )
    try:
        key = usable(record, utcnow())
        return key, caller_for(key, [KeyScope.projects_read])
    except DomainError:
        return None


class PollSteps:
    """The statement, the refusal of a failing address, and the admission against the limits."""

    def __init__(self, database: Database, pools: LeanPools, limiter: RateLimiter) -> None:
        self.database = database
        self.pools = pools
        self.limiter = limiter

    async def fetch(
        self, statement: str, *arguments: Any, planned_per_call: bool = False
    ) -> Sequence[Any]:
        pool = await self.pools.get(planned_per_call=planned_per_call)
        rows: Sequence[Any] = await pool.fetch(statement, *arguments)
        return rows

    async def refused(self, scope: Scope, route: APIRoute) -> Response | None:
        """The route's 429 when the client's address failed to authenticate too often, before
        its key is looked up; None otherwise."""
        try:
            await self.limiter.refuse_failing(self.limiter.address_of(scope))
        except DomainError as refused:
            scope["route"] = route
            return domain_error_response(Request(scope), refused)
        return None

    async def admit(
        self, scope: Scope, key: KeyRecord, route: APIRoute, answer: Response
    ) -> Response:
        """Count the answer against the rate limits of the key and its organization (429 when
        spent), note the key's use."""
        scope["route"] = route
        try:
            limits = await self.limiter.admit(
                key.id, key.organization_id, headers=answer.status_code == 200
            )
        except DomainError as refused:
            return domain_error_response(Request(scope), refused)
        answer.headers.update(limits)
        await record_use(self.database, key.id, key.last_used_at, utcnow())
        return answer
