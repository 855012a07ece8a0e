"""One HTTP attempt: sign the stored payload (Standard Webhooks) and POST it to a checked address.

No database here: the dispatcher reads what to send before, and records the outcome after.
"""

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime

import httpx
from standardwebhooks import Webhook

from app.core.retry_after import retry_after_seconds
from app.models.base import utcnow
from app.webhooks.safety import Target, UnsafeWebhookUrl, pinned_request

EXCERPT_BYTES = 1024
USER_AGENT = "Handover-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str | None
    excerpt: str | None
    retry_after_seconds: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def sign(event_id: str, sent_at: datetime, body: bytes, secrets: list[str]) -> str:
    """One `v1,<signature>` per live secret, space-separated (rotation signs with both)."""
    text = body.decode()
    return " ".join(Webhook(secret).sign(event_id, sent_at, text) for secret in secrets)


def signed_headers(event_id: str, body: bytes, secrets: list[str]) -> dict[str, str]:
    sent_at = utcnow()
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": sign(event_id, sent_at, body, secrets),
    }


def refused(error: UnsafeWebhookUrl) -> Outcome:
    """No request: the target failed the checks (see app/webhooks/safety.py)."""
    return Outcome(None, 0, f"refused: {error.detail}"[:500], None)


async def send(
    client: httpx.AsyncClient,
    target: Target,
    event_id: str,
    body: bytes,
    secrets: list[str],
    deadline_seconds: float,
) -> Outcome:
    """POST once to a checked target. Redirects are not followed (a 3xx is a failure); the
    answer is read only up to a small excerpt.

    The attempt as a whole ends at `deadline_seconds`: the client's timeout bounds each wait
    for the next bytes only, so a receiver trickling its answer would otherwise hold the
    attempt, and the lease of its batch, for as long as it pleases."""
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    headers = signed_headers(event_id, body, secrets)
    try:
        async with asyncio.timeout(deadline_seconds):
            request = pinned_request(client, target, "POST", target.url, headers, content=body)
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                excerpt = b""
                async for chunk in response.aiter_bytes():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT_BYTES:
                        break
            finally:
                await response.aclose()
    except httpx.InvalidURL as exc:  # a URL stored before the shape check asked httpx
        return refused(UnsafeWebhookUrl(f"The webhook URL cannot be sent to: {exc}"))
    except (httpx.TimeoutException, TimeoutError):
        return Outcome(None, elapsed(), "timeout", None)
    except httpx.HTTPError as exc:
        return Outcome(None, elapsed(), f"{type(exc).__name__}: {exc}"[:500], None)
    return Outcome(
        response.status_code,
        elapsed(),
        None if response.is_success else f"HTTP {response.status_code}",
        excerpt[:EXCERPT_BYTES].decode(errors="replace"),
        retry_after_seconds(response.headers.get("retry-after")),
    )
