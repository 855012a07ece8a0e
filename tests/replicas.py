"""Another app on the test database, in this process, as a second replica would be."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from app.main import create_app
from tests.conftest import close_app, settings_for

# The machine's Redis, for tests of replicas sharing their counts. They wait for it longer than
# the production default (0.5 s): on a loaded two-core CI machine a first answer can take that
# long, and a replica that gave up would count alone, which these tests are not about.
SHARED_REDIS: dict[str, object] = {
    "rate_limit_storage": "redis://127.0.0.1:6379",
    "rate_limit_storage_timeout_seconds": 10,
}


@asynccontextmanager
async def replica(database_url: str, **overrides: object) -> AsyncIterator[httpx.AsyncClient]:
    """An app with its own settings (and rate-limit storage) on the same database."""
    app = create_app(settings_for(database_url, **overrides))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await close_app(app)
        app.state.rate_limiter.close()
