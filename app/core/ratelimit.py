"""Rate limits per API key, with the `RateLimit` and `RateLimit-Policy` headers.

Counting is the `limits` package's fixed window. Its storage is in memory for one process, or
Redis (`HANDOVER_RATE_LIMIT_STORAGE=redis://…`) when several replicas must share one count. The
headers follow the IETF draft "RateLimit header fields for HTTP": the policy is the quota and
its window; `RateLimit` is what is left and the seconds until the window resets.
"""

import math
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from app.core.errors import DomainError
from app.settings import Settings

POLICY = "per-key"


class RateLimited(DomainError):
    status, slug, title = 429, "rate-limited", "Too Many Requests"

    def __init__(self, detail: str, headers: dict[str, str]) -> None:
        super().__init__(detail)
        self.headers = headers  # type: ignore[misc]  # a 429 says when to come back


class RateLimiter:
    """One per app; its storage is the only state, so replicas agree when it is Redis."""

    def __init__(self, settings: Settings) -> None:
        self.quota: RateLimitItem = parse(settings.rate_limit)
        storage = settings.rate_limit_storage
        self.storage = storage_from_string(
            storage if storage.startswith("async+") else f"async+{storage}"
        )
        self.limiter = FixedWindowRateLimiter(self.storage)

    def close(self) -> None:
        """Let go of the storage's connections (Redis) when the app stops."""
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()

    async def hit(self, key: str) -> dict[str, str]:
        """Count one request of `key`; its headers, or `RateLimited` when the quota is spent."""
        allowed = await self.limiter.hit(self.quota, POLICY, key)
        stats = await self.limiter.get_window_stats(self.quota, POLICY, key)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        headers = {
            "RateLimit-Policy": f'"{POLICY}";q={self.quota.amount};w={self.quota.get_expiry()}',
            "RateLimit": f'"{POLICY}";r={stats.remaining};t={reset}',
        }
        if not allowed:
            raise RateLimited(
                f"This API key made more than {self.quota.amount} requests in "
                f"{self.quota.get_expiry()} s; try again in {reset} s.",
                {**headers, "Retry-After": str(reset)},
            )
        return headers


def limiter_of(state: Any) -> RateLimiter:
    limiter: RateLimiter = state.rate_limiter
    return limiter
