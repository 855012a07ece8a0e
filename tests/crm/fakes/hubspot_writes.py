"""What HubSpot's fake takes in: deal property groups and properties, deal updates, notes.

Shapes from hubspot-api-client's generated models and HubSpot's reference pages:
- Properties (`hubspot.crm.properties`): `PropertyGroupCreate` (`name`, `label`, `displayOrder`)
  → `PropertyGroup` (201; `GET .../groups/{name}` 404 while it does not exist);
  `BatchReadInputPropertyName` (`archived`, `inputs: [{name}]`) → `BatchResponseProperty`, 207
  with an error listing the unknown names; `BatchInputPropertyCreate` of `PropertyCreate`
  (`name`, `label`, `type`, `fieldType`, `groupName` required) → 201 `BatchResponseProperty`.
- Deals: `BatchInputSimplePublicObjectBatchInput` (`inputs: [{id, properties}]`, 100 at most)
  → `BatchResponseSimplePublicObject`. A property the portal does not have is a 400
  `VALIDATION_ERROR` naming it (`PROPERTY_DOESNT_EXIST`), as HubSpot refuses the whole batch;
  an id it does not know is listed in a 207's `OBJECT_NOT_FOUND` error, as for batch reads.
- Notes ("Activities | Notes"): `SimplePublicObjectInputForCreate` with `hs_timestamp` required
  and `associations: [{to: {id}, types: [{associationCategory, associationTypeId}]}]`
  (note → deal is `HUBSPOT_DEFINED` 214) → 201 `SimplePublicObject`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.crm.fakes.hubspot_objects import OBJECT_TYPES, Record, instant, not_found_error
from tests.crm.fakes.server import Endpoint, RecordedCall, Reply

NOTE_TO_DEAL = 214
BATCH_UPDATE_MAX = 100
BUILT_IN_DEAL_PROPERTIES = frozenset(
    {
        "dealname",
        "amount",
        "deal_currency_code",
        "closedate",
        "dealstage",
        "pipeline",
        "hubspot_owner_id",
        "description",
    }
)
PROPERTY_REQUIRED = ("name", "label", "type", "fieldType", "groupName")


class HubSpotWrites:
    """Mixed into `HubSpotFake`: its write endpoints and what they received."""

    lock: threading.RLock
    now: Callable[[], datetime]
    _objects: dict[str, dict[str, Record]]
    # and, from `HubSpotFake`: `_error(status, message, category)`, `update_object(...)`

    def init_writes(self) -> None:
        self.property_groups: dict[str, dict[str, Any]] = {}
        self.deal_properties: dict[str, dict[str, Any]] = {}  # created through the API
        self.notes: list[dict[str, Any]] = []  # {"id", "properties", "deal_ids"}
        self.deal_updates: list[tuple[str, dict[str, Any]]] = []  # (deal id, properties)

    def write_endpoints(self) -> list[Endpoint]:
        groups = "/crm/v3/properties/{object_type}/groups"
        return [
            Endpoint("GET", groups + "/{group_name}", self._get_group),
            Endpoint("POST", groups, self._create_group),
            Endpoint("POST", "/crm/v3/properties/{object_type}/batch/read", self._read_properties),
            Endpoint(
                "POST", "/crm/v3/properties/{object_type}/batch/create", self._create_properties
            ),
            Endpoint("POST", "/crm/v3/objects/deals/batch/update", self._update_deals),
            Endpoint("POST", "/crm/v3/objects/notes", self._create_note),
        ]

    def deal_property(self, deal_id: str | int, name: str) -> str | None:
        with self.lock:
            return self._objects["deals"][str(deal_id)].properties.get(name)

    def _get_group(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        group = self.property_groups.get(params["group_name"])
        if params["object_type"] != "deals" or group is None:
            return self._error(404, f"Unable to find property group {params['group_name']}")
        return Reply(200, group)

    def _create_group(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("name") or not body.get("label"):
            return self._error(
                400, "Invalid input JSON: name and label are required", "VALIDATION_ERROR"
            )
        if body["name"] in self.property_groups:
            return self._error(
                409, f"A property group named {body['name']} already exists", "CONFLICT"
            )
        group = {
            "name": body["name"],
            "label": body["label"],
            "displayOrder": body.get("displayOrder", -1),
            "archived": False,
        }
        self.property_groups[body["name"]] = group
        return Reply(201, group)

    def _read_properties(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        names = [str(item.get("name")) for item in body.get("inputs") or []]
        known = {name: self.deal_properties[name] for name in names if name in self.deal_properties}
        missing = [
            name for name in names if name not in known and name not in BUILT_IN_DEAL_PROPERTIES
        ]
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": list(known.values()),
            "startedAt": instant(self.now()),
            "completedAt": instant(self.now()),
        }
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Unable to find some properties",
                    "context": {"names": missing},
                }
            ]
        return Reply(207 if missing else 200, answer)

    def _create_properties(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        created = []
        for given in body.get("inputs") or []:
            absent = [name for name in PROPERTY_REQUIRED if not given.get(name)]
            if absent:
                return self._error(400, f"Missing required fields: {absent}", "VALIDATION_ERROR")
            if given["groupName"] not in self.property_groups:
                return self._error(
                    400, f"Property group {given['groupName']} does not exist", "VALIDATION_ERROR"
                )
            if given["name"] in self.deal_properties:
                return self._error(409, f"Property {given['name']} already exists", "CONFLICT")
            created.append(
                {
                    **given,
                    "hidden": False,
                    "archived": False,
                    "createdAt": instant(self.now()),
                    "updatedAt": instant(self.now()),
                }
            )
        for prop in created:
            self.deal_properties[prop["name"]] = prop
        return Reply(
            201,
            {
                "status": "COMPLETE",
                "results": created,
                "startedAt": instant(self.now()),
                "completedAt": instant(self.now()),
            },
        )

    def _update_deals(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            return self._error(400, "Invalid input JSON: `inputs` is required", "VALIDATION_ERROR")
        if len(inputs) > BATCH_UPDATE_MAX:
            return self._error(
                400,
                f"Batch input size {len(inputs)} exceeds the maximum of 100 inputs",
                "VALIDATION_ERROR",
            )
        unknown = sorted(
            {
                name
                for item in inputs
                for name in (item.get("properties") or {})
                if name not in self.deal_properties and name not in BUILT_IN_DEAL_PROPERTIES
            }
        )
        if unknown:
            errors = [
                {
                    "isValid": False,
                    "message": f'Property "{name}" does not exist',
                    "error": "PROPERTY_DOESNT_EXIST",
                    "name": name,
                }
                for name in unknown
            ]
            return self._error(400, f"Property values were not valid: {errors}", "VALIDATION_ERROR")
        results, missing = [], []
        for item in inputs:
            deal_id = str(item.get("id"))
            if deal_id not in self._objects["deals"]:
                missing.append(deal_id)
                continue
            properties = dict(item.get("properties") or {})
            self.update_object(
                "deals", deal_id, **{k: (v if v != "" else None) for k, v in properties.items()}
            )
            self.deal_updates.append((deal_id, properties))
            record = self._objects["deals"][deal_id]
            results.append(
                {
                    "id": deal_id,
                    "properties": dict(record.properties),
                    "createdAt": instant(record.created_at),
                    "updatedAt": instant(record.updated_at),
                    "archived": False,
                }
            )
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": instant(self.now()),
            "completedAt": instant(self.now()),
        }
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [not_found_error(OBJECT_TYPES["deals"], missing)]
        return Reply(207 if missing else 200, answer)

    def _create_note(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        properties = body.get("properties") or {}
        if not properties.get("hs_timestamp"):
            return self._error(400, 'Property "hs_timestamp" is required', "VALIDATION_ERROR")
        deal_ids = []
        for association in body.get("associations") or []:
            to = str((association.get("to") or {}).get("id"))
            types = association.get("types") or []
            if not any(t.get("associationTypeId") == NOTE_TO_DEAL for t in types):
                return self._error(400, "invalid association type", "VALIDATION_ERROR")
            if to not in self._objects["deals"]:
                return self._error(404, f"No deal with id {to}", "OBJECT_NOT_FOUND")
            deal_ids.append(to)
        note_id = str(90_000_000 + len(self.notes) + 1)
        note = {"id": note_id, "properties": dict(properties), "deal_ids": deal_ids}
        self.notes.append(note)
        return Reply(
            201,
            {
                "id": note_id,
                "properties": {**properties, "hs_object_id": note_id},
                "createdAt": instant(self.now()),
                "updatedAt": instant(self.now()),
                "archived": False,
            },
        )
