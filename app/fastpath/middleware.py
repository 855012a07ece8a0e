"""The ASGI layer in front of the app's own middleware (app/main.py `HandoverAPI`): it answers
the polls it can (app/fastpath/status.py, app/fastpath/changes.py) and hands every other request,
and every poll it declines, to the routes unchanged."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import structlog
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.ratelimit import RateLimiter
from app.db import Database
from app.fastpath import changes, status
from app.fastpath.pools import LeanPools
from app.fastpath.steps import PollSteps, route_at

log = structlog.get_logger(__name__)


class ProjectPolls:
    """`routes` are the app's: each lean answer is named by the route it stands in for."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Sequence[Any],
        database: Database,
        pools: LeanPools,
        limiter: RateLimiter,
    ) -> None:
        self.app = app
        settings = database.settings
        self.enabled = settings.lean_project_polls and not settings.is_sqlite
        steps = PollSteps(database, pools, limiter)
        self.status = status.StatusPolls(steps, route_at(routes, status.ROUTE_PATH))
        self.changes = changes.ChangePolls(steps, route_at(routes, changes.PATH))

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
        if path == changes.PATH:
            return await self.changes.answer(scope)
        match = status.PATH.fullmatch(path)
        if match is None:
            return None
        return await self.status.answer(scope, UUID(match.group(1)))
