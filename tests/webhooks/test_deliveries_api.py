"""Deliveries and attempts through the API: listing, filtering, retrying one, recovering many."""

from datetime import datetime, timedelta
from typing import Any

from app.models import DeliveryStatus
from app.models.base import utcnow
from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.webhooks.api_helpers import (
    ENDPOINTS,
    add_attempt,
    deliveries_of,
    make_endpoint,
    queue_test_delivery,
    set_delivery,
    set_endpoint,
    stored_delivery,
)

DELIVERIES = "/v1/webhook-deliveries"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _failed(tenant: Tenant, endpoint_id: str, created_at: datetime) -> str:
    """A delivery whose retries are spent, created at `created_at`."""
    delivery_id = await queue_test_delivery(tenant, endpoint_id)
    await set_delivery(
        tenant,
        delivery_id,
        status=DeliveryStatus.failed,
        attempt_count=10,
        last_status_code=503,
        created_at=created_at,
        completed_at=created_at + timedelta(days=3),
    )
    return delivery_id


async def test_deliveries_are_listed_with_their_event_type(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    await tenant.project()
    test_id = await queue_test_delivery(tenant, endpoint["id"])
    response = await tenant.get(f"{ENDPOINTS}/{endpoint['id']}/deliveries")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["event_type"] for item in items] == ["project.created", "webhook.test"]
    [(first, _), _] = await deliveries_of(tenant, endpoint["id"])
    assert items[0] == {
        "id": str(first.id),
        "endpoint_id": endpoint["id"],
        "event_id": str(first.event_id),
        "event_type": "project.created",
        "status": "pending",
        "attempt_count": 0,
        "next_attempt_at": items[0]["next_attempt_at"],
        "last_status_code": None,
        "created_at": items[0]["created_at"],
        "completed_at": None,
    }
    assert items[1]["id"] == test_id


async def test_deliveries_filter_by_status_and_page(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    ids = [await queue_test_delivery(tenant, endpoint["id"]) for _ in range(3)]
    await set_delivery(tenant, ids[1], status=DeliveryStatus.succeeded, last_status_code=204)
    url = f"{ENDPOINTS}/{endpoint['id']}/deliveries"
    succeeded = (await tenant.get(url, params={"status": "succeeded"})).json()["items"]
    assert [(d["id"], d["last_status_code"]) for d in succeeded] == [(ids[1], 204)]
    pending = (await tenant.get(url, params={"status": "pending"})).json()["items"]
    assert [d["id"] for d in pending] == [ids[0], ids[2]]
    assert_problem(await tenant.get(url, params={"status": "lost"}), 422, "validation")
    first = await tenant.get(url, params={"limit": 2})
    assert [d["id"] for d in first.json()["items"]] == ids[:2]
    rest = await tenant.get(url, params={"cursor": first.json()["next_cursor"]})
    assert [d["id"] for d in rest.json()["items"]] == ids[2:]


async def test_a_cursor_of_another_endpoints_list_is_still_scoped_to_this_endpoint(
    tenant: Tenant,
) -> None:
    mine, other = await make_endpoint(tenant), await make_endpoint(tenant)
    await queue_test_delivery(tenant, other["id"])
    await queue_test_delivery(tenant, other["id"])
    first = await tenant.get(f"{ENDPOINTS}/{other['id']}/deliveries", params={"limit": 1})
    cursor = first.json()["next_cursor"]
    response = await tenant.get(f"{ENDPOINTS}/{mine['id']}/deliveries", params={"cursor": cursor})
    assert response.json()["items"] == []


async def test_one_delivery_and_its_attempts(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    delivery_id = await queue_test_delivery(tenant, endpoint["id"])
    first_at = utcnow() - timedelta(minutes=5)
    await add_attempt(
        tenant,
        delivery_id,
        attempted_at=first_at,
        status_code=None,
        duration_ms=10_000,
        error="Timed out after 10 s.",
    )
    await add_attempt(
        tenant, delivery_id, status_code=500, duration_ms=87, response_excerpt="Internal error"
    )
    await set_delivery(tenant, delivery_id, attempt_count=2, last_status_code=500)
    delivery = await tenant.get(f"{DELIVERIES}/{delivery_id}")
    assert delivery.status_code == 200, delivery.text
    assert (delivery.json()["event_type"], delivery.json()["attempt_count"]) == ("webhook.test", 2)
    listed = (await tenant.get(f"{ENDPOINTS}/{endpoint['id']}/deliveries")).json()["items"]
    assert listed == [delivery.json()]
    response = await tenant.get(f"{DELIVERIES}/{delivery_id}/attempts")
    assert response.status_code == 200, response.text
    attempts = response.json()["items"]
    assert [
        (a["status_code"], a["duration_ms"], a["error"], a["response_excerpt"]) for a in attempts
    ] == [(None, 10_000, "Timed out after 10 s.", None), (500, 87, None, "Internal error")]
    assert _at(attempts[0]["attempted_at"]) == first_at
    assert {a["delivery_id"] for a in attempts} == {delivery_id}
    page = await tenant.get(f"{DELIVERIES}/{delivery_id}/attempts", params={"limit": 1})
    assert len(page.json()["items"]) == 1
    assert page.json()["next_cursor"] is not None


# Retry


async def test_retry_makes_a_failed_delivery_due_now(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    delivery_id = await _failed(tenant, endpoint["id"], utcnow() - timedelta(days=4))
    before = utcnow()
    response = await tenant.post(f"{DELIVERIES}/{delivery_id}/retry")
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["id"], body["status"], body["completed_at"]) == (delivery_id, "pending", None)
    assert (body["attempt_count"], body["last_status_code"]) == (10, 503)
    stored = await stored_delivery(tenant, delivery_id)
    assert stored.status is DeliveryStatus.pending
    assert before <= stored.next_attempt_at <= utcnow()
    assert stored.completed_at is None
    assert (await tenant.get(f"{DELIVERIES}/{delivery_id}")).json() == body


async def test_a_succeeded_delivery_can_be_sent_again_with_the_same_event(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    delivery_id = await queue_test_delivery(tenant, endpoint["id"])
    await set_delivery(
        tenant, delivery_id, status=DeliveryStatus.succeeded, completed_at=utcnow(), attempt_count=1
    )
    event_id = (await stored_delivery(tenant, delivery_id)).event_id
    response = await tenant.post(f"{DELIVERIES}/{delivery_id}/retry")
    assert response.status_code == 202, response.text
    assert (response.json()["status"], response.json()["event_id"]) == ("pending", str(event_id))
    assert len(await deliveries_of(tenant, endpoint["id"])) == 1


async def test_retry_leaves_a_dispatchers_lease_alone(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    delivery_id = await queue_test_delivery(tenant, endpoint["id"])
    lease = utcnow() + timedelta(seconds=60)
    await set_delivery(tenant, delivery_id, lease_until=lease)
    assert (await tenant.post(f"{DELIVERIES}/{delivery_id}/retry")).status_code == 202
    assert (await stored_delivery(tenant, delivery_id)).lease_until == lease


async def test_retry_to_a_disabled_endpoint_is_a_conflict(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    delivery_id = await _failed(tenant, endpoint["id"], utcnow() - timedelta(hours=1))
    await set_endpoint(tenant, endpoint["id"], enabled=False, disabled_reason="410 Gone")
    response = await tenant.post(f"{DELIVERIES}/{delivery_id}/retry")
    assert_problem(response, 409, "webhook-endpoint-disabled")
    assert (await stored_delivery(tenant, delivery_id)).status is DeliveryStatus.failed


# Recover


async def test_recover_resends_failed_deliveries_since_a_time(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    other = await make_endpoint(tenant)
    since = utcnow() - timedelta(days=2)
    old = await _failed(tenant, endpoint["id"], since - timedelta(seconds=1))
    recent = [
        await _failed(tenant, endpoint["id"], since),
        await _failed(tenant, endpoint["id"], since + timedelta(hours=5)),
    ]
    succeeded = await queue_test_delivery(tenant, endpoint["id"])
    await set_delivery(tenant, succeeded, status=DeliveryStatus.succeeded, completed_at=utcnow())
    others = await _failed(tenant, other["id"], since + timedelta(hours=1))
    before = utcnow()
    response = await tenant.post(
        f"{ENDPOINTS}/{endpoint['id']}/recover",
        json={"since": since.isoformat().replace("+00:00", "Z")},
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"recovered": 2}
    for delivery_id in recent:
        stored = await stored_delivery(tenant, delivery_id)
        assert (stored.status, stored.completed_at) == (DeliveryStatus.pending, None)
        assert before <= stored.next_attempt_at <= utcnow()
    assert (await stored_delivery(tenant, old)).status is DeliveryStatus.failed
    assert (await stored_delivery(tenant, succeeded)).status is DeliveryStatus.succeeded
    assert (await stored_delivery(tenant, others)).status is DeliveryStatus.failed
    again = await tenant.post(
        f"{ENDPOINTS}/{endpoint['id']}/recover", json={"since": since.isoformat()}
    )
    assert again.json() == {"recovered": 0}


async def test_recover_on_a_disabled_endpoint_is_a_conflict(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    delivery_id = await _failed(tenant, endpoint["id"], utcnow())
    await set_endpoint(tenant, endpoint["id"], enabled=False)
    response = await tenant.post(
        f"{ENDPOINTS}/{endpoint['id']}/recover", json={"since": "2020-01-01T00:00:00Z"}
    )
    assert_problem(response, 409, "webhook-endpoint-disabled")
    assert (await stored_delivery(tenant, delivery_id)).status is DeliveryStatus.failed


async def test_recover_needs_a_time_with_its_zone(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{endpoint['id']}/recover"
    body: dict[str, Any]
    for body in ({"since": "2026-01-01T00:00:00"}, {}, {"since": "yesterday"}):
        problem = assert_problem(await tenant.post(url, json=body), 422, "validation")
        assert locations(problem) == {("body", "since")}
