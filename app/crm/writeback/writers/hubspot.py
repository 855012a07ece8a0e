"""HubSpot: the deal's delivery fields as deal properties of our own group, and notes.

- Properties: created on first use through the properties API (`crm.schemas.deals.write`): the
  group `handover` (`POST /crm/v3/properties/deals/groups`), then the mapped properties that do
  not exist yet (`batch/read`, then `batch/create`). Without that scope the admin creates them by
  hand (docs/crm.md) and the updates go ahead.
- Fields: `POST /crm/v3/objects/deals/batch/update`, up to 100 deals a call
  (`crm.objects.deals.write`), so that a thousand projects changing at once stay far within the
  190 requests per 10 s of a private app. Property values are strings; an empty one clears it.
- Notes: `POST /crm/v3/objects/notes` associated with the deal (type 214, note to deal), which
  puts them on the deal's activity timeline where the deal owner sees them.
"""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.crm.clients.base import CrmRefused, CrmUnavailable
from app.crm.clients.http import CrmCallFailed, CrmHttp
from app.crm.writeback.fields import LABELS, Kind
from app.crm.writeback.writers.base import (
    Sent,
    attempt,
    excerpt,
    kind_of,
    mapped,
    note_html,
    unavailable,
)

GROUP = "handover"
GROUP_LABEL = "Handover delivery"
BATCH = 100
NOTE_TO_DEAL = 214  # HUBSPOT_DEFINED association type "note to deal"
_TYPES = {
    Kind.text: ("string", "text"),
    Kind.url: ("string", "text"),
    Kind.number: ("number", "number"),
    Kind.date: ("date", "date"),
}
_READY: set[tuple[UUID, frozenset[str]]] = set()  # properties known to exist, per process


def _value(value: Any) -> str:
    return "" if value is None else str(value)


class HubSpotWriter:
    fields_per_call = BATCH

    def __init__(self, http: CrmHttp, field_map: dict[str, str]) -> None:
        self.http = http
        self.field_map = field_map

    async def _ensure_properties(self) -> None:
        """Our group and the mapped properties, once per process and map."""
        key = (self.http.access.connection_id, frozenset(self.field_map.values()))
        if key in _READY or not self.field_map:
            return
        try:
            await self._ensure_group()
            names = sorted(set(self.field_map.values()))
            found = await self.http.call(
                "POST",
                "/crm/v3/properties/deals/batch/read",
                json={"archived": False, "inputs": [{"name": name} for name in names]},
            )
            known = {
                p.get("name") for p in (found or {}).get("results") or [] if isinstance(p, dict)
            }
            missing = [name for name in names if name not in known]
            if missing:
                await self.http.call(
                    "POST",
                    "/crm/v3/properties/deals/batch/create",
                    json={"inputs": [self._property(name) for name in missing]},
                )
        except CrmRefused:
            pass  # no crm.schemas.deals.write: the admin created them (else the update says so)
        _READY.add(key)

    async def _ensure_group(self) -> None:
        try:
            await self.http.call("GET", f"/crm/v3/properties/deals/groups/{GROUP}")
        except CrmCallFailed as exc:
            if exc.status_code != 404:
                raise
            await self.http.call(
                "POST",
                "/crm/v3/properties/deals/groups",
                json={"name": GROUP, "label": GROUP_LABEL, "displayOrder": -1},
            )

    def _property(self, crm_name: str) -> dict[str, Any]:
        named = next(name for name, given in self.field_map.items() if given == crm_name)
        kind, field_type = _TYPES[kind_of(self.field_map, crm_name)]
        return {
            "name": crm_name,
            "label": LABELS[named],
            "type": kind,
            "fieldType": field_type,
            "groupName": GROUP,
            "description": "Written by Handover: the delivery project of this deal.",
        }

    async def write_fields(self, states: dict[str, dict[str, Any]]) -> dict[str, Sent]:
        try:
            await self._ensure_properties()
        except CrmUnavailable as exc:  # down, or its limit spent: each update waits its turn
            return dict.fromkeys(states, unavailable(exc))
        ids = list(states)
        outcomes: dict[str, Sent] = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            inputs = [
                {"id": deal_id, "properties": self._properties(states[deal_id])}
                for deal_id in chunk
            ]
            outcomes.update(await self._batch(inputs))
        return outcomes

    def _properties(self, state: dict[str, Any]) -> dict[str, str]:
        return {name: _value(value) for name, value in mapped(state, self.field_map).items()}

    async def _batch(self, inputs: list[dict[str, Any]]) -> dict[str, Sent]:
        """One `batch/update`; a deal named in a 207's errors failed, the others went."""
        body = {"inputs": inputs}
        path = "/crm/v3/objects/deals/batch/update"
        sent = await attempt(body, lambda: self.http.exchange("POST", path, json=body))
        failed = _failed_ids(sent)
        outcomes: dict[str, Sent] = {}
        for item in inputs:
            deal_id = str(item["id"])
            outcome = sent
            if deal_id in failed:
                outcome = Sent(False, 404, failed[deal_id], final=True)
            outcomes[deal_id] = replace(outcome, body=item, raw=None)
        return outcomes

    async def write_note(self, external_id: str, text: str) -> Sent:
        body = {
            "properties": {
                "hs_timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "hs_note_body": note_html(text),
            },
            "associations": [
                {
                    "to": {"id": external_id},
                    "types": [
                        {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": NOTE_TO_DEAL,
                        }
                    ],
                }
            ],
        }
        return await attempt(
            body, lambda: self.http.exchange("POST", "/crm/v3/objects/notes", json=body)
        )


def _failed_ids(sent: Sent) -> dict[str, str]:
    """A 207's errors by deal id (`context.ids`): the deals HubSpot did not update."""
    answer = sent.raw if sent.ok and isinstance(sent.raw, dict) else {}
    failed: dict[str, str] = {}
    for error in answer.get("errors") or []:
        context = error.get("context") if isinstance(error, dict) else None
        for deal_id in (context or {}).get("ids") or []:
            failed[str(deal_id)] = excerpt(error)
    return failed
