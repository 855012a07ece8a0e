"""The delivery fields a deal can show, and which CRM field receives each by default.

Only what a connection maps leaves Handover: risk texts, budgets and internal report text have
no delivery field at all, so they cannot leak through a map.
"""

from enum import StrEnum

from app.crm.schemas import DELIVERY_FIELDS
from app.models import CrmConnection, CrmSource


class Kind(StrEnum):
    """How a CRM field is typed, so that a writer can create it or format its value."""

    text = "text"
    number = "number"
    date = "date"
    url = "url"


KINDS: dict[str, Kind] = {
    "phase": Kind.text,
    "health": Kind.text,
    "health_reason": Kind.text,
    "progress_percent": Kind.number,
    "next_milestone": Kind.text,
    "next_milestone_due_date": Kind.date,
    "forecast_go_live_date": Kind.date,
    "open_high_risks": Kind.number,
    "last_csat": Kind.number,
    "last_nps": Kind.number,
    "project_url": Kind.url,
}
LABELS: dict[str, str] = {
    "phase": "Delivery phase",
    "health": "Delivery health",
    "health_reason": "Delivery health reason",
    "progress_percent": "Delivery progress (%)",
    "next_milestone": "Next milestone",
    "next_milestone_due_date": "Next milestone due",
    "forecast_go_live_date": "Forecast go-live",
    "open_high_risks": "Open high risks",
    "last_csat": "Last CSAT (1-5)",
    "last_nps": "Last NPS (0-10)",
    "project_url": "Delivery project link",
}
assert set(KINDS) == set(DELIVERY_FIELDS) == set(LABELS)

_SALESFORCE_NAMES = {
    "phase": "Handover_Phase__c",
    "health": "Handover_Health__c",
    "health_reason": "Handover_Health_Reason__c",
    "progress_percent": "Handover_Progress__c",
    "next_milestone": "Handover_Next_Milestone__c",
    "next_milestone_due_date": "Handover_Next_Milestone_Due__c",
    "forecast_go_live_date": "Handover_Go_Live__c",
    "open_high_risks": "Handover_Open_High_Risks__c",
    "last_csat": "Handover_Last_CSAT__c",
    "last_nps": "Handover_Last_NPS__c",
    "project_url": "Handover_Project_URL__c",
}
DEFAULT_FIELD_MAPS: dict[CrmSource, dict[str, str]] = {
    # HubSpot: properties of our own group, created on first use (app/crm/writeback/hubspot.py).
    CrmSource.hubspot: {name: f"handover_{name}" for name in DELIVERY_FIELDS},
    # Salesforce: custom fields an admin creates on Opportunity (docs/crm.md lists them).
    CrmSource.salesforce: _SALESFORCE_NAMES,
    # Pipedrive's custom field keys are hashes of each account: the map is the admin's to give.
    CrmSource.pipedrive: {},
}


def field_map(connection: CrmConnection) -> dict[str, str]:
    """The connection's map, else its CRM's default."""
    if connection.writeback_field_map is not None:
        return dict(connection.writeback_field_map)
    return dict(DEFAULT_FIELD_MAPS.get(connection.provider, {}))
