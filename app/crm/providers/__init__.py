"""One small module per CRM: how its requests prove where they come from, and what they say.

Each provider has `verify` (on the raw bytes, before anything is parsed for its meaning; raises
`Rejected`) and `read` (raises `Malformed`), registered in `PROVIDERS`.
"""

from app.crm.providers import generic, hubspot, pipedrive, salesforce
from app.crm.providers.base import Provider
from app.models import CrmSource

PROVIDERS: dict[CrmSource, Provider] = {
    CrmSource.generic: generic.PROVIDER,
    CrmSource.hubspot: hubspot.PROVIDER,
    CrmSource.pipedrive: pipedrive.PROVIDER,
    CrmSource.salesforce: salesforce.PROVIDER,
}
