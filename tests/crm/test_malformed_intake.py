"""A verified body no CRM would send is a 422 and kept as `malformed`, never a 500 (which every
CRM retries, so the failure would repeat): JSON nested past any CRM's, dates past the calendar."""

from typing import Any

import httpx
import pytest

from app.settings import Settings
from tests.crm.inbound import kept, projects
from tests.crm.samples import (
    basic_auth,
    connection,
    dumps,
    hubspot_events,
    pipedrive_message,
    signed_generic,
    signed_hubspot,
)
from tests.factories import Tenant
from tests.problems import assert_problem

HUBSPOT_SECRET = "hubspot-app-secret-0123"
# Deep enough for `json.loads` to give up (RecursionError), within the tests' body limit.
TOO_DEEP = b"[" * 30_000 + b"]" * 30_000
DEEP: Any = "bottom"
for _ in range(40):
    DEEP = {"nested": DEEP}
# Well-formed otherwise, nested deeper than any CRM's payload (stored, then read again later).
DEEPER_THAN_ANY_CRM = {
    "hubspot": dumps(hubspot_events(42, nested=DEEP)),
    "pipedrive": dumps(pipedrive_message(42, nested=DEEP)),
}


async def _signed_post(
    tenant: Tenant, provider: str, body: bytes, settings: Settings
) -> tuple[httpx.Response, str]:
    made = await connection(tenant, provider)
    if provider == "hubspot":
        headers = signed_hubspot(HUBSPOT_SECRET, made["intake_url"], body)
    elif provider == "pipedrive":
        headers = basic_auth(made["basic_auth_username"], made["secret"])
    else:
        headers = signed_generic(made["secret"], body)
    return await tenant.client.post(made["path"], content=body, headers=headers), made["id"]


async def _assert_kept_malformed(
    tenant: Tenant, response: httpx.Response, connection_id: str
) -> None:
    assert_problem(response, 422)
    [request] = await kept(tenant, connection_id)
    assert request["outcome"] == "malformed"
    assert await projects(tenant) == []


@pytest.mark.parametrize("provider", ["hubspot", "pipedrive", "generic"])
async def test_json_nested_past_the_stack_is_malformed_not_a_server_error(
    tenant: Tenant, settings: Settings, provider: str
) -> None:
    response, connection_id = await _signed_post(tenant, provider, TOO_DEEP, settings)

    await _assert_kept_malformed(tenant, response, connection_id)


@pytest.mark.parametrize("provider", ["hubspot", "pipedrive"])
async def test_json_nested_deeper_than_any_crm_sends_is_malformed(
    tenant: Tenant, settings: Settings, provider: str
) -> None:
    body = DEEPER_THAN_ANY_CRM[provider]

    response, connection_id = await _signed_post(tenant, provider, body, settings)

    await _assert_kept_malformed(tenant, response, connection_id)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("closedate", "9" * 30),  # OverflowError
        ("closedate", "9" * 16),  # a year past 9999
        ("amount", "1" * 30),  # past the decimal context's precision
        ("amount", "1" * 20),  # past what a deal's amount holds
        ("amount", "NaN"),
    ],
)
async def test_a_hubspot_value_past_its_range_is_malformed(
    tenant: Tenant, settings: Settings, name: str, value: str
) -> None:
    events = hubspot_events(42, propertyName=name, propertyValue=value)

    response, connection_id = await _signed_post(tenant, "hubspot", dumps(events), settings)

    await _assert_kept_malformed(tenant, response, connection_id)
