"""SSRF safety at registration: by default only `https` to public addresses; the two settings
(`HANDOVER_WEBHOOK_ALLOW_HTTP`, `HANDOVER_WEBHOOK_ALLOWED_CIDRS`) open exactly what they name."""

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from app.webhooks.safety import UnsafeWebhookUrl, resolve_target
from tests.conftest import close_app, settings_for
from tests.factories import Tenant, make_tenant
from tests.problems import assert_problem, locations
from tests.webhooks.api_helpers import ENDPOINTS, make_endpoint, stored_endpoints

REFUSED_BY_DEFAULT = [
    "http://127.0.0.1",
    "http://169.254.169.254",
    "http://[::1]",
    "http://10.0.0.1",
    "http://localhost",
    "http://93.184.216.34/hooks",  # public, but plain http
    "https://127.0.0.1/hooks",
    "https://127.1.2.3:8443/hooks",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hooks",
    "https://10.0.0.1/hooks",
    "https://172.16.5.4/hooks",
    "https://192.168.1.10/hooks",
    "https://100.64.0.1/hooks",  # CGNAT
    "https://[::ffff:10.0.0.1]/hooks",  # IPv4-mapped private
    "https://[::ffff:169.254.169.254]/hooks",
    "https://[fe80::1]/hooks",  # link-local
    "https://[fd00::1]/hooks",  # unique local
    "https://0.0.0.0/hooks",
    "https://224.0.0.1/hooks",  # multicast
    "https://localhost/hooks",  # a name that resolves to loopback
    "https://user:secret@93.184.216.34/hooks",  # credentials in the URL
]


@pytest.mark.parametrize("url", REFUSED_BY_DEFAULT)
async def test_defaults_refuse_non_public_or_plain_http_urls(tenant: Tenant, url: str) -> None:
    response = await tenant.post(ENDPOINTS, json={"url": url})
    problem = assert_problem(response, 422, "unsafe-webhook-url")
    assert locations(problem) == {("body", "url")}
    assert problem["errors"][0]["type"] == "unsafe_url"
    assert await stored_endpoints(tenant) == []


async def test_changing_the_url_is_checked_too(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{endpoint['id']}"
    for unsafe in ("https://169.254.169.254/", "http://93.184.216.34/hooks"):
        problem = assert_problem(
            await tenant.patch(url, json={"url": unsafe}), 422, "unsafe-webhook-url"
        )
        assert locations(problem) == {("body", "url")}
    current = (await tenant.get(url)).json()
    assert (current["url"], current["version"]) == (endpoint["url"], 1)


def _resolving(answers: dict[str, list[str]]) -> Any:
    async def getaddrinfo(host: str, port: int, **_: Any) -> list[Any]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port),
            )
            for address in answers[host]
        ]

    return getaddrinfo


@pytest.fixture
async def fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names resolve from a table, not the network (the app runs on the test's event loop)."""
    answers = {
        "hooks.example.com": ["93.184.216.34"],
        "internal.example.com": ["10.0.0.5"],
        "split.example.com": ["93.184.216.34", "192.168.0.7"],
        "metadata.example.com": ["fd00:ec2::254"],
    }
    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", _resolving(answers))


@pytest.mark.usefixtures("fake_dns")
async def test_a_name_is_accepted_only_if_every_address_is_public(tenant: Tenant) -> None:
    created = await make_endpoint(tenant, url="https://hooks.example.com/handover")
    assert created["url"] == "https://hooks.example.com/handover"
    for host in ("internal.example.com", "split.example.com", "metadata.example.com"):
        response = await tenant.post(ENDPOINTS, json={"url": f"https://{host}/handover"})
        assert_problem(response, 422, "unsafe-webhook-url")
    response = await tenant.post(ENDPOINTS, json={"url": "https://nowhere.example.com/"})
    problem = assert_problem(response, 422, "unsafe-webhook-url")
    assert "does not resolve" in problem["detail"]
    assert len(await stored_endpoints(tenant)) == 1


@pytest.fixture
async def opened(database_url: str) -> AsyncIterator[Tenant]:
    """A tenant of an app whose operator allows http and the loopback network (as tests do)."""
    app = create_app(
        settings_for(database_url, webhook_allow_http=True, webhook_allowed_cidrs="127.0.0.0/8")
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://handover.test") as client:
        yield await make_tenant(app.state.database, client)
    await close_app(app)


async def test_the_two_settings_open_exactly_what_they_name(opened: Tenant) -> None:
    created = await make_endpoint(opened, url="http://127.0.0.1:8080/hooks")
    assert created["url"] == "http://127.0.0.1:8080/hooks"
    for url in (
        "http://10.0.0.1/hooks",
        "http://169.254.169.254/",
        "http://[::1]:8080/hooks",
        "https://100.64.0.1/hooks",
    ):
        response = await opened.post(ENDPOINTS, json={"url": url})
        assert_problem(response, 422, "unsafe-webhook-url")
    assert len(await stored_endpoints(opened)) == 1


async def test_allowing_http_does_not_allow_private_addresses() -> None:
    settings = Settings(webhook_allow_http=True)
    with pytest.raises(UnsafeWebhookUrl):
        await resolve_target("http://127.0.0.1/hooks", settings)
    target = await resolve_target("http://93.184.216.34/hooks", settings)
    assert (target.scheme, str(target.address), target.port) == ("http", "93.184.216.34", 80)


async def test_allowing_a_network_does_not_allow_http() -> None:
    settings = Settings(webhook_allowed_cidrs="10.0.0.0/8")
    with pytest.raises(UnsafeWebhookUrl):
        await resolve_target("http://10.0.0.1/hooks", settings)
    target = await resolve_target("https://10.0.0.1/hooks", settings)
    assert (str(target.address), target.port) == ("10.0.0.1", 443)
