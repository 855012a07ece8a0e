"""One form per kind of value across the whole committed contract (API and webhook payloads).

- A **ratio** (a property named `…_rate`, `…_ratio`, `…_share`, `…_utilisation`, `…_variance`)
  is a JSON number, in requests and responses alike: `0.15`, never `"0.1500"`.
- **Money** (`amount`, `…_amount`, `unit_price`) is a decimal string in everything we send
  (responses and webhook payloads); requests accept the string (and, leniently, a number).
- Our **ids** are UUIDs named `id`, `<thing>_id` or, for lists, `<thing>_ids`; a `…_id` that is
  not a UUID is another system's id (`external_id`, `crm_…`, `salesforce_…`, `request_id`). One
  object is named once per schema: no `endpoint_id` beside `webhook_endpoint_id`.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
DOCUMENT: dict[str, Any] = json.loads(COMMITTED.read_text())
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]

RATIO = re.compile(r"(^|_)(rate|ratio|share|utilisation|variance)$")
MONEY = re.compile(r"^(amount|.+_amount|unit_price)$")
FOREIGN_ID = re.compile(r"^(external_id|crm_.*|salesforce_.*|request_id)$")
# Lists of our ids named for the relation they hold rather than `<thing>_ids`; add none.
RELATION_LISTS = frozenset({"depends_on", "critical_path", "newly_overdue", "no_longer_overdue"})


def _name_of(reference: str) -> str:
    return reference.rsplit("/", 1)[-1]


def _types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a property admits (`string:uuid` for a UUID, `ref:Name` for a schema)."""
    if "$ref" in schema:
        return {f"ref:{_name_of(schema['$ref'])}"}
    found: set[str] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found |= _types(option)
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        for kind in kinds:
            found.add(f"{kind}:{schema['format']}" if "format" in schema else kind)
    return found


def _items(schema: dict[str, Any]) -> dict[str, Any] | None:
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("type") == "array":
            return dict(option.get("items", {}))
    return None


def _properties() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, schema in SCHEMAS.items():
        for prop, definition in (schema.get("properties") or {}).items():
            yield name, prop, definition


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield _name_of(node["$ref"])
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _sent() -> set[str]:
    """The schemas of what we send: responses, and the webhook payloads (their request bodies)."""
    roots: list[Any] = []
    for item in DOCUMENT["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                roots.append(operation.get("responses", {}))
    for item in DOCUMENT.get("webhooks", {}).values():
        for operation in item.values():
            roots.append(operation.get("requestBody", {}))
    seen: set[str] = set()
    todo = [name for root in roots for name in _refs(root)]
    while todo:
        name = todo.pop()
        if name in seen or name not in SCHEMAS:
            continue
        seen.add(name)
        todo.extend(_refs(SCHEMAS[name]))
    return seen


def test_the_walk_sees_the_contract() -> None:
    sent = _sent()
    assert {"BaselineReport", "Metrics", "Money", "MeetingPublic", "WebhookTestData"} <= sent
    assert "RiskCreate" not in sent


def test_every_ratio_is_a_number() -> None:
    ratios = [(name, prop) for name, prop, _ in _properties() if RATIO.search(prop)]
    assert ("BaselineReport", "scope_change_rate") in ratios
    wrong = {
        f"{name}.{prop}": sorted(_types(definition))
        for name, prop, definition in _properties()
        if RATIO.search(prop) and not _types(definition) <= {"number", "null"}
    }
    assert wrong == {}


def _money_types(definition: dict[str, Any]) -> set[str]:
    """The types of a money property; an amount-with-currency object (itself checked) counts
    as the string it holds."""
    return {
        "string"
        if kind.startswith("ref:")
        and {"amount", "currency"} <= SCHEMAS[kind[4:]]["properties"].keys()
        else kind
        for kind in _types(definition)
    }


def test_money_is_a_string_in_everything_we_send() -> None:
    sent = _sent()
    moneys = [(n, p, _money_types(d)) for n, p, d in _properties() if MONEY.match(p)]
    assert any(name == "Money" for name, _, _ in moneys)
    wrong = {
        f"{name}.{prop}": sorted(types)
        for name, prop, types in moneys
        if "string" not in types or (name in sent and not types <= {"string", "null"})
    }
    assert wrong == {}


def test_our_ids_are_uuids_named_for_their_thing() -> None:
    wrong: dict[str, str] = {}
    for name, prop, definition in _properties():
        types, items = _types(definition), _items(definition)
        uuid = "string:uuid" in types
        uuids = items is not None and "string:uuid" in _types(items)
        where = f"{name}.{prop}"
        if uuid and not (prop == "id" or prop.endswith("_id")):
            wrong[where] = "a UUID is named `id` or `<thing>_id`"
        if uuids and not prop.endswith("_ids") and prop not in RELATION_LISTS:
            wrong[where] = "a list of UUIDs is named `<thing>_ids`"
        if prop.endswith("_id") and not uuid and not FOREIGN_ID.match(prop):
            wrong[where] = "a `…_id` of ours is a UUID"
        if prop.endswith("_ids") and not uuids:
            wrong[where] = "a `…_ids` of ours is a list of UUIDs"
    assert wrong == {}


def test_each_schema_names_one_object_once() -> None:
    twice = {
        f"{name}: {short} and {long}"
        for name, schema in SCHEMAS.items()
        for short in (schema.get("properties") or {})
        for long in (schema.get("properties") or {})
        if short.endswith("_id") and long != short and long.endswith(f"_{short}")
    }
    assert twice == set()
