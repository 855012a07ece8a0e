"""A method a path does not serve is a 405 whose `Allow` names every method the path serves (not
only those of the first route the router found for it), as the OpenAPI document declares them."""

import re
from typing import Any

from fastapi import FastAPI

from tests.factories import Tenant
from tests.problems import assert_problem

METHODS = {"get", "put", "post", "delete", "patch"}
SOME_ID = "01a24897-e41e-7374-ae93-d7ee3e1c8ebd"


def _allowed(response: Any) -> set[str]:
    assert_problem(response, 405, "method-not-allowed")
    return {method.strip() for method in response.headers["allow"].split(",")}


async def test_allow_lists_every_method_of_the_path(tenant: Tenant) -> None:
    assert _allowed(await tenant.request("OPTIONS", "/v1/api-keys")) == {"GET", "POST"}
    project = f"/v1/projects/{SOME_ID}"
    assert _allowed(await tenant.request("PUT", project)) == {"GET", "PATCH", "DELETE"}


async def test_a_fixed_path_is_not_the_parameter_path_beside_it(tenant: Tenant) -> None:
    """`/v1/project-templates/default` would also match `/{project_template_id}`."""
    assert _allowed(await tenant.request("OPTIONS", "/v1/project-templates/default")) == {"GET"}


async def test_every_documented_path_answers_405_with_its_documented_methods(
    app: FastAPI, tenant: Tenant
) -> None:
    for path, operations in app.openapi()["paths"].items():
        declared = {method.upper() for method in operations if method in METHODS}
        url = re.sub(r"\{[^}]+\}", SOME_ID, path)
        for method in ["OPTIONS", *sorted({m.upper() for m in METHODS} - declared)[:1]]:
            response = await tenant.request(method, url)
            assert _allowed(response) == declared, (method, path)
