"""The Idempotency-Key claim commits its own short transaction; on SQLite it must do so before
the request's write transaction takes the database's write lock, or the request waits for
itself until the busy timeout and answers 500 (found by schemathesis against a live serve).
So every route claims right after the session and the caller, before loading anything."""

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute

from app.core.idempotency import claim
from app.main import create_app
from app.settings import Settings


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router
            yield from _routes(route.original_router.routes)


def test_every_route_claims_its_key_before_it_loads_anything() -> None:
    claiming = 0
    for route in _routes(create_app(Settings(database_url="sqlite://")).routes):
        calls = [dependency.call for dependency in route.dependant.dependencies]
        if claim not in calls:
            continue
        claiming += 1
        before = {getattr(call, "__name__", "") for call in calls[: calls.index(claim)]}
        assert before <= {"get_session", "authenticate"}, (route.path, before)
    assert claiming >= 28
