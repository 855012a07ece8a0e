"""What every CRM fake shares: a real HTTP server on 127.0.0.1, recorded calls and scripted trouble.

A fake is a Starlette app served by a real uvicorn server in a background thread, so a client under
test talks HTTP to it exactly as it would to the provider. This module owns the mechanisms that are
the same for every provider: recording calls, scripted failures (`fail_next`), slowness
(`delay_seconds`), an outage (`down`), the token check and a sliding-window rate limit
(`limit_per_window`). Each provider module supplies its routes and, through the hooks of `FakeCRM`,
its documented bodies and headers for those cases.

The app runs on the server's thread while the test mutates state on its own: every read or write of
a fake's state happens under `FakeCRM.lock`.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Json = Any
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
START_TIMEOUT_SECONDS = 5.0


@dataclass
class RecordedCall:
    """One request as the fake received it; `status` is filled in once it was answered."""

    method: str
    path: str
    query: dict[str, str | list[str]]  # a repeated parameter keeps all its values, in order
    body: Json  # the parsed JSON body, or None (no body, or not JSON)
    headers: dict[str, str]  # names lower-cased
    status: int | None = None
    at: float = field(default_factory=time.monotonic)  # when it arrived (a benchmark's windows)

    def values(self, name: str) -> list[str]:
        """Every value of a query parameter, repeated (`a=1&a=2`) or comma-separated (`a=1,2`)."""
        raw = self.query.get(name)
        given = [raw] if isinstance(raw, str) else list(raw or [])
        return [part.strip() for value in given for part in value.split(",") if part.strip()]

    def param(self, name: str) -> str | None:
        """The last value of a query parameter, as sent."""
        raw = self.query.get(name)
        return raw[-1] if isinstance(raw, list) else raw


@dataclass(frozen=True)
class Reply:
    status: int
    body: Json | bytes = None
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[RecordedCall, dict[str, str]], Reply]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # a Starlette path pattern
    handler: Handler
    needs_token: bool = True


@dataclass(frozen=True)
class _Scripted:
    status: int
    retry_after: float | None
    body: Json


def seconds_text(seconds: float) -> str:
    """A number of seconds for a header: whole seconds as integers, anything finer as is."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}".rstrip("0")


def utc_now() -> datetime:
    return datetime.now(UTC)


class FakeCRM(ABC):
    """The knobs every fake has; subclasses add state helpers, routes and the provider's shapes."""

    media_type = "application/json"
    # The documented default limit, reported in headers while no `limit_per_window` is enforced.
    nominal_limit: tuple[int, float] = (100, 10.0)
    # Whether the provider says how long to wait (`Retry-After`) when it limits the rate.
    says_retry_after = True

    def __init__(self, token: str) -> None:
        self.token = token
        self.base_url = ""  # set by `running()`
        self.delay_seconds = 0.0
        self.down = False
        self.limit_per_window: tuple[int, float] | None = None
        self.now: Callable[[], datetime] = utc_now  # replace for a frozen clock
        self.lock = threading.RLock()
        self._calls: list[RecordedCall] = []
        self._scripted: deque[_Scripted] = deque()
        self._admitted: deque[float] = deque()  # monotonic times of the calls in the window
        self.admitted_total = 0

    # -- what a test reads and sets ------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        with self.lock:
            return list(self._calls)

    def calls_to(self, path_prefix: str, method: str | None = None) -> list[RecordedCall]:
        return [
            call
            for call in self.calls
            if call.path.startswith(path_prefix) and (method is None or call.method == method)
        ]

    def reset_calls(self) -> None:
        with self.lock:
            self._calls.clear()

    def fail_next(
        self,
        n: int = 1,
        status: int = 429,
        retry_after: float | None = 1,
        body: Json = None,
    ) -> None:
        """The next `n` API calls answer `status`: 429 in the provider's rate-limit shape (which
        need not be a 429), anything else in its error shape; `body` replaces the body,
        `retry_after` sets `Retry-After` where the provider sends one."""
        with self.lock:
            self._scripted.extend(_Scripted(status, retry_after, body) for _ in range(n))

    # -- what each provider defines -----------------------------------------------------------

    @abstractmethod
    def endpoints(self) -> list[Endpoint]: ...

    @abstractmethod
    def authorized(self, call: RecordedCall) -> bool: ...

    @abstractmethod
    def unauthorized(self) -> Reply: ...

    @abstractmethod
    def rate_limited(self) -> Reply:
        """The provider's answer to too many calls at once, a 429 for most (without
        `Retry-After`: the harness adds it)."""

    @abstractmethod
    def failure(self, status: int) -> Reply:
        """A plausible body of the provider for any other error status (5xx above all)."""

    @abstractmethod
    def not_found(self, call: RecordedCall) -> Reply:
        """An unknown route."""

    @abstractmethod
    def rate_limit_headers(
        self, limit: int, remaining: int, window: float, reset_seconds: float
    ) -> dict[str, str]:
        """The provider's usage headers, sent with every answer."""

    def outage(self) -> Reply:
        return self.failure(503)

    def over_limit(self, retry_after: float) -> Reply:
        """What the provider answers once `limit_per_window` is used up."""
        return _with_retry_after(self.rate_limited(), retry_after)

    # -- the machinery ------------------------------------------------------------------------

    def asgi_app(self) -> Starlette:
        routes = [
            Route(e.path, self._endpoint(e), methods=[e.method], name=f"{e.method} {e.path}")
            for e in self.endpoints()
        ]
        unknown = Endpoint("*", "/{rest:path}", lambda call, _: self.not_found(call))
        routes.append(Route(unknown.path, self._endpoint(unknown), methods=ALL_METHODS))
        return Starlette(routes=routes)

    def _endpoint(self, endpoint: Endpoint) -> Callable[[Request], Any]:
        async def answer(request: Request) -> Response:
            call = await _record(request)
            with self.lock:
                self._calls.append(call)
                delay = self.delay_seconds
            if delay > 0:
                await asyncio.sleep(delay)
            with self.lock:
                reply = self._reply(call, endpoint, dict(request.path_params))
                call.status = reply.status
            content = b"" if reply.body is None else _dumps(reply.body)
            media_type = self.media_type if reply.body is not None else None
            return Response(content, reply.status, dict(reply.headers), media_type)

        return answer

    def _reply(self, call: RecordedCall, endpoint: Endpoint, params: dict[str, str]) -> Reply:
        limit, window = self.limit_per_window or self.nominal_limit
        if self.down:
            reply = self.outage()
        elif self._scripted:
            reply = self._scripted_reply(self._scripted.popleft())
        elif endpoint.needs_token and not self.authorized(call):
            reply = self.unauthorized()
        elif not self._admit(limit, window):
            reply = self.over_limit(self._reset_seconds(window))
        else:
            reply = endpoint.handler(call, params)
        remaining = max(limit - len(self._admitted), 0)
        usage = self.rate_limit_headers(limit, remaining, window, self._reset_seconds(window))
        return Reply(reply.status, reply.body, {**usage, **reply.headers})

    def _scripted_reply(self, scripted: _Scripted) -> Reply:
        reply = self.rate_limited() if scripted.status == 429 else self.failure(scripted.status)
        if scripted.body is not None:
            reply = Reply(reply.status, scripted.body, reply.headers)
        if scripted.retry_after is None or not self.says_retry_after:
            return reply
        return _with_retry_after(reply, scripted.retry_after)

    def _admit(self, limit: int, window: float) -> bool:
        """Counts the call in the sliding window; False when an enforced limit is used up."""
        moment = time.monotonic()
        while self._admitted and self._admitted[0] <= moment - window:
            self._admitted.popleft()
        if self.limit_per_window is not None and len(self._admitted) >= limit:
            return False
        self._admitted.append(moment)
        self.admitted_total += 1
        return True

    def admitted_within(self, seconds: float) -> int:
        """How many calls were let through in the last `seconds`."""
        since = time.monotonic() - seconds
        return sum(1 for moment in self._admitted if moment > since)

    def _reset_seconds(self, window: float) -> float:
        if not self._admitted:
            return 0.0
        left = self._admitted[0] + window - time.monotonic()
        return max(math.ceil(left * 1000) / 1000, 0.0)


def _with_retry_after(reply: Reply, seconds: float) -> Reply:
    return Reply(reply.status, reply.body, {**reply.headers, "Retry-After": seconds_text(seconds)})


async def _record(request: Request) -> RecordedCall:
    query: dict[str, str | list[str]] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        query[key] = values[0] if len(values) == 1 else values
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    headers = {name.lower(): value for name, value in request.headers.items()}
    return RecordedCall(request.method, request.url.path, query, body, headers)


def _dumps(body: Json | bytes) -> bytes:
    if isinstance(body, bytes):  # an answer no JSON encoder writes, sent as it is
        return body
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


F = TypeVar("F", bound=FakeCRM)


@contextmanager
def running(fake: F) -> Iterator[F]:
    """Serves `fake` on a free port of 127.0.0.1 until the block ends; `fake.base_url` is set.

    The socket is bound before the server starts, so there is no race for the port; stopping does
    not wait for calls still in flight (a fake may be `delay_seconds` slow)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port: int = listener.getsockname()[1]
    config = uvicorn.Config(
        fake.asgi_app(),
        host="127.0.0.1",
        port=port,
        loop="asyncio",
        http="h11",
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [listener]},
        name=f"{type(fake).__name__}-{port}",
        daemon=True,
    )
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{type(fake).__name__} did not start on port {port}")
            time.sleep(0.005)
        fake.base_url = f"http://127.0.0.1:{port}"
        yield fake
    finally:
        server.should_exit = True
        server.force_exit = True
        thread.join(timeout=START_TIMEOUT_SECONDS)
        listener.close()
