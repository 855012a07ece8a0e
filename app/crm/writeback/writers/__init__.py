"""One writer per CRM: the deal's delivery fields and its timeline notes, in each CRM's own
documented API shapes, through the connection's `CrmHttp` (checked address, rate limits)."""

from app.crm.clients.http import CrmHttp
from app.crm.writeback.writers.base import Sent, Writer
from app.crm.writeback.writers.hubspot import HubSpotWriter
from app.crm.writeback.writers.pipedrive import PipedriveWriter
from app.crm.writeback.writers.salesforce import SalesforceWriter
from app.models import CrmSource

__all__ = ["Sent", "Writer", "writer_for"]


def writer_for(http: CrmHttp, field_map: dict[str, str]) -> Writer:
    """The writer of the connection's CRM."""
    provider = http.access.provider
    if provider is CrmSource.hubspot:
        return HubSpotWriter(http, field_map)
    if provider is CrmSource.pipedrive:
        return PipedriveWriter(http, field_map)
    if provider is CrmSource.salesforce:
        return SalesforceWriter(http, field_map)
    raise ValueError(f"{provider} connections have no CRM to write back to")
