"""Clients of the CRMs' own APIs: what a push did not carry, and what changed since a cursor.

HubSpot's webhooks carry only a deal's id; Pipedrive's and Salesforce's carry the deal but not
its organization/account, people, products and owner. These clients fetch the rest with batch
reads (`complete`) and list deals changed since a cursor for the reconciling sync
(`changed_since`), within each CRM's rate limits.

They are written on httpx rather than the providers' SDKs, for two reasons:
- the worker is async, on one event loop, while hubspot-api-client (urllib3) and
  simple-salesforce (requests) are synchronous: each call would block the loop or need a thread;
- every outbound call must connect to the address our SSRF check resolved (`resolve_target(...,
  sending=True)` in app/webhooks/safety.py, pinned like app/webhooks/sending.py), which the SDKs
  cannot do (simple-salesforce even forces `https://` onto the instance URL, so it cannot be
  pointed at a local fake either).
"""

from app.crm.clients.base import ApiAccess, CrmClient
from app.crm.clients.http import CrmHttp
from app.crm.clients.hubspot import HubSpotClient
from app.crm.clients.pipedrive import PipedriveClient
from app.crm.clients.salesforce import SalesforceClient
from app.models import CrmSource


def client_for(access: ApiAccess, http: CrmHttp) -> CrmClient:
    """The client of the connection's CRM (generic connections have no API to call)."""
    if access.provider is CrmSource.hubspot:
        return HubSpotClient(access, http)
    if access.provider is CrmSource.pipedrive:
        return PipedriveClient(access, http)
    if access.provider is CrmSource.salesforce:
        return SalesforceClient(access, http)
    raise ValueError(f"{access.provider} connections have no CRM API to call")
