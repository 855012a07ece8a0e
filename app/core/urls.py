"""The service's own public URLs (intake, share and calendar URLs): `HANDOVER_PUBLIC_BASE_URL`,
else the address the request came in on.

Unset, a URL names the scheme, host and port the caller used: `handover serve --port 18100`
hands out `http://127.0.0.1:18100/…`. Behind a proxy the request comes in on the proxy's
upstream address, not the public one, so there the setting wins.
"""

from typing import Annotated, Any

from fastapi import Depends, Request

from app.settings import Settings


def base_url_of(request: Request) -> str:
    """The public base URL, without a trailing slash."""
    settings: Settings = request.app.state.settings
    if settings.public_base_url is not None:
        return settings.public_base_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def public_url(request: Request, route_name: str, **path_params: Any) -> str:
    """The public URL of a named route."""
    path: str = request.app.url_path_for(route_name, **path_params)
    return base_url_of(request) + path


async def _public_base_url(request: Request) -> str:
    return base_url_of(request)  # a coroutine: a plain function would run in the thread pool


PublicBaseUrl = Annotated[str, Depends(_public_base_url)]
