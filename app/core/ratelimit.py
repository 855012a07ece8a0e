"""Rate limits per API key, and per CRM connection on the intake route, with the `RateLimit`
and `RateLimit-Policy` headers.

Counting is the `limits` package's fixed window. Its storage is in memory for one process, or
Redis (`HANDOVER_RATE_LIMIT_STORAGE=redis://…`) when several replicas must share one count. The
headers follow the IETF draft "RateLimit header fields for HTTP": the policy is the quota and
its window; `RateLimit` is what is left and the seconds until the window resets.
"""

import math
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import Storage as AsyncStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from app.core.errors import DomainError, problem_responses
from app.settings import Settings

PER_KEY = "per-key"  # requests with an API key (`HANDOVER_RATE_LIMIT`)
PER_CONNECTION = "per-connection"  # what a CRM pushes to its intake URL (`HANDOVER_CRM_RATE_LIMIT`)
# requests at an intake URL that fail verification (`HANDOVER_CRM_UNVERIFIED_RATE_LIMIT`)
UNVERIFIED = "per-connection-unverified"
WHO = {
    PER_KEY: "This API key made",
    PER_CONNECTION: "This CRM connection sent",
    UNVERIFIED: "This CRM connection's URL received unverified",
}


class RateLimited(DomainError):
    status, slug, title = 429, "rate-limited", "Too Many Requests"

    def __init__(self, detail: str, headers: dict[str, str]) -> None:
        super().__init__(detail)
        self.headers = headers  # type: ignore[misc]  # a 429 says when to come back


class RateLimiter:
    """One per app; its storage is the only state, so replicas agree when it is Redis."""

    def __init__(self, settings: Settings) -> None:
        self.quotas: dict[str, RateLimitItem] = {
            PER_KEY: parse(settings.rate_limit),
            PER_CONNECTION: parse(settings.crm_rate_limit),
            UNVERIFIED: parse(settings.crm_unverified_rate_limit),
        }
        uri = settings.rate_limit_storage
        storage = storage_from_string(uri if uri.startswith("async+") else f"async+{uri}")
        assert isinstance(storage, AsyncStorage)  # the async+ scheme makes one
        self.storage: AsyncStorage = storage
        self.limiter = FixedWindowRateLimiter(self.storage)

    def close(self) -> None:
        """Let go of the storage's connections (Redis) when the app stops."""
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()

    async def hit(self, key: str, policy: str = PER_KEY, *, headers: bool = True) -> dict[str, str]:
        """Count one request of `key` (an API key's id, or a CRM connection's under
        `PER_CONNECTION`); its headers, or `RateLimited` when the quota is spent.

        `headers=False` for an answer that carries none (a 304): the window's state is then
        read only to refuse, which saves a second call to the storage per request.
        """
        quota = self.quotas[policy]
        allowed = await self.limiter.hit(quota, policy, key)
        if allowed and not headers:
            return {}
        stats = await self.limiter.get_window_stats(quota, policy, key)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        answer_headers = {
            "RateLimit-Policy": f'"{policy}";q={quota.amount};w={quota.get_expiry()}',
            "RateLimit": f'"{policy}";r={stats.remaining};t={reset}',
        }
        if not allowed:
            raise RateLimited(
                f"{WHO[policy]} more than {quota.amount} requests in "
                f"{quota.get_expiry()} s; try again in {reset} s.",
                {**answer_headers, "Retry-After": str(reset)},
            )
        return answer_headers


def rate_limited_response(policy: str) -> dict[str, Any]:
    """The 429 an operation counted under `policy` declares in OpenAPI, with its headers."""
    (too_many,) = problem_responses(429).values()
    if policy == PER_CONNECTION:
        too_many["description"] = (
            "The CRM connection spent its rate limit; `Retry-After` says when to come back."
        )
    too_many["headers"] = {
        "RateLimit": {
            "description": f'What is left and the seconds to the reset: `"{policy}";r=…;t=…`.',
            "schema": {"type": "string"},
        },
        "RateLimit-Policy": {
            "description": f'The quota and its window in seconds: `"{policy}";q=…;w=…`.',
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
