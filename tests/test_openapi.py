"""The committed contract is what the app serves, valid OpenAPI 3.1, and clean for generators."""

import json
import re
from pathlib import Path

import httpx
from openapi_spec_validator import validate

from app.main import create_app
from app.settings import Settings

COMMITTED = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


def _served() -> dict[str, object]:
    return create_app(Settings(database_url="sqlite://")).openapi()


def test_committed_document_equals_the_served_one() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == _served(), (
        "openapi/openapi.json is stale: run `handover openapi > openapi/openapi.json`"
    )


async def test_the_app_serves_its_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"].keys() == json.loads(COMMITTED.read_text())["paths"].keys()


def test_document_is_valid_openapi_3_1() -> None:
    document = json.loads(COMMITTED.read_text())
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_operation_is_named_tagged_and_declares_its_errors() -> None:
    document = json.loads(COMMITTED.read_text())
    seen: set[str] = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            name = f"{method.upper()} {path}"
            operation_id = operation["operationId"]
            assert re.fullmatch(r"[a-z][a-z0-9_]*", operation_id), name
            assert operation_id not in seen, f"duplicate operationId {operation_id}"
            seen.add(operation_id)
            assert operation.get("tags"), name
            assert operation.get("summary"), name
            if path.startswith("/v1/integrations/"):  # CRMs sign their requests: no API key
                assert operation["security"] == [], name
                assert {"401", "413", "422"} <= set(operation["responses"]), name
            elif path.startswith("/v1/"):
                statuses = set(operation["responses"])
                assert {"401", "403", "422"} <= statuses, name
                assert operation["security"], name
                for status in statuses - {"200", "201", "202", "204", "304"}:
                    content = operation["responses"][status]["content"]
                    assert list(content) == ["application/problem+json"], (name, status)


def test_security_requirements_name_the_scopes() -> None:
    document = json.loads(COMMITTED.read_text())
    create_project = document["paths"]["/v1/projects"]["post"]
    assert create_project["security"] == [{"ApiKey": ["projects:write"]}]
    assert document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    schemas = document["components"]["schemas"]
    assert "Problem" in schemas
    assert "HTTPValidationError" not in schemas


def test_creates_link_to_what_they_created() -> None:
    document = json.loads(COMMITTED.read_text())
    created = document["paths"]["/v1/projects/{project_id}/risks"]["post"]["responses"]["201"]
    assert created["links"]["get_risk"] == {
        "operationId": "get_risk",
        "parameters": {"risk_id": "$response.body#/id"},
    }
    assert {"update_risk", "delete_risk"} <= created["links"].keys()
    pushed = document["paths"]["/v1/deals"]["post"]["responses"]["201"]
    assert pushed["links"]["get_project_status"]["parameters"] == {
        "project_id": "$response.body#/project_id"
    }


def test_every_link_names_an_operation_and_feeds_all_its_path_parameters() -> None:
    document = json.loads(COMMITTED.read_text())
    operations = {
        operation["operationId"]: (path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }
    count = 0
    for item in document["paths"].values():
        for response in item.get("post", {}).get("responses", {}).values():
            for link in response.get("links", {}).values():
                _path, target = operations[link["operationId"]]
                wanted = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
                assert set(link["parameters"]) == wanted, link
                count += 1
    assert count > 100


def test_schema_names_are_unique_without_module_prefixes() -> None:
    """Two models of one name come out as `app__x__schemas__Name`, and generators that name
    classes by `title` then make two classes of one name (openapi-python-client drops both)."""
    schemas = json.loads(COMMITTED.read_text())["components"]["schemas"]
    assert [name for name in schemas if "__" in name] == []
    titles = [schema["title"] for schema in schemas.values() if "title" in schema]
    assert len(titles) == len(set(titles))
