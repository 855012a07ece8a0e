"""Salesforce: the Opportunity's delivery fields as its custom fields, and Tasks on it.

- Fields: `PATCH /services/data/vXX.X/sobjects/Opportunity/{id}` with the mapped custom fields
  (an admin creates them: docs/crm.md lists their API names); Salesforce answers 204.
- Notes: a completed Task whose `WhatId` is the Opportunity (`POST .../sobjects/Task`). A Task is
  what an account executive sees: it sits in the Opportunity's Activity timeline (Lightning's
  "Past activity", Classic's Activity History) in every org and edition, shows in activity
  reports, and needs no feature switched on, whereas a Chatter post shows only where Chatter
  and feed tracking on Opportunity are enabled and is easily lost in a busy feed.
"""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from app.crm.clients.http import CrmHttp
from app.crm.clients.salesforce import API_VERSION
from app.crm.writeback.writers.base import Sent, attempt, deal_by_deal, mapped

SOBJECTS = f"/services/data/{API_VERSION}/sobjects"
SUBJECT_LENGTH = 255


class SalesforceWriter:
    fields_per_call = 1

    def __init__(self, http: CrmHttp, field_map: dict[str, str]) -> None:
        self.http = http
        self.field_map = field_map

    async def _one(self, external_id: str, state: dict[str, Any]) -> Sent:
        body = mapped(state, self.field_map)
        path = f"{SOBJECTS}/Opportunity/{quote(external_id, safe='')}"  # one segment, whatever came
        return await attempt(body, lambda: self.http.exchange("PATCH", path, json=body))

    async def write_fields(self, states: dict[str, dict[str, Any]]) -> dict[str, Sent]:
        return await deal_by_deal(states, self._one)

    async def write_note(self, external_id: str, text: str) -> Sent:
        subject = text.splitlines()[0] if text.strip() else "Handover"
        body = {
            "WhatId": external_id,
            "Subject": f"Handover: {subject}"[:SUBJECT_LENGTH],
            "Description": text,
            "Status": "Completed",
            "Priority": "Normal",
            "ActivityDate": datetime.now(UTC).date().isoformat(),
        }
        path = f"{SOBJECTS}/Task"
        return await attempt(body, lambda: self.http.exchange("POST", path, json=body))
