"""The Python client that openapi-python-client generates from the committed document, used for
real: generated into a temporary folder, imported, and driven through the main story against a
live `handover serve`."""

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import fresh_database_url
from tests.contract.generated import generate_python_client
from tests.serving import HANDOVER, serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def handover_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    into = tmp_path_factory.mktemp("python-client")
    output = generate_python_client(into)
    said = [line for line in output.splitlines() if line.strip()]
    assert said == [f"Generating {into / 'handover_client'}"], output  # no warning at all
    sys.path.insert(0, str(into))
    try:
        yield importlib.import_module("handover_client")
    finally:
        sys.path.remove(str(into))
        for name in [name for name in sys.modules if name.startswith("handover_client")]:
            del sys.modules[name]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A real `handover serve` on a fresh database: its base URL and the admin key it printed."""
    for url in fresh_database_url(tmp_path):
        env = {**os.environ, "HANDOVER_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        env.pop("HANDOVER_BOOTSTRAP", None)
        if make_url(url).get_backend_name() != "sqlite":
            subprocess.run([*HANDOVER, "migrate"], env=env, cwd=tmp_path, check=True, timeout=60)
        with serving(env, tmp_path) as (base, log_path):
            key = re.search(r"hk_live_[A-Za-z0-9_-]{43}", log_path.read_text())
            assert key, log_path.read_text()
            yield base, key.group()


def _module(name: str) -> Any:
    return importlib.import_module(f"handover_client.{name}")


def test_the_generated_client_drives_the_main_story(
    handover_client: Any, live: tuple[str, str]
) -> None:
    base, key = live
    models = _module("models")
    members, deals, projects, risks, events = (
        _module(f"api.{tag}.{operation}")
        for tag, operation in [
            ("members", "create_member"),
            ("deals", "push_deal"),
            ("projects", "get_project_status"),
            ("risks", "create_risk"),
            ("events", "list_events"),
        ]
    )
    with handover_client.AuthenticatedClient(base_url=base, token=key) as client:
        manager = members.sync_detailed(
            client=client,
            body=models.MemberCreate(
                name="Ada Lovelace",
                email="ada@vendor.example",
                role=models.MemberRole.PROJECT_MANAGER,
            ),
        )
        assert manager.status_code == HTTPStatus.CREATED, manager.content
        seller = members.sync_detailed(
            client=client,
            body=models.MemberCreate(
                name="Sam Seller", email="sam@vendor.example", role=models.MemberRole.SALES
            ),
        )
        assert seller.status_code == HTTPStatus.CREATED, seller.content

        pushed = deals.sync_detailed(
            client=client,
            body=models.DealPush(
                external_id="D-10042",
                name="Globex CRM rollout",
                customer=models.DealCustomer(external_id="C-77", name="Globex"),
                amount="120000.00",
                currency="EUR",
                owner_email="sam@vendor.example",
                project_manager_id=manager.parsed.id,
            ),
            idempotency_key="push-D-10042",
        )
        assert pushed.status_code == HTTPStatus.CREATED, pushed.content
        project_id = pushed.parsed.project_id
        assert pushed.parsed.project == models.ProjectOutcome.CREATED

        status = projects.sync_detailed(project_id, client=client)
        assert status.status_code == HTTPStatus.OK, status.content
        assert status.parsed.name == "Globex CRM rollout"
        assert status.parsed.open_risk_count == 0
        assert status.parsed.phase == models.Phase.INITIATING

        risk = risks.sync_detailed(
            project_id,
            client=client,
            body=models.RiskCreate(
                title="Customer's SSO team unavailable in January",
                category=models.RiskCategory.RESOURCE,
                probability=4,
                impact=4,  # 16: above the default alert threshold of 15
                response=models.RiskResponse.MITIGATE,
                mitigation_plan="Book their SSO engineer for the first week of December.",
            ),
        )
        assert risk.status_code == HTTPStatus.CREATED, risk.content

        alerts = events.sync_detailed(client=client, type_=["risk.alert"], project_id=project_id)
        assert alerts.status_code == HTTPStatus.OK, alerts.content
        (alert,) = alerts.parsed.items
        assert alert.type_ == "risk.alert"
        assert str(risk.parsed.id) in str(alert.to_dict())
