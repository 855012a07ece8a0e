"""What Salesforce's fake takes in: Opportunity updates and Tasks.

From the REST API Developer Guide ("Update a Record", "Create a Record") and simple-salesforce's
`SFType.update` / `SFType.create`:
- `PATCH /services/data/vXX.X/sobjects/Opportunity/{id}` with the fields to set: 204 without a
  body. A field the org does not have is a 400 `INVALID_FIELD` ("No such column 'X' on sobject of
  type Opportunity"); an unknown id a 404 `NOT_FOUND`. Custom fields (`…__c`) exist once an admin
  created them (`add_custom_field`).
- `POST /services/data/vXX.X/sobjects/Task`: 201 `{"id", "success": true, "errors": []}`.
  `WhatId` must name an existing record; a Task needs `Status` and `Priority` (required picklists
  in a standard org).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.crm.fakes.server import Endpoint, RecordedCall, Reply

TASK_REQUIRED = ("Status", "Priority")


class SalesforceWrites:
    """Mixed into `SalesforceFake`: its write endpoints and what they received."""

    lock: threading.RLock
    now: Callable[[], datetime]
    _rows: dict[str, dict[str, dict[str, Any]]]
    # and, from `SalesforceFake`: `update_opportunity(id, **fields)`, `_limited(handler)`

    def init_writes(self) -> None:
        self.custom_fields: set[str] = set()  # Opportunity's custom fields (`…__c`)
        self.tasks: list[dict[str, Any]] = []
        self.opportunity_updates: list[tuple[str, dict[str, Any]]] = []

    def add_custom_field(self, *names: str) -> None:
        with self.lock:
            self.custom_fields.update(names)

    def write_endpoints(self) -> list[Endpoint]:
        data = "/services/data/{version}/sobjects"
        limited = self._limited  # type: ignore[attr-defined]
        return [
            Endpoint("PATCH", data + "/Opportunity/{record_id}", limited(self._update)),
            Endpoint("POST", data + "/Task", limited(self._create_task)),
            Endpoint("POST", data + "/Task/", limited(self._create_task)),
        ]

    def opportunity_field(self, record_id: str, name: str) -> Any:
        with self.lock:
            return self._rows["Opportunity"][record_id].get(name)

    def _update(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        record_id = params["record_id"]
        if record_id not in self._rows["Opportunity"]:
            return _errors(
                404,
                "NOT_FOUND",
                "Provided external ID field does not exist or is not accessible: " + record_id,
            )
        body = call.body if isinstance(call.body, dict) else None
        if body is None:
            return _errors(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
        standard = set(self._rows["Opportunity"][record_id])
        for name in body:
            if name not in standard and name not in self.custom_fields:
                return _errors(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type Opportunity"
                )
        custom = {name: value for name, value in body.items() if name in self.custom_fields}
        own = {name: value for name, value in body.items() if name not in custom}
        self.update_opportunity(record_id, **own)  # type: ignore[attr-defined]
        self._rows["Opportunity"][record_id].update(custom)
        self.opportunity_updates.append((record_id, dict(body)))
        return Reply(204)

    def _create_task(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        missing = [name for name in TASK_REQUIRED if not body.get(name)]
        if missing:
            return _errors(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: {missing}")
        if body.get("WhatId") not in self._rows["Opportunity"]:
            return _errors(
                400, "FIELD_INTEGRITY_EXCEPTION", "Related To ID: id value of incorrect type"
            )
        task_id = f"00T{len(self.tasks) + 1:012d}AAA"
        self.tasks.append({"Id": task_id, **body})
        return Reply(201, {"id": task_id, "success": True, "errors": []})


def _errors(status: int, code: str, message: str) -> Reply:
    return Reply(status, [{"message": message, "errorCode": code}])
