"""Rate limits per API key, per organization, per CRM connection on the intake route, and on
failed authentication per client address, with the `RateLimit` and `RateLimit-Policy` headers.

Counting is the `limits` package's fixed window. Its storage is in memory for one process, or
Redis (`HANDOVER_RATE_LIMIT_STORAGE=redis://…`) when several replicas must share one count. The
headers follow the IETF draft "RateLimit header fields for HTTP": the policy is the quota and
its window; `RateLimit` is what is left and the seconds until the window resets; an answer
counted under two policies (a key and its organization) lists both.

When the shared storage does not answer, the limits fail open to this process's memory, not
to a 500: the limits protect capacity, not correctness, and every replica shares the one Redis,
so refusing would turn a Redis outage into an outage of the whole API. Each request counted so
is in `handover_rate_limit_fallbacks_total`, each failed attempt is logged, `/readyz` says
`degraded`, and the storage is tried again every `RETRY_SECONDS`.
"""

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any, TypeVar
from uuid import UUID

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.storage import Storage as AsyncStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from prometheus_client import Counter
from starlette.types import Scope

from app.core.errors import DomainError, problem_responses
from app.settings import Settings

log = structlog.get_logger(__name__)

PER_KEY = "per-key"  # requests with an API key (`HANDOVER_RATE_LIMIT`)
PER_ORGANIZATION = "per-organization"  # all keys of one organization (`…_ORGANIZATION_RATE_LIMIT`)
PER_CONNECTION = "per-connection"  # what a CRM pushes to its intake URL (`HANDOVER_CRM_RATE_LIMIT`)
FAILED_AUTHENTICATION = "failed-authentication"  # 401s per client address
# requests at an intake URL that fail verification (`HANDOVER_CRM_UNVERIFIED_RATE_LIMIT`)
UNVERIFIED = "per-connection-unverified"
WHO = {
    PER_KEY: "This API key made",
    PER_ORGANIZATION: "The API keys of this organization made",
    PER_CONNECTION: "This CRM connection sent",
    UNVERIFIED: "This CRM connection's URL received unverified",
    FAILED_AUTHENTICATION: "This address failed to authenticate with",
}
RETRY_SECONDS = 5.0  # how long a process counts in memory before it tries the storage again

FALLBACKS = Counter(
    "handover_rate_limit_fallbacks_total",
    "Requests counted in this process's memory because the shared rate-limit storage did not "
    "answer.",
)

T = TypeVar("T")
Network = IPv4Network | IPv6Network


class RateLimited(DomainError):
    status, slug, title = 429, "rate-limited", "Too Many Requests"

    def __init__(self, detail: str, headers: dict[str, str]) -> None:
        super().__init__(detail)
        self.headers = headers  # type: ignore[misc]  # a 429 says when to come back


def client_address(scope: Scope, trusted_proxies: list[Network]) -> str:
    """The address a request came from: the connection's peer, or, when the peer is one of
    `trusted_proxies`, the last address in `X-Forwarded-For` that is not one of them (what a
    client wrote to the left of it is not to be believed)."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted_proxies or not _is_in(peer, trusted_proxies):
        return str(peer)
    forwarded = b",".join(value for name, value in scope["headers"] if name == b"x-forwarded-for")
    hops = [hop.strip() for hop in forwarded.decode("latin-1").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_in(hop, trusted_proxies):
            return hop
    return hops[0] if hops else str(peer)


def _is_in(address: str, networks: list[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


class RateLimiter:
    """One per app; its storage is the only state, so replicas agree when it is Redis."""

    def __init__(self, settings: Settings) -> None:
        self.quotas: dict[str, RateLimitItem] = {
            PER_KEY: parse(settings.rate_limit),
            PER_ORGANIZATION: parse(settings.organization_rate_limit),
            PER_CONNECTION: parse(settings.crm_rate_limit),
            FAILED_AUTHENTICATION: parse(settings.failed_auth_rate_limit),
            UNVERIFIED: parse(settings.crm_unverified_rate_limit),
        }
        self.trusted_proxies = settings.trusted_proxy_networks
        uri = settings.rate_limit_storage
        self.shared = not uri.removeprefix("async+").startswith("memory")
        self.timeout = settings.rate_limit_storage_timeout_seconds
        # coredis's own timeouts, so that a Redis that never answers frees its connection.
        options = {"connect_timeout": self.timeout, "stream_timeout": self.timeout}
        storage = storage_from_string(
            uri if uri.startswith("async+") else f"async+{uri}",
            wrap_exceptions=True,
            **(options if self.shared else {}),
        )
        assert isinstance(storage, AsyncStorage)  # the async+ scheme makes one
        self.storage: AsyncStorage = storage
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.fallback: AsyncStorage = MemoryStorage()
        self.fallback_limiter = FixedWindowRateLimiter(self.fallback)
        self._failing = False
        self._retry_at = 0.0

    def close(self) -> None:
        """Let go of the storage's connections (Redis) when the app stops."""
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()

    def address_of(self, scope: Scope) -> str:
        """The client address failed authentications are counted under."""
        return client_address(scope, self.trusted_proxies)

    async def counted(self, operation: Callable[[AsyncStorage], Awaitable[T]]) -> T:
        """`operation` on the shared storage, or on this process's memory while the storage
        does not answer (within `HANDOVER_RATE_LIMIT_STORAGE_TIMEOUT_SECONDS`)."""
        if self.shared and self._try_storage():
            try:
                async with asyncio.timeout(self.timeout):
                    result = await operation(self.storage)
            except (StorageError, TimeoutError, OSError) as error:
                self._failing, self._retry_at = True, time.monotonic() + RETRY_SECONDS
                log.warning("rate_limit_storage_unreachable", error=str(error) or repr(error))
            else:
                if self._failing:
                    self._failing = False
                    log.info("rate_limit_storage_recovered")
                return result
            FALLBACKS.inc()
        elif self.shared:
            FALLBACKS.inc()
        return await operation(self.fallback)

    def _try_storage(self) -> bool:
        """Whether to ask the shared storage: always while it answers; once it failed, one
        request every `RETRY_SECONDS` (the others count in memory meanwhile)."""
        if not self._failing:
            return True
        now = time.monotonic()
        if now < self._retry_at:
            return False
        self._retry_at = now + RETRY_SECONDS
        return True

    async def storage_state(self) -> str:
        """`memory` (each process counts alone), `ok` (the shared storage answers) or
        `unreachable`, for `/readyz`."""
        if not self.shared:
            return "memory"
        try:
            async with asyncio.timeout(self.timeout):
                answers = await self.storage.check()
        except (StorageError, TimeoutError, OSError):
            answers = False
        return "ok" if answers else "unreachable"

    def _window(self, storage: AsyncStorage) -> FixedWindowRateLimiter:
        return self.limiter if storage is self.storage else self.fallback_limiter

    async def hit(self, key: str, policy: str = PER_KEY, *, headers: bool = True) -> dict[str, str]:
        """Count one request of `key` (an API key's id, or a CRM connection's under
        `PER_CONNECTION`); its headers, or `RateLimited` when the quota is spent.

        `headers=False` for an answer that carries none (a 304): the window's state is then
        read only to refuse, which saves a second call to the storage per request.
        """
        return await self.counted(lambda storage: self._hit(storage, key, policy, headers))

    async def admit(
        self, key_id: UUID, organization_id: UUID, *, headers: bool = True
    ) -> dict[str, str]:
        """Count one request of an API key against its own quota, then its organization's
        (a request the key's quota refused does not count against its colleagues)."""

        async def both(storage: AsyncStorage) -> dict[str, str]:
            mine = await self._hit(storage, str(key_id), PER_KEY, headers)
            ours = await self._hit(storage, str(organization_id), PER_ORGANIZATION, headers)
            return {name: f"{value}, {ours[name]}" for name, value in mine.items()}

        return await self.counted(both)

    async def refuse_failing(self, address: str) -> None:
        """`RateLimited` when `address` has failed to authenticate as often as its quota
        allows: one read of the storage, before any key is looked up."""

        async def check(storage: AsyncStorage) -> None:
            quota, window = self.quotas[FAILED_AUTHENTICATION], self._window(storage)
            if not await window.test(quota, FAILED_AUTHENTICATION, address):
                await self._refuse(window, address, FAILED_AUTHENTICATION)

        await self.counted(check)

    async def count_failure(self, address: str) -> None:
        """Count one failed authentication (a 401) of `address`."""
        quota = self.quotas[FAILED_AUTHENTICATION]
        await self.counted(
            lambda storage: self._window(storage).hit(quota, FAILED_AUTHENTICATION, address)
        )

    async def _hit(
        self, storage: AsyncStorage, key: str, policy: str, headers: bool
    ) -> dict[str, str]:
        quota, window = self.quotas[policy], self._window(storage)
        allowed = await window.hit(quota, policy, key)
        if allowed and not headers:
            return {}
        if not allowed:
            await self._refuse(window, key, policy)
        return await self._headers(window, key, policy)

    async def _headers(
        self, window: FixedWindowRateLimiter, key: str, policy: str
    ) -> dict[str, str]:
        quota = self.quotas[policy]
        stats = await window.get_window_stats(quota, policy, key)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return {
            "RateLimit-Policy": f'"{policy}";q={quota.amount};w={quota.get_expiry()}',
            "RateLimit": f'"{policy}";r={stats.remaining};t={reset}',
        }

    async def _refuse(self, window: FixedWindowRateLimiter, key: str, policy: str) -> None:
        quota, answer_headers = self.quotas[policy], await self._headers(window, key, policy)
        reset = answer_headers["RateLimit"].rsplit("=", 1)[1]
        raise RateLimited(
            f"{WHO[policy]} more than {quota.amount} requests in "
            f"{quota.get_expiry()} s; try again in {reset} s.",
            {**answer_headers, "Retry-After": reset},
        )


def rate_limited_response(policy: str) -> dict[str, Any]:
    """The 429 an operation counted under `policy` declares in OpenAPI, with its headers."""
    (too_many,) = problem_responses(429).values()
    if policy == PER_CONNECTION:
        too_many["description"] = (
            "The CRM connection spent its rate limit; `Retry-After` says when to come back."
        )
    if policy == PER_KEY:
        too_many["description"] = (
            "The API key, its organization, or this address's failed authentications spent "
            "a rate limit (`per-key`, `per-organization`, `failed-authentication`); "
            "`Retry-After` says when to come back."
        )
    too_many["headers"] = {
        "RateLimit": {
            "description": "What is left and the seconds to the reset of the policy that "
            f'refused: `"{policy}";r=…;t=…`.',
            "schema": {"type": "string"},
        },
        "RateLimit-Policy": {
            "description": "The quota and its window in seconds of the policy that refused: "
            f'`"{policy}";q=…;w=…`.',
            "schema": {"type": "string"},
        },
        "Retry-After": {
            "description": "Seconds until the quota resets.",
            "schema": {"type": "integer"},
        },
    }
    return too_many


def limiter_of(state: Any) -> RateLimiter:
    limiter: RateLimiter = state.rate_limiter
    return limiter
