"""The steps every service shares (app/core/filters.py, tenancy.py, writes.py): a filter left
out narrows nothing, one sent narrows even when it is false; a patch that repeats a value
changes nothing; a listing starts at the caller's organization."""

from types import SimpleNamespace
from uuid import uuid4

from sqlmodel import select

from app.core.auth import Caller
from app.core.filters import where_given
from app.core.tenancy import owned_select
from app.core.writes import assign, new_values
from app.models import WebhookEndpoint


def _where(statement: object) -> str:
    return str(getattr(statement, "whereclause", None))


def test_filters_left_out_narrow_nothing() -> None:
    statement = where_given(
        select(WebhookEndpoint),
        {WebhookEndpoint.enabled: None},
        at_least={WebhookEndpoint.updated_at: None},
        at_most={WebhookEndpoint.created_at: None},
    )
    assert statement.whereclause is None


def test_a_false_filter_is_a_filter_and_bounds_are_inclusive() -> None:
    statement = where_given(
        select(WebhookEndpoint),
        {WebhookEndpoint.enabled: False},
        at_least={WebhookEndpoint.updated_at: "2026-01-01"},
        at_most={WebhookEndpoint.created_at: "2026-12-31"},
    )
    clause = _where(statement)
    assert "webhook_endpoints.enabled = " in clause
    assert "webhook_endpoints.updated_at >= " in clause
    assert "webhook_endpoints.created_at <= " in clause


def test_a_listing_starts_at_the_callers_organization() -> None:
    caller = Caller(organization_id=uuid4(), scopes=frozenset(), api_key_id=uuid4())
    assert _where(owned_select(WebhookEndpoint, caller)) == (
        "webhook_endpoints.organization_id = :organization_id_1"
    )


def test_a_patch_that_repeats_a_value_changes_nothing() -> None:
    row = SimpleNamespace(name="Kick-off", note=None)
    changes = new_values(row, {"name": "Kick-off", "note": "bring the plan"})
    assert changes == {"note": "bring the plan"}
    assign(row, changes)
    assert row == SimpleNamespace(name="Kick-off", note="bring the plan")
