"""Pipedrive: the deal's delivery fields as deal custom fields, and notes on the deal.

- Fields: `PATCH /api/v2/deals/{id}` with `custom_fields` keyed by each field's key (a hash per
  account, mapped on the connection). Pipedrive has no batch update: one call per deal, within
  the connection's share of its rate limit (app/crm/clients/http.py).
- Notes: `POST /api/v1/notes` with `deal_id` (notes have no v2 yet); they show in the deal's
  history, where the deal's owner follows it. The content is HTML.
"""

from typing import Any
from urllib.parse import quote

from app.crm.clients.http import CrmHttp
from app.crm.writeback.writers.base import Sent, attempt, deal_by_deal, mapped, note_html


def _deal_id(external_id: str) -> int | str:
    return int(external_id) if external_id.isdigit() else external_id


class PipedriveWriter:
    fields_per_call = 1

    def __init__(self, http: CrmHttp, field_map: dict[str, str]) -> None:
        self.http = http
        self.field_map = field_map

    async def _one(self, external_id: str, state: dict[str, Any]) -> Sent:
        body = {"custom_fields": mapped(state, self.field_map)}
        path = f"/api/v2/deals/{quote(external_id, safe='')}"  # one segment, whatever came
        return await attempt(body, lambda: self.http.exchange("PATCH", path, json=body))

    async def write_fields(self, states: dict[str, dict[str, Any]]) -> dict[str, Sent]:
        return await deal_by_deal(states, self._one)

    async def write_note(self, external_id: str, text: str) -> Sent:
        body = {"content": note_html(text), "deal_id": _deal_id(external_id)}
        return await attempt(body, lambda: self.http.exchange("POST", "/api/v1/notes", json=body))
