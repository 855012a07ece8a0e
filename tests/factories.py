"""Small typed factories: organizations and keys straight in the database, the rest via the API."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from app.api_keys.service import issue_key
from app.core.auth import Caller, Scope
from app.db import Database
from app.organizations.service import create_organization


@dataclass
class Tenant:
    organization_id: uuid.UUID
    key: str
    client: httpx.AsyncClient
    database: Database

    @property
    def admin(self) -> Caller:
        """The organization's admin, for tests that call a service as a route would."""
        return Caller(self.organization_id, None, frozenset({Scope.admin}))

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def key_with(self, *scopes: Scope, expires_at: datetime | None = None) -> str:
        async with self.database.transaction() as session:
            _, secret = await issue_key(
                session, self.organization_id, "test key", scopes, expires_at
            )
        return secret

    async def member(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": "Ada Lovelace",
            "email": f"ada-{uuid.uuid4().hex[:8]}@example.com",
            "role": "project_manager",
            **overrides,
        }
        response = await self.post("/v1/members", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def customer(self, **overrides: Any) -> dict[str, Any]:
        response = await self.post("/v1/customers", json={"name": "Globex", **overrides})
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def project(self, **overrides: Any) -> dict[str, Any]:
        if "customer_id" not in overrides:
            overrides["customer_id"] = (await self.customer())["id"]
        response = await self.post("/v1/projects", json={"name": "Rollout", **overrides})
        assert response.status_code == 201, response.text
        return dict(response.json())


async def make_tenant(database: Database, client: httpx.AsyncClient) -> Tenant:
    async with database.transaction() as session:
        organization = await create_organization(session, f"org-{uuid.uuid4().hex}")
        _, secret = await issue_key(session, organization.id, "admin", [Scope.admin])
    return Tenant(organization.id, secret, client, database)
