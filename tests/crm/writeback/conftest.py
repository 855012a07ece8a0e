"""Every scenario runs against each CRM's fake, with a short coalescing window."""

from collections.abc import Callable

import pytest

from app.db import Database
from tests.crm.writeback.support import DEAL_IDS, Crm

WINDOW_SECONDS = 0.3
QUICK = {
    "crm_writeback_window_seconds": WINDOW_SECONDS,
    "webhook_retry_schedule": "0.2,0.2,0.2,0.2,0.2",
    "dispatcher_lease_seconds": 5,
}


@pytest.fixture(params=["hubspot", "pipedrive", "salesforce"])
def crm(request: pytest.FixtureRequest) -> Crm:
    provider = request.param
    return Crm(provider, request.getfixturevalue(provider), DEAL_IDS[provider])


@pytest.fixture
def dispatcher(worker_database: Callable[..., Database]) -> Database:
    """The database as the write-back dispatcher sees it: a short window, quick retries."""
    return worker_database(**QUICK)
