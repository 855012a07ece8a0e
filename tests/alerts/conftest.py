"""The tenant as an admin of its organization (the threshold is an organization setting)."""

import pytest

from tests.factories import Tenant


@pytest.fixture
def admin(tenant: Tenant) -> Tenant:
    return tenant
