"""Every dependency of every route is a coroutine: FastAPI runs a plain function in the thread
pool, a hop there and back on every request that a loaded process pays dearly for (the CRM
intake's figures before and after: bench/README.md)."""

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute


def _runs_on_the_loop(call: Any) -> bool:
    target = call if inspect.isroutine(call) else type(call).__call__  # an instance: its method
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


async def test_no_route_waits_for_the_thread_pool_to_resolve_a_dependency(app: FastAPI) -> None:
    routes = [route for route in app.routes if isinstance(route, APIRoute)]
    plain = {
        f"{call.__module__}.{call.__qualname__}"
        for route in routes
        for call in _calls(route.dependant)
        if not _runs_on_the_loop(call)
    }

    assert len(routes) > 150
    assert plain == set()
