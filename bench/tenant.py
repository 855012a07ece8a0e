"""The tenant a benchmark run loads: an organization with an admin key, its projects' ids and
versions, and a generic CRM connection with signed pushes to send to it.

Pushes are signed the Standard Webhooks way when they are built, so each round builds its own:
the generic provider refuses a signature older than 5 minutes, and a push sent twice is a
duplicate delivery or an update of a known deal, not the new project the scenario measures.
"""

import json
import uuid
from datetime import UTC, date, datetime

import asyncpg
import httpx
from standardwebhooks import Webhook

from app.api_keys.service import issue_key
from app.core.auth import Scope
from app.db import Database
from app.organizations.service import create_organization
from app.settings import Settings
from bench import servers
from bench.load import Request


async def tenant(url: str, name: str) -> tuple[uuid.UUID, str]:
    """A new organization called `name` and an admin API key of its own."""
    database = Database(Settings(database_url=url, secret_key=servers.SECRET, log_level="WARNING"))
    try:
        async with database.transaction() as session:
            organization = await create_organization(session, name)
            _, key = await issue_key(session, organization.id, "bench", [Scope.admin])
        return organization.id, key
    finally:
        await database.dispose()


async def projects(dsn: str, organization_id: uuid.UUID) -> list[tuple[str, int]]:
    """Every project of the organization as (id, version): what the status reads pick from."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT id, version FROM projects WHERE organization_id = $1", organization_id
        )
        return [(str(row["id"]), row["version"]) for row in rows]
    finally:
        await connection.close()


def crm_connection(base: str, key: str) -> tuple[str, str]:
    """A generic CRM connection (built-in template: milestones and RACI); its path and secret."""
    auth = {"Authorization": f"Bearer {key}"}
    manager = httpx.post(
        f"{base}/v1/members",
        headers=auth,
        json={"name": "Ada Bench", "email": "ada@bench.example", "role": "project_manager"},
    )
    manager.raise_for_status()
    created = httpx.post(
        f"{base}/v1/crm-connections",
        headers=auth,
        json={
            "provider": "generic",
            "name": "bench",
            "default_project_manager_id": manager.json()["id"],
        },
    )
    created.raise_for_status()
    connection = created.json()
    return f"/v1/integrations/generic/{connection['id']}/webhooks", connection["secret"]


def pushes(path: str, secret: str, count: int) -> list[Request]:
    """`count` distinct won deals, each signed the Standard Webhooks way just now."""
    signer = Webhook(secret)
    moment = datetime.now(UTC)
    signed = []
    for _ in range(count):
        tag = uuid.uuid4().hex[:12]
        body = json.dumps(
            {
                "external_id": f"D-{tag}",
                "name": f"Rollout {tag}",
                "customer": {"external_id": f"C-{tag[:3]}", "name": f"Customer {tag[:3]}"},
                "amount": "120000.00",
                "currency": "EUR",
                "close_date": date.today().isoformat(),
                "stage": "closedwon",
                "owner_email": f"seller-{tag[:2]}@bench.example",
                "owner_name": "Sam Seller",
                "requirements": "300 users, SSO, migration from the legacy CRM.",
                "line_items": [
                    {"name": "Implementation", "quantity": "1", "unit_price": "120000.00"}
                ],
            }
        ).encode()
        message_id = f"msg_{uuid.uuid4().hex}"
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": signer.sign(message_id, moment, body.decode()),
        }
        signed.append(Request(path, "POST", headers, body))
    return signed
