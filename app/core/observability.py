"""Per request: an `X-Request-ID`, one access log line and Prometheus metrics.

A pure ASGI middleware (no buffering), labelled by the route's path template so that
`/v1/projects/{project_id}` is one series, not one per project.
"""

import logging
import os
import re
import time

import structlog
from prometheus_client import Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

REQUESTS = Counter(
    "handover_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "handover_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

access_log = structlog.get_logger("handover.access")


def _access_logged() -> bool:
    """Whether access lines are wanted (INFO). Asked first: structlog runs its processors before
    the level drops the line, about 12 µs a request for nothing (1 µs to ask)."""
    return logging.getLogger("handover.access").isEnabledFor(logging.INFO)


# Path parameters that are bearer secrets: a share link's token, a calendar feed's secret URL.
SECRET_PATH_PARAMETERS = frozenset({"token", "secret"})
SHOWN_OF_A_SECRET = 8  # fewer characters than the API's `display_prefix` shows


def _logged_path(scope: Scope) -> str:
    """The path, with its secret segments cut to their first characters: the database keeps only
    the secrets' hashes, and a log (shipped, kept, read by more people) must not hold more."""
    path: str = scope["path"]
    for name, value in scope.get("path_params", {}).items():
        if name in SECRET_PATH_PARAMETERS and isinstance(value, str) and value:
            path = path.replace(value, value[:SHOWN_OF_A_SECRET] + "…")
    return path


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
    return os.urandom(16).hex()  # as random as uuid4().hex, without building a UUID


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            if _access_logged():
                access_log.info(
                    "request",
                    method=scope["method"],
                    path=_logged_path(scope),
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id")
