"""Where webhooks may go: `https` to public addresses only (no SSRF into our own network).

The host is resolved and every address checked, at registration and again at each send, and the
request connects to an address that was checked (DNS cannot change between check and use).
Every special-purpose range of the IANA registries (private, loopback, link-local and cloud
metadata, CGNAT, multicast, reserved, …), IPv4 and IPv6, is refused unless listed in
`HANDOVER_WEBHOOK_ALLOWED_CIDRS`; an IPv6 address that carries an IPv4 address (NAT64, 6to4,
Teredo, IPv4-mapped or -compatible, SIIT) is judged by that IPv4 address (see addresses.py).
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.core.errors import InvalidInput
from app.settings import Settings
from app.webhooks.addresses import IPAddress, embedded_ipv4, is_public


class UnsafeWebhookUrl(InvalidInput):
    slug = "unsafe-webhook-url"
    title = "Unsafe Webhook URL"


@dataclass(frozen=True)
class Target:
    """A URL with the address to connect to (one that passed the checks)."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress


def _allowed(address: IPAddress, settings: Settings, sending: bool) -> bool:
    if any(address in network for network in settings.allowed_networks):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        carried = embedded_ipv4(address)
        if carried is not None:  # NAT64, 6to4, Teredo, …: where the packets really go
            return all(_allowed(ipv4, settings, sending) for ipv4 in carried)
    if sending and not settings.webhook_allow_public:
        return False
    return is_public(address)


def check_url_shape(url: str, settings: Settings) -> tuple[str, str, int]:
    """Scheme, host and port of an acceptable URL, or UnsafeWebhookUrl."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed `[` of an IPv6 literal
        raise UnsafeWebhookUrl("The webhook URL cannot be parsed.") from exc
    allowed_schemes = {"https", "http"} if settings.webhook_allow_http else {"https"}
    if parts.scheme not in allowed_schemes:
        raise UnsafeWebhookUrl(f"Webhook URLs must use {' or '.join(sorted(allowed_schemes))}.")
    if not parts.hostname:
        raise UnsafeWebhookUrl("The webhook URL has no host.")
    if parts.username or parts.password:
        raise UnsafeWebhookUrl("Credentials in webhook URLs are not accepted.")
    try:
        parts.hostname.encode("idna")
    except UnicodeError as exc:  # a label over 63 characters, or characters IDNA refuses
        raise UnsafeWebhookUrl("The webhook URL's host is not a valid host name.") from exc
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeWebhookUrl("The webhook URL has an invalid port.") from exc
    try:
        httpx.URL(url)  # stricter than urlsplit: it refuses DEL and other non-printable characters
    except httpx.InvalidURL as exc:
        raise UnsafeWebhookUrl(f"The webhook URL cannot be sent to: {exc}") from exc
    return parts.scheme, parts.hostname, port


async def resolve_target(url: str, settings: Settings, *, sending: bool = False) -> Target:
    """Resolve the URL's host; every address must be allowed (else UnsafeWebhookUrl).

    `sending`: the check before a request, which `HANDOVER_WEBHOOK_ALLOW_PUBLIC=false` also
    confines to the allowed networks.
    """
    scheme, host, port = check_url_shape(url, settings)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as exc:
            raise UnsafeWebhookUrl(f"The host {host} does not resolve.") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    refused = [address for address in addresses if not _allowed(address, settings, sending)]
    if refused or not addresses:
        raise UnsafeWebhookUrl(
            f"The host {host} resolves to an address that is not public ({refused[0]})."
            if refused
            else f"The host {host} has no address."
        )
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])


def pinned_request(
    client: httpx.AsyncClient,
    target: Target,
    method: str,
    url: str,
    headers: dict[str, str],
    **kwargs: Any,
) -> httpx.Request:
    """A request for `url` sent to the checked address of `target` (so DNS cannot change
    between check and use), with the URL's host for `Host` and TLS (SNI, certificate)."""
    pinned = httpx.URL(url).copy_with(host=str(target.address), port=target.port)
    host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return client.build_request(
        method, pinned, headers={**headers, "host": host}, extensions=extensions, **kwargs
    )
