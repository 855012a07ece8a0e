"""Sample requests in each CRM's documented format, signed the way each CRM signs them."""

import base64
import json
import time
import uuid
from typing import Any

from hubspot.utils.signature import Signature
from standardwebhooks import Webhook

from tests.factories import Tenant

SALESFORCE_ORG = "00D5e000000AbCdEAK"


def canonical_deal(external_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    return {
        "external_id": external_id or f"D-{uuid.uuid4().hex[:8]}",
        "name": "Globex CRM rollout",
        "customer": {"external_id": "C-77", "name": "Globex", "website": "https://globex.example"},
        "amount": "120000.00",
        "currency": "EUR",
        "close_date": "2026-11-20",
        "stage": "closedwon",
        "owner_email": f"sam-{uuid.uuid4().hex[:6]}@example.com",
        "owner_name": "Sam Seller",
        "requirements": "300 users, SSO, migration from the legacy CRM.",
        "line_items": [{"name": "Implementation", "quantity": "1", "unit_price": "120000.00"}],
        **overrides,
    }


async def connection(tenant: Tenant, provider: str, **overrides: Any) -> dict[str, Any]:
    """A connection of `provider` (with its secret, when one is generated)."""
    manager = await tenant.member(role="project_manager")
    body: dict[str, Any] = {
        "provider": provider,
        "name": f"{provider} connection",
        "default_project_manager_id": manager["id"],
    }
    if provider == "hubspot":
        body["app_secret"] = "hubspot-app-secret-0123"
    if provider == "salesforce":
        body["salesforce_organization_id"] = SALESFORCE_ORG
    response = await tenant.post("/v1/crm-connections", json={**body, **overrides})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    created["path"] = f"/v1/integrations/{provider}/{created['id']}/webhooks"
    if provider == "salesforce":  # the endpoint URL configured in Salesforce carries the secret
        assert created["secret_intake_url"].endswith(f"{created['path']}?token={created['secret']}")
        created["path"] += f"?token={created['secret']}"
    return created


def signed_generic(
    secret: str, body: bytes, message_id: str | None = None, at: float | None = None
) -> dict[str, str]:
    """Standard Webhooks headers, computed by the `standardwebhooks` package."""
    from datetime import UTC, datetime

    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    moment = datetime.fromtimestamp(at if at is not None else time.time(), UTC)
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, moment, body.decode()),
    }


def hubspot_events(object_id: int, stage: str = "closedwon", **extra: Any) -> list[dict[str, Any]]:
    """A deal stage change, as HubSpot's webhooks API documents it."""
    return [
        {
            "eventId": int(uuid.uuid4().int % 10**9),
            "subscriptionId": 2881778,
            "portalId": 62515,
            "appId": 1160452,
            "occurredAt": int(time.time() * 1000),
            "subscriptionType": "deal.propertyChange",
            "attemptNumber": 0,
            "objectId": object_id,
            "propertyName": "dealstage",
            "propertyValue": stage,
            "changeSource": "CRM_UI",
            "sourceId": "userId:1234567",
            **extra,
        }
    ]


def signed_hubspot(
    secret: str, public_url: str, body: bytes, at_ms: int | None = None
) -> dict[str, str]:
    """HubSpot's v3 headers for a POST of `body` to `public_url` (the URL HubSpot called),
    signed by HubSpot's own SDK (`hubspot-api-client`), never by our code."""
    timestamp = str(at_ms if at_ms is not None else int(time.time() * 1000))
    signature = Signature.get_signature(
        secret, body.decode(), "v3", http_uri=public_url, http_method="POST", timestamp=timestamp
    )
    return {
        "content-type": "application/json",
        "x-hubspot-request-timestamp": timestamp,
        "x-hubspot-signature-v3": signature,
    }


def pipedrive_message(deal_id: int, status: str = "won", **data: Any) -> dict[str, Any]:
    """A deal change, as Pipedrive's webhooks v2 send it."""
    return {
        "meta": {
            "action": "change",
            "camefrom": "app",
            "company_id": "13476060",
            "correlation_id": str(uuid.uuid4()),
            "entity_id": str(deal_id),
            "entity": "deal",
            "id": str(uuid.uuid4()),
            "is_bulk_edit": False,
            "timestamp": "2026-11-23T10:15:02.318Z",
            "type": "general",
            "user_id": "20329214",
            "version": "2.0",
            "webhook_id": "1184262",
            "webhook_owner_id": "20329214",
            "attempt": 1,
        },
        "data": {
            "id": deal_id,
            "title": "Initech data platform",
            "value": 48500,
            "currency": "USD",
            "status": status,
            "stage_id": 5,
            "pipeline_id": 1,
            "owner_id": 20329214,
            "person_id": 17,
            "org_id": 9,
            "expected_close_date": "2026-11-30",
            "won_time": "2026-11-23T10:15:01Z" if status == "won" else None,
            "add_time": "2026-10-02T08:00:00Z",
            "update_time": "2026-11-23T10:15:01Z",
            **data,
        },
        "previous": {"status": "open"},
    }


def basic_auth(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"content-type": "application/json", "authorization": f"Basic {token}"}


def salesforce_message(
    opportunity_id: str,
    *,
    organization_id: str = SALESFORCE_ORG,
    stage: str = "Closed Won",
    is_won: bool = True,
    notification_id: str | None = None,
    amount: str = "98000.0",
    session_id: str | None = None,
    last_modified: str | None = None,
) -> bytes:
    """An Outbound Message for an Opportunity, as Salesforce sends it: with the sending user's
    session id when the message is set to "Send Session ID", and its `LastModifiedDate` (an
    xsd:dateTime) when the message's fields include it."""
    notification_id = notification_id or f"04l5e00000{uuid.uuid4().hex[:8].upper()}"
    session = (
        '<SessionId xsi:nil="true"/>'
        if session_id is None
        else f"<SessionId>{session_id}</SessionId>"
    )
    modified = ""
    if last_modified is not None:
        modified = f"<sf:LastModifiedDate>{last_modified}</sf:LastModifiedDate>"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{organization_id}</OrganizationId>
   <ActionId>04k5e000000KzZ1AAK</ActionId>
   {session}
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/60.0/00D5e000000AbCd</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/60.0/00D5e000000AbCd</PartnerUrl>
   <Notification>
    <Id>{notification_id}</Id>
    <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>{opportunity_id}</sf:Id>
     <sf:AccountId>0015e00000XyZaBAAV</sf:AccountId>
     <sf:Amount>{amount}</sf:Amount>
     <sf:CloseDate>2026-11-21</sf:CloseDate>
     <sf:CurrencyIsoCode>GBP</sf:CurrencyIsoCode>
     <sf:Description>Warehouse scanners for 12 sites</sf:Description>
     <sf:IsWon>{str(is_won).lower()}</sf:IsWon>{modified}
     <sf:Name>Umbrella logistics rollout</sf:Name>
     <sf:StageName>{stage}</sf:StageName>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
""".encode()


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
