"""Every error is problem+json, and bad input never leaves anything behind."""

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter
from prometheus_client import generate_latest

from app.core.errors import Conflict
from app.main import create_app
from app.settings import Settings
from tests.conftest import close_app
from tests.factories import Tenant


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:handover:problem:not-found"


async def test_wrong_method_is_a_405_problem(tenant: Tenant) -> None:
    response = await tenant.request("PUT", "/v1/members")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert "allow" in response.headers


async def test_validation_problem_lists_each_field(tenant: Tenant) -> None:
    response = await tenant.post("/v1/members", json={"name": "", "role": "wizard"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Validation Failed"
    locations = {tuple(error["loc"]) for error in problem["errors"]}
    assert {("body", "name"), ("body", "email"), ("body", "role")} <= locations
    assert problem["request_id"] == response.headers["x-request-id"]


async def test_unexpected_error_is_a_500_that_leaks_nothing(settings: Settings) -> None:
    app = create_app(settings)
    boom = APIRouter()

    @boom.get("/boom")
    async def explode() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.include_router(boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom")
    await close_app(app)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert response.json()["type"] == "urn:handover:problem:internal"
    # the request id and the metrics sit outside the layer that answers the 500
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert 'route="/boom",status="500"' in generate_latest().decode()


async def test_chunked_oversized_body_is_413(tenant: Tenant) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(70):
            yield b"x" * 1024
        yield b'"}'

    response = await tenant.post(
        "/v1/customers", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_failed_writes_leave_no_rows(tenant: Tenant) -> None:
    bad_requests = [
        {"json": {"name": "x", "colour": "blue"}},
        {"content": b'{"name": "\x00"', "headers": {"Content-Type": "application/json"}},
        {"content": b'{"name": "\xff"}', "headers": {"Content-Type": "application/json"}},
        {"json": {"name": "nul\u0000"}},
        {"content": b'{"name": "x"}', "headers": {"Content-Type": "text/plain"}},
    ]
    for request in bad_requests:
        response = await tenant.post("/v1/customers", **request)  # type: ignore[arg-type]
        assert 400 <= response.status_code < 500
    # A project that names a customer of nobody is refused whole.
    response = await tenant.post(
        "/v1/projects", json={"name": "P", "customer_id": "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "customer_id"]
    assert (await tenant.get("/v1/customers")).json()["items"] == []
    assert (await tenant.get("/v1/projects")).json()["items"] == []


def test_a_kind_that_names_only_its_slug_is_titled_by_it() -> None:
    class TemplateInUse(Conflict):
        slug = "template-in-use"

    class NoApiAccess(Conflict):
        slug, title = "no-api-access", "No API Access"

    class Stale(TemplateInUse):
        pass

    assert (TemplateInUse.title, TemplateInUse.status) == ("Template In Use", 409)
    assert str(TemplateInUse()) == "Template In Use"
    assert NoApiAccess.title == "No API Access"
    assert Stale.title == "Template In Use"
