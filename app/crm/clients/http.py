"""One connection's calls to its CRM's API: to the checked address, authenticated, within the
CRM's rate limits, a few at a time, each counted.

The base URL passes the webhook address checks once per `CrmHttp` (app/webhooks/safety.py) and
every request connects to the address that was checked, with the URL's host for `Host` and TLS.
A connection never has more than `IN_FLIGHT` calls under way in this process (its fair share of
the CRM's limit, which is per account or per token, not per caller), and when the CRM says its
budget is spent (a 429, a rate-limit header at 0, Salesforce's allowance used up) every call of
the connection waits, in this process and, through the database (app/crm/pauses.py), in every
other worker and replica.
"""

import asyncio
import math
import re
import time
import weakref
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import structlog

from app.core.bounded_json import read_json
from app.core.retry_after import MAX_SECONDS, retry_after_seconds
from app.crm.clients.base import ApiAccess, CrmRefused, CrmUnavailable
from app.crm.metrics import API_CALLS
from app.crm.pauses import REREAD_SECONDS, SharedPause
from app.db import Database
from app.models import CrmSource
from app.models.base import utcnow
from app.settings import Settings
from app.webhooks.safety import Target, UnsafeWebhookUrl, pinned_request, resolve_target

logger = structlog.get_logger("handover.crm")

USER_AGENT = "Handover-CRM/1"
IN_FLIGHT = 4  # calls under way at once per connection
MAX_WAIT_SECONDS = 10.0  # a longer wait is the caller's to schedule (CrmUnavailable.retry_after)
MAX_ATTEMPTS = 4  # a call and up to three retries after 429s we could wait out
DEFAULT_BACKOFF_SECONDS = 1.0  # a 429 that does not say how long
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
DAILY_BUDGET_PAUSE_SECONDS = 3600.0  # Salesforce's allowance is a rolling 24 h: look again later
# Bounded numbers: a longer one (int() refuses past 4,300 digits) is a header we cannot read.
_SFORCE_USAGE = re.compile(r"api-usage=([0-9]{1,18})/([0-9]{1,18})(?![0-9])")


def crm_http_client(settings: Settings) -> httpx.AsyncClient:
    """The pooled client every connection's calls share: no redirects, no proxies from the
    environment (a proxy would connect somewhere we did not check), short timeouts."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.webhook_timeout_seconds),
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": USER_AGENT, "accept": "application/json"},
    )


class CrmCallFailed(CrmRefused):
    """A 4xx other than 401/403/429: the CRM will not accept this request as it is (a 404 for a
    record, a 400 for a field the org lacks). Clients catch it where they expect it."""

    def __init__(self, status_code: int, body: Any) -> None:
        super().__init__(f"HTTP {status_code}: {str(body)[:300]}")
        self.status_code = status_code
        self.body = body


class _Budget:
    """What a connection's calls share in this process: the slots, and when they may resume."""

    def __init__(self) -> None:
        self.slots = asyncio.Semaphore(IN_FLIGHT)
        self.resume_at = 0.0  # time.monotonic()

    def pause(self, seconds: float) -> None:
        """At most a day: the wait ends up in a CrmUnavailable the caller adds to a datetime."""
        self.resume_at = max(self.resume_at, time.monotonic() + min(seconds, MAX_SECONDS))

    async def wait(self) -> None:
        delay = self.resume_at - time.monotonic()
        if delay > MAX_WAIT_SECONDS:
            raise CrmUnavailable("the CRM's rate limit is spent", retry_after=delay, asked=False)
        if delay > 0:
            await asyncio.sleep(delay)


_BUDGETS: "weakref.WeakValueDictionary[tuple[CrmSource, UUID], _Budget]" = (
    weakref.WeakValueDictionary()
)


def _budget(access: ApiAccess) -> _Budget:
    key = (access.provider, access.connection_id)
    budget = _BUDGETS.get(key)
    if budget is None:
        budget = _BUDGETS[key] = _Budget()
    return budget


def _number(headers: httpx.Headers, name: str) -> float | None:
    try:
        number = float(headers[name])
    except (KeyError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _budget_pause(
    provider: CrmSource, headers: httpx.Headers, status: int, body: Any
) -> float | None:
    """How long to hold the next call when the answer says the budget is spent (None: it is
    not): the provider's rate-limit headers, or Salesforce's 403 for its 24-hour allowance."""
    if provider is CrmSource.hubspot:
        if _number(headers, "x-hubspot-ratelimit-remaining") == 0:
            interval = _number(headers, "x-hubspot-ratelimit-interval-milliseconds")
            return (interval or 10_000) / 1000
        if _number(headers, "x-hubspot-ratelimit-secondly-remaining") == 0:
            return 1.0
    elif provider is CrmSource.pipedrive:
        if _number(headers, "x-ratelimit-remaining") == 0:
            return _number(headers, "x-ratelimit-reset") or 2.0
    elif provider is CrmSource.salesforce:
        usage = _SFORCE_USAGE.search(headers.get("sforce-limit-info", ""))
        if usage and int(usage.group(1)) >= int(usage.group(2)):
            return DAILY_BUDGET_PAUSE_SECONDS
        if _salesforce_limit(status, body) is not None and not _lifts_soon(status, body):
            return DAILY_BUDGET_PAUSE_SECONDS
    return None


def _salesforce_limit(status: int, body: Any) -> str | None:
    """The message of Salesforce's 403 REQUEST_LIMIT_EXCEEDED, which answers every one of its
    limits (it has no 429): the 24-hour allowance spent ("TotalRequests Limit exceeded.") and
    too many long calls at once ("ConcurrentRequests (Concurrent API Requests) Limit
    exceeded.", "ConcurrentPerOrgLongTxn Limit exceeded.")."""
    if status != 403 or not isinstance(body, list):
        return None
    for error in body:
        if isinstance(error, dict) and error.get("errorCode") == "REQUEST_LIMIT_EXCEEDED":
            return str(error.get("message") or "")
    return None


def _lifts_soon(status: int, body: Any) -> bool:
    """A rate limit that lifts within seconds: a 429, or Salesforce's limit of calls at once."""
    if status == 429:
        return True
    return (_salesforce_limit(status, body) or "").startswith("Concurrent")


class CrmHttp:
    """A connection's API calls: `await http.call("POST", "/crm/v3/...", json=...)`."""

    def __init__(
        self,
        access: ApiAccess,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        shared: SharedPause | None,
    ) -> None:
        """`shared`: the connection's pause as every process keeps it (None: this process's
        only, for a client that stands alone)."""
        self.access = access
        self.settings = settings
        self.client = client
        self._budget = _budget(access)
        self._shared = shared
        self._shared_read_at = -math.inf  # time.monotonic()
        self._reading = asyncio.Lock()  # one read at a time; calls behind it use its answer
        self._target: Target | None = None
        self._refusal: CrmRefused | None = None

    async def _heed_others(self) -> None:
        """Hold off while another process's pause for this connection lasts: read again at
        most once a `REREAD_SECONDS`, by one call while the others wait for its answer."""
        if self._shared is None:
            return
        async with self._reading:
            if time.monotonic() - self._shared_read_at < REREAD_SECONDS:
                return
            resume_at = await self._shared.read()
            self._shared_read_at = time.monotonic()
            if resume_at is not None:
                self._budget.pause((resume_at - utcnow()).total_seconds())

    async def _pause(self, seconds: float) -> None:
        """Hold this connection's calls, here and in every process that shares its pause."""
        self._budget.pause(seconds)
        if self._shared is not None:
            await self._shared.extend(utcnow() + timedelta(seconds=min(seconds, MAX_SECONDS)))

    def _count(self, outcome: str) -> None:
        API_CALLS.labels(self.access.provider.value, str(self.access.connection_id), outcome).inc()

    async def _checked(self) -> Target:
        """The base URL's checked address, resolved once (an unsafe URL stays refused)."""
        if self._refusal is not None:
            raise self._refusal
        if self._target is None:
            try:
                self._target = await resolve_target(
                    self.access.base_url, self.settings, sending=True
                )
            except UnsafeWebhookUrl as exc:
                self._refusal = CrmRefused(f"unsafe API base URL: {exc.detail}")
                self._count("refused")
                raise self._refusal from exc
        return self._target

    def _auth(self) -> dict[str, str]:
        if self.access.provider is CrmSource.pipedrive:
            return {"x-api-token": self.access.token}
        return {"authorization": f"Bearer {self.access.token}"}

    def _built(
        self,
        target: Target,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json: Any,
    ) -> httpx.Request:
        """The request, or CrmRefused when httpx cannot build its URL (a base URL stored before
        the shape check asked httpx, or a path made of what a CRM answered)."""
        url = self.access.base_url + path
        try:
            return pinned_request(
                self.client, target, method, url, self._auth(), params=params, json=json
            )
        except httpx.InvalidURL as exc:
            self._count("refused")
            raise CrmRefused(f"the request URL cannot be built: {exc}"[:300]) from exc

    async def _send(self, request: httpx.Request) -> tuple[httpx.Response, bytes]:
        try:
            response = await self.client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException as exc:
            self._count("unavailable")
            raise CrmUnavailable("the CRM did not answer in time") from exc
        except httpx.HTTPError as exc:
            self._count("unavailable")
            raise CrmUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        try:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    self._count("error")
                    raise CrmUnavailable("the CRM's answer is too large")
        except httpx.HTTPError as exc:
            self._count("unavailable")
            raise CrmUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        finally:
            await response.aclose()
        return response, body

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """The parsed JSON answer of `method base_url+path` (None for an empty one)."""
        _, parsed = await self.exchange(method, path, params=params, json=json)
        return parsed

    async def exchange(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> tuple[int, Any]:
        """`call`, with the status the CRM answered (write-backs show it)."""
        target = await self._checked()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            async with self._budget.slots:
                await self._heed_others()  # here, so a call that waited for its slot looks too
                await self._budget.wait()
                response, body = await self._send(self._built(target, method, path, params, json))
            status = response.status_code
            parsed = _parse(body)
            pause = _budget_pause(self.access.provider, response.headers, status, parsed)
            if _lifts_soon(status, parsed):
                self._count("rate_limited")
                wait = retry_after_seconds(response.headers.get("retry-after"))
                wait = wait if wait is not None else pause or DEFAULT_BACKOFF_SECONDS
                await self._pause(max(wait, pause or 0.0))
                if wait > MAX_WAIT_SECONDS or attempt == MAX_ATTEMPTS:
                    reason = f"the CRM's rate limit is spent ({status})"
                    raise CrmUnavailable(reason, retry_after=wait)
                continue
            if pause is not None:
                await self._pause(pause)
            if 200 <= status < 300:
                if isinstance(parsed, _NotJson):
                    self._count("error")
                    raise CrmUnavailable(f"HTTP {status} without JSON: {parsed.excerpt}")
                self._count("ok")
                return status, parsed
            self._refuse_or_fail(status, parsed, response.headers)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _refuse_or_fail(self, status: int, body: Any, headers: httpx.Headers) -> None:
        if status >= 500:
            self._count("unavailable")
            raise CrmUnavailable(f"HTTP {status}", retry_after_seconds(headers.get("retry-after")))
        if _salesforce_limit(status, body) is not None:
            self._count("rate_limited")
            raise CrmUnavailable(
                "the CRM's daily API allowance is spent", DAILY_BUDGET_PAUSE_SECONDS
            )
        if status in (401, 403):
            self._count("refused")
            raise CrmRefused(f"HTTP {status}: {str(body)[:300]}")
        if 300 <= status < 400:
            self._count("refused")
            raise CrmRefused(f"HTTP {status}: redirected to {headers.get('location')}")
        self._count("error")
        raise CrmCallFailed(status, body)


def shared_http(access: ApiAccess, database: Database, client: httpx.AsyncClient) -> CrmHttp:
    """A connection's calls as workers make them: its pause kept for every process."""
    shared = SharedPause(database, access.connection_id)
    return CrmHttp(access, database.settings, client, shared=shared)


class _NotJson:
    def __init__(self, body: bytes) -> None:
        self.excerpt = body[:300].decode(errors="replace")

    def __str__(self) -> str:
        return self.excerpt


def _parse(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return read_json(body)
    except ValueError:  # not JSON, or nested deeper than any CRM answers
        return _NotJson(body)
