"""SSRF through IPv6 forms that carry an IPv4 address, and through special-purpose ranges that
`ipaddress.is_global` calls global: refused at registration and before every send, for webhook
URLs and CRM API base URLs alike; the public IPv4 address behind such a form still passes."""

import uuid
from pathlib import Path

import pytest

from app.crm.clients import client_for
from app.crm.clients.base import ApiAccess, CrmRefused
from app.crm.clients.http import CrmHttp, crm_http_client
from app.models import CrmSource
from app.settings import Settings
from app.webhooks.safety import UnsafeWebhookUrl, resolve_target
from tests.crm.conftest import TOKEN, local_settings
from tests.crm.samples import connection
from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.webhooks.api_helpers import ENDPOINTS, stored_endpoints

CARRYING_PRIVATE = [
    "https://[64:ff9b::a9fe:a9fe]/",  # NAT64 well-known prefix → 169.254.169.254
    "https://[64:ff9b::7f00:2]/",  # NAT64 → 127.0.0.2
    "https://[64:ff9b:1::a00:1]/",  # NAT64 local-use prefix → 10.0.0.1
    "https://[64:ff9b:1:a00:1::5db8:d822]/",  # local-use, not its /96 form: unknowable
    "https://[2002:a9fe:a9fe::]/",  # 6to4 → 169.254.169.254
    "https://[2002:7f00:2::]/",  # 6to4 → 127.0.0.2
    "https://[::127.0.0.2]/",  # IPv4-compatible
    "https://[::ffff:0:7f00:2]/",  # SIIT (IPv4-translated)
    "https://[::ffff:7f00:2]/",  # IPv4-mapped
    "https://[2001:0:5db8:d822::80ff:fffe]/",  # Teredo, client 127.0.0.1
    "https://[2001:0:a00:1::a247:27dd]/",  # Teredo, server 10.0.0.1
]
SPECIAL_PURPOSE = [
    "https://[fec0::1]/",  # site-local
    "https://192.0.0.8/",  # IETF protocol assignments (dummy address)
    "https://192.0.0.170/",  # NAT64 discovery
    "https://192.88.99.1/",  # 6to4 relay anycast
    "https://198.18.0.1/",  # benchmarking
    "https://192.0.2.10/",  # documentation
    "https://[2001:db8::1]/",  # documentation
    "https://[3fff::1]/",  # documentation (2024)
    "https://[5f00::1]/",  # SRv6 SIDs
    "https://[100::1]/",  # discard-only
    "https://[2001:2::1]/",  # benchmarking
]
REFUSED = CARRYING_PRIVATE + SPECIAL_PURPOSE
PUBLIC = [
    "https://93.184.216.34/",
    "https://[2606:2800:220:1:248:1893:25c8:1946]/",
    "https://[64:ff9b::5db8:d822]/",  # NAT64 of 93.184.216.34
    "https://[64:ff9b:1::5db8:d822]/",
    "https://[2002:5db8:d822::1]/",  # 6to4 of 93.184.216.34
]


@pytest.mark.parametrize("url", REFUSED)
async def test_a_webhook_url_carrying_or_in_a_special_range_is_refused(
    tenant: Tenant, url: str
) -> None:
    problem = assert_problem(await tenant.post(ENDPOINTS, json={"url": url}), 422)
    assert problem["type"].endswith("unsafe-webhook-url")
    assert locations(problem) == {("body", "url")}
    assert await stored_endpoints(tenant) == []


@pytest.mark.parametrize("url", REFUSED)
async def test_a_crm_api_base_url_carrying_or_in_a_special_range_is_refused(
    tenant: Tenant, url: str
) -> None:
    manager = await tenant.member()
    body = {
        "provider": "hubspot",
        "name": "HubSpot",
        "default_project_manager_id": manager["id"],
        "app_secret": "hubspot-app-secret-0123",
        "api_token": TOKEN,
        "api_base_url": url.rstrip("/"),
    }
    assert_problem(await tenant.post("/v1/crm-connections", json=body), 422)
    hub = await connection(tenant, "hubspot")
    changed = await tenant.patch(f"/v1/crm-connections/{hub['id']}", json=body | {"name": "H"})
    assert_problem(changed, 422)


@pytest.mark.parametrize("url", REFUSED)
async def test_every_send_refuses_them_even_when_public_sends_are_allowed(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl):
        await resolve_target(url, Settings(webhook_allow_public=True), sending=True)


@pytest.mark.parametrize("url", PUBLIC)
async def test_a_public_address_passes_whatever_form_carries_it(url: str) -> None:
    target = await resolve_target(url, Settings(webhook_allow_public=True), sending=True)
    assert str(target.address) in url


@pytest.mark.parametrize("url", ["http://[64:ff9b::a9fe:a9fe]", "http://[2002:a00:1::]"])
async def test_a_crm_api_call_to_them_is_refused_before_any_connection(
    url: str, tmp_path: Path
) -> None:
    settings = local_settings(f"sqlite:///{tmp_path / 'unused.db'}", webhook_allow_public=True)
    access = ApiAccess(CrmSource.hubspot, uuid.uuid4(), url, TOKEN, ("closedwon",))
    async with crm_http_client(settings) as http:
        with pytest.raises(CrmRefused, match="unsafe API base URL"):
            await client_for(access, CrmHttp(access, settings, http, shared=None)).complete(["1"])


async def test_an_allowed_network_still_opens_what_it_names() -> None:
    settings = Settings(webhook_allowed_cidrs="64:ff9b::/96", webhook_allow_public=True)
    target = await resolve_target("https://[64:ff9b::a00:1]/", settings, sending=True)
    assert str(target.address) == "64:ff9b::a00:1"
    with pytest.raises(UnsafeWebhookUrl):
        await resolve_target("https://[2002:a00:1::]/", settings, sending=True)
