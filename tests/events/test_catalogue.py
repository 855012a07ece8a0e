"""The catalogue tells the truth: every event the app records is listed, with its real shape."""

import json
from typing import Any

from openapi_spec_validator import validate
from pydantic import BaseModel
from sqlmodel import select

from app.events.catalogue import CATALOGUE
from app.main import create_app
from app.models import Event
from app.settings import Settings
from tests.events.flow import project_life
from tests.factories import Tenant

# Recorded by the webhook dispatcher when a receiver answers 410 or fails for days.
NOT_FROM_THIS_FLOW = {"endpoint.disabled"}


def _keys(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


async def _stored(tenant: Tenant) -> list[Event]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event).where(Event.organization_id == tenant.organization_id).order_by(Event.id)  # type: ignore[arg-type]
        )
        return list(rows)


def _drift(event: Event) -> list[str]:
    """How a stored event departs from its catalogue entry (empty: it does not)."""
    entry = CATALOGUE.get(event.type)
    if entry is None:
        return [f"{event.type} is not in the catalogue"]
    payload: dict[str, Any] = json.loads(event.payload)
    data = payload["data"]
    problems = []
    if event.aggregate_type not in entry.aggregate_types:
        problems.append(f"{event.type}: aggregate {event.aggregate_type}, documented otherwise")
    if unknown := set(data) - _keys(entry.data):
        problems.append(f"{event.type}: undocumented fields {sorted(unknown)}")
    try:
        entry.payload.model_validate(payload)
    except ValueError as exc:
        problems.append(f"{event.type}: {exc}")
    ids = (data.get(f"{event.aggregate_type}_id"), data.get("version"), data.get("project_id"))
    expected_project = str(event.project_id) if event.project_id else None
    if ids != (str(event.aggregate_id), event.aggregate_version, expected_project):
        problems.append(f"{event.type}: ids or version differ from the event's columns: {ids}")
    return problems


async def test_every_recorded_event_is_in_the_catalogue_with_the_shape_it_documents(
    tenant: Tenant,
) -> None:
    await project_life(tenant)
    events = await _stored(tenant)
    assert [problem for event in events for problem in _drift(event)] == []
    recorded = {event.type for event in events}
    assert set(CATALOGUE) - recorded <= NOT_FROM_THIS_FLOW, "the flow no longer reaches a type"
    alerts = [json.loads(event.payload)["data"] for event in events if event.type == "risk.alert"]
    assert any(alert["accountable"] and alert["informed"] for alert in alerts)


def test_every_example_fits_its_own_models() -> None:
    for entry in CATALOGUE.values():
        example = entry.example()
        entry.payload.model_validate(example)
        assert set(example["data"]) <= _keys(entry.data), entry.name
        assert example["data"]["version"] >= 1, entry.name


def test_the_documented_types_include_those_of_alerts_and_webhooks() -> None:
    assert {"risk.alert", "webhook.test", "endpoint.disabled"} <= set(CATALOGUE)
    alert = CATALOGUE["risk.alert"].data
    assert {"reason", "message", "accountable", "informed", "risk_id", "milestone_id"} <= _keys(
        alert
    )
    assert {"webhook_endpoint_id", "message"} <= _keys(CATALOGUE["webhook.test"].data)
    assert {"webhook_endpoint_id", "reason"} <= _keys(CATALOGUE["endpoint.disabled"].data)


async def test_event_types_lists_the_catalogue_with_examples(tenant: Tenant) -> None:
    response = await tenant.get("/v1/event-types")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["type"] for item in items] == list(CATALOGUE)
    document = create_app(Settings(database_url="sqlite://")).openapi()
    for item in items:
        assert item["example"]["type"] == item["type"]
        assert item["description"]
        name = item["payload_schema"].removeprefix("#/components/schemas/")
        assert name in document["components"]["schemas"], item["type"]
    escalated = next(item for item in items if item["type"] == "risk.escalated")
    assert escalated["aggregate_types"] == ["risk"]
    alert = next(item for item in items if item["type"] == "risk.alert")
    assert alert["aggregate_types"] == ["risk", "milestone", "project"]
    assert escalated["payload_schema"] == "#/components/schemas/RiskEscalatedEvent"


def test_openapi_documents_every_type_as_a_signed_webhook() -> None:
    document = create_app(Settings(database_url="sqlite://")).openapi()
    validate(document)
    assert document["openapi"].startswith("3.1")
    webhooks = document["webhooks"]
    assert list(webhooks) == list(CATALOGUE)
    schemas = document["components"]["schemas"]
    operation_ids = set()
    for name, item in webhooks.items():
        operation = item["post"]
        operation_ids.add(operation["operationId"])
        assert operation["tags"] == ["webhooks"]
        assert operation["summary"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        assert operation["responses"]["2XX"]["description"] == "Return any 2xx to acknowledge"
        body = operation["requestBody"]["content"]["application/json"]
        payload = schemas[body["schema"]["$ref"].removeprefix("#/components/schemas/")]
        assert payload["properties"]["type"]["const"] == name
        assert set(payload["required"]) == {"type", "timestamp", "data"}
        assert body["example"]["type"] == name
    assert "on_risk_alert" in operation_ids
    assert len(operation_ids) == len(webhooks)
    alert = schemas["RiskAlertEvent"]["properties"]["data"]["$ref"]
    assert alert == "#/components/schemas/RiskAlertData"
