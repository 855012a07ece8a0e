"""What Pipedrive's fake takes in: deal updates (v2) and notes (v1, as notes have no v2).

Shapes from Pipedrive's generated Node client (pipedrive/client-nodejs):
- `PATCH /api/v2/deals/{id}` (`DealsApi.updateDeal`, v2 `UpdateDealRequest`): the deal's own
  fields and `custom_fields`, an object keyed by each custom field's key (a 40-character hash
  per account, `GET /v1/dealFields` lists them); answered with the v2 envelope and the `Deal`.
  A key the account does not have is a 400; an unknown deal a 404 "Deal not found".
- `POST /api/v1/notes` (`NotesApi.addNote`, `AddNoteRequest`): `content` (HTML) required, and
  the record it belongs to (`deal_id`); answered 201 with `PostNote`
  (`{"success": true, "data": Note}`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.crm.fakes.server import Endpoint, RecordedCall, Reply


class PipedriveWrites:
    """Mixed into `PipedriveFake`: its write endpoints and what they received."""

    lock: threading.RLock
    now: Callable[[], datetime]
    _deals: dict[int, dict[str, Any]]
    # and, from `PipedriveFake`: `update_deal(deal_id, **fields)`

    def init_writes(self) -> None:
        self.deal_field_keys: set[str] = set()  # the account's custom deal fields
        self.notes: list[dict[str, Any]] = []
        self.deal_updates: list[tuple[str, dict[str, Any]]] = []  # (deal id, custom fields)

    def add_deal_field(self, key: str) -> None:
        with self.lock:
            self.deal_field_keys.add(key)

    def write_endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("PATCH", "/api/v2/deals/{deal_id:int}", self._patch_deal),
            Endpoint("POST", "/api/v1/notes", self._add_note),
        ]

    def deal_custom_field(self, deal_id: int | str, key: str) -> Any:
        with self.lock:
            return self._deals[int(deal_id)]["custom_fields"].get(key)

    def _patch_deal(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        deal_id = int(params["deal_id"])
        if deal_id not in self._deals:
            return Reply(404, _failure("Deal not found"))
        body = call.body if isinstance(call.body, dict) else None
        if body is None:
            return Reply(400, _failure("Request body is not valid JSON"))
        custom = body.get("custom_fields") or {}
        unknown = sorted(set(custom) - self.deal_field_keys)
        if unknown:
            return Reply(400, _failure(f"Unknown custom field keys: {', '.join(unknown)}"))
        own = {name: value for name, value in body.items() if name != "custom_fields"}
        merged = {**self._deals[deal_id]["custom_fields"], **custom}
        self.update_deal(deal_id, **own, custom_fields=merged)  # type: ignore[attr-defined]
        self.deal_updates.append((str(deal_id), dict(custom)))
        return Reply(200, {"success": True, "data": self._deals[deal_id]})

    def _add_note(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("content"):
            return Reply(400, _failure("Content is required"))
        deal_id = body.get("deal_id")
        if deal_id is None or int(deal_id) not in self._deals:
            return Reply(400, _failure("Deal ID is invalid"))
        moment = self.now().strftime("%Y-%m-%d %H:%M:%S")
        note = {
            "id": len(self.notes) + 1,
            "content": body["content"],
            "deal_id": int(deal_id),
            "add_time": moment,
            "update_time": moment,
            "active_flag": True,
            "pinned_to_deal_flag": False,
        }
        self.notes.append(note)
        return Reply(201, {"success": True, "data": note})


def _failure(message: str) -> dict[str, Any]:
    return {
        "success": False,
        "error": message,
        "error_info": "Please check developers.pipedrive.com",
        "data": None,
        "additional_data": None,
    }
