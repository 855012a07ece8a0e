"""`POST /v1/integrations/{provider}/{connection_id}/webhooks`: where CRMs push deals.

No API key: each request proves itself with its connection's secret (see `app/crm/providers`):
a signature, Basic auth, or (Salesforce) a token in the URL.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from app.core.deps import SettingsDep
from app.core.errors import problem_responses
from app.core.ratelimit import PER_CONNECTION, limiter_of, rate_limited_response
from app.core.routing import DeclaredQueryRoute
from app.core.urls import PublicBaseUrl
from app.crm import intake
from app.crm.intake_store import IntakeStore
from app.crm.providers.base import Received
from app.crm.providers.salesforce import ACKNOWLEDGEMENT
from app.crm.schemas import IntakeAnswer
from app.deals.schemas import DEAL_EXAMPLE, CanonicalDeal
from app.models import CrmSource, InboundOutcome

# The canonical deal, inline: its parts (`DealCustomer`, `LineItem`) are components already.
CANONICAL_DEAL_SCHEMA = {
    key: value
    for key, value in CanonicalDeal.model_json_schema(
        ref_template="#/components/schemas/{model}"
    ).items()
    if key != "$defs"
}

OUTBOUND_MESSAGE_EXAMPLE = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<OrganizationId>00D000000000001AAA</OrganizationId>"
    "<Notification><Id>04l000000000001AAA</Id>"
    '<sObject xsi:type="sf:Opportunity" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
    "<sf:Id>006000000000001AAA</sf:Id><sf:Name>Globex CRM rollout</sf:Name>"
    "<sf:StageName>Closed Won</sf:StageName></sObject></Notification>"
    "</notifications></soapenv:Body></soapenv:Envelope>"
)

QUERY_DESCRIPTION = (
    "Salesforce only: the connection's secret, part of the endpoint URL configured in Salesforce "
    "(`secret_intake_url`, shown on creation and rotation). Outbound Messages cannot sign."
)

# Not `HandoverRoute`: Salesforce posts SOAP, and the intake recognises a CRM's duplicates.
router = APIRouter(
    tags=["crm-intake"], route_class=DeclaredQueryRoute, responses=problem_responses(500)
)


@router.post(
    "/v1/integrations/{provider}/{connection_id}/webhooks",
    response_model=IntakeAnswer,
    responses={
        200: {
            "description": "A duplicate, or nothing about deals: acknowledged. Salesforce "
            "always gets its SOAP acknowledgement (`text/xml`) with a 200.",
            "content": {"text/xml": {"schema": {"type": "string"}}},
        },
        202: {
            "description": "Verified and kept (`received`): the worker plans its deals next.",
            "model": IntakeAnswer,
        },
        **problem_responses(401, 413, 422),
        429: {
            **rate_limited_response(PER_CONNECTION),
            "description": "Verified requests past the connection's quota (`per-connection`), "
            "or requests failing verification past their own bucket "
            "(`per-connection-unverified`, nothing kept); `Retry-After` says when to come back.",
        },
    },
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": True,
            "description": "What the CRM sends: generic, the canonical deal (`CanonicalDeal`); "
            "HubSpot, a JSON array of events; Pipedrive, a webhook v2 message; Salesforce, an "
            "Outbound Message (SOAP).",
            "content": {
                "application/json": {"schema": CANONICAL_DEAL_SCHEMA, "example": DEAL_EXAMPLE},
                "text/xml": {"schema": {"type": "string"}, "example": OUTBOUND_MESSAGE_EXAMPLE},
            },
        },
    },
)
async def receive_crm_webhook(
    provider: CrmSource,
    connection_id: UUID,
    request: Request,
    response: Response,
    settings: SettingsDep,
    base_url: PublicBaseUrl,
    token: Annotated[str | None, Query(description=QUERY_DESCRIPTION)] = None,
) -> IntakeAnswer | Response:
    """Receive a CRM's push: verified, kept and answered at once; the worker plans each won
    deal once, completed from the CRM's API when the connection has API access."""
    del token  # checked on the raw request by the provider, like the other CRMs' proofs
    received = Received(
        method=request.method,
        path=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        base_url=base_url,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=await request.body(),
    )
    limiter = limiter_of(request.app.state)
    store: IntakeStore = request.app.state.crm_intake
    answer, limits = await intake.receive(
        store, settings, limiter, provider, connection_id, received
    )
    response.headers.update(limits)
    if provider is CrmSource.salesforce:
        return Response(ACKNOWLEDGEMENT, media_type="text/xml", headers=limits)
    if answer.outcome is InboundOutcome.received:
        response.status_code = 202
    return answer
