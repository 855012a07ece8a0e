"""What protects the share page: CSRF tokens, a rate limit per link, security headers.

**CSRF: a signed, per-page token, not a cookie.** Each rendered page carries
`<issued-at>.<HMAC-SHA256(secret key, "share-form" | link id | issued-at)>` in a hidden field; a
form post is accepted only with a token issued for *that* link in the last `CSRF_TOKEN_HOURS`.
A page on another site cannot read our page, so it cannot produce the token, and a token from
one link's page is worthless on another link. We chose this over a double-submit cookie
because the page sets no cookie at all (nothing to consent to, nothing left behind on a shared
computer), and because it is stateless: every replica that shares `HANDOVER_SECRET_KEY` checks
it without a database or session store.

**Rate limit** per link, with the `limits` package (`HANDOVER_SHARE_SUBMISSION_LIMIT`). Its
storage is the API keys' (`HANDOVER_RATE_LIMIT_STORAGE`): in memory by default, so each replica
counts on its own; a shared Redis makes it one count for all replicas, and while Redis does not
answer each replica counts in its own memory again (app/core/ratelimit.py `counted`).
"""

import hashlib
import hmac
import time
from uuid import UUID

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter

from app.core import base64url
from app.core.numbers import whole_number
from app.core.ratelimit import RateLimiter, limiter_of
from app.settings import Settings

CSRF_TOKEN_HOURS = 12
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    # A capability page: never kept by a shared cache, nor in the browser's history cache.
    "Cache-Control": "no-store",
}


def _signature(settings: Settings, link_id: UUID, issued_at: int) -> str:
    key = settings.secret_key.get_secret_value().encode()
    message = f"share-form|{link_id}|{issued_at}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64url.encode(digest)


def csrf_token(settings: Settings, link_id: UUID, now: float | None = None) -> str:
    issued_at = int(time.time() if now is None else now)
    return f"{issued_at}.{_signature(settings, link_id, issued_at)}"


def csrf_token_is_valid(
    settings: Settings, link_id: UUID, token: str, now: float | None = None
) -> bool:
    """Issued for this link by us, and not older than `CSRF_TOKEN_HOURS` (nor from the future)."""
    issued_text, _, signature = token.partition(".")
    issued_at = whole_number(issued_text, digits=12)  # seconds since 1970
    if issued_at is None:
        return False
    age = (time.time() if now is None else now) - issued_at
    if not 0 <= age <= CSRF_TOKEN_HOURS * 3600:
        return False
    return hmac.compare_digest(signature, _signature(settings, link_id, issued_at))


class SubmissionLimiter:
    """How many answers a link may send: a moving window per link, in the configured storage."""

    def __init__(self, settings: Settings, counter: RateLimiter) -> None:
        self._limits: list[RateLimitItem] = parse_many(settings.share_submission_limit)
        self._counter = counter

    async def allow(self, link_id: UUID) -> bool:
        """Count one submission for the link (each window's hit is atomic in the storage);
        False once any of its limits is reached."""

        async def hit(storage: Storage) -> bool:
            window = MovingWindowRateLimiter(storage)
            for limit in self._limits:
                if not await window.hit(limit, "share-link", str(link_id)):
                    return False
            return True

        return await self._counter.counted(hit)

    async def retry_after(self, link_id: UUID) -> int:
        """Seconds until the link may send again."""

        async def waits(storage: Storage) -> list[int]:
            window, found = MovingWindowRateLimiter(storage), []
            for limit in self._limits:
                stats = await window.get_window_stats(limit, "share-link", str(link_id))
                if stats.remaining == 0:
                    found.append(max(1, int(stats.reset_time - time.time())))
            return found

        return max(await self._counter.counted(waits), default=1)


def submission_limiter(request: Request) -> SubmissionLimiter:
    """The application's limiter, made on first use from its settings."""
    state = request.app.state
    limiter: SubmissionLimiter | None = getattr(state, "share_submission_limiter", None)
    if limiter is None:
        # The API keys' storage (`HANDOVER_RATE_LIMIT_STORAGE`): one place where counts live.
        limiter = SubmissionLimiter(state.settings, limiter_of(state))
        state.share_submission_limiter = limiter
    return limiter
