"""Each request reaches the route it reached before routes skipped on their fixed start: the
same route, or none, for every path of the contract, with every method, with and without a
`root_path` in front."""

import re
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match

from app.core.routing import DeclaredQueryRoute

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def _scope(method: str, path: str, root_path: str = "") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": root_path + path,
        "root_path": root_path,
        "query_string": b"",
        "headers": [],
    }


def _match(route: BaseRoute, scope: dict[str, Any], *, plain: bool) -> Match:
    """How the route matches; `plain`: as FastAPI's own route would, skipping nothing."""
    if plain and isinstance(route, APIRoute):
        return APIRoute.matches(route, scope)[0]
    return route.matches(scope)[0]


def _chosen(routes: list[BaseRoute], scope: dict[str, Any], *, plain: bool) -> BaseRoute | None:
    """The route the router picks: the first full match, else the first partial one."""
    partial = None
    for route in routes:
        match = _match(route, scope, plain=plain)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def test_every_path_reaches_the_route_it_reached_before(app: FastAPI) -> None:
    routes = list(app.router.routes)
    paths = {re.sub(r"\{[^}]+\}", "0e3b2c1a", route.path) for route in routes}  # type: ignore[attr-defined]
    paths |= {"/", "/v1", "/v1/", "/v1/projects/", "/v1/nothing-here", "/share", "/healthz/"}
    compared = 0
    for path in sorted(paths):
        for method in METHODS:
            for root_path in ("", "/handover"):
                scope = _scope(method, path, root_path)
                chosen = _chosen(routes, scope, plain=False)
                assert chosen is _chosen(routes, scope, plain=True), (method, root_path + path)
                compared += chosen is not None
    assert compared > 1000


def test_the_app_lists_its_routes_with_their_fixed_start(app: FastAPI) -> None:
    """What lets a route refuse a path at once; without it every route is asked in full."""
    declared = [route for route in app.router.routes if isinstance(route, DeclaredQueryRoute)]

    assert len(declared) > 150
    assert all(route.path.startswith(route.fixed_start) for route in declared)
    assert {route.fixed_start for route in declared} >= {"/v1/projects/", "/v1/integrations/"}


async def test_a_route_included_under_a_prefix_is_still_found() -> None:
    """A router's prefix is not part of the route's own path: such a route is matched in full."""
    router = APIRouter(route_class=DeclaredQueryRoute)

    @router.get("/items/{item_id}")
    async def read_item(item_id: str) -> dict[str, str]:
        return {"item_id": item_id}

    application = FastAPI()
    application.include_router(router, prefix="/v2")
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        found = await client.get("/v2/items/7")

    assert (found.status_code, found.json()) == (200, {"item_id": "7"})
