"""Webhook endpoints: a secret shown once and stored encrypted, exact event-type filters,
disabling with a reason, rotation with a grace period, the test event, and tenancy."""

import base64
import json
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import select

from app.core.auth import Scope
from app.core.secrets import decrypt_secret
from app.models import Event
from app.models.base import utcnow
from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.webhooks.api_helpers import (
    ENDPOINTS,
    PUBLIC_URL,
    deliveries_of,
    make_endpoint,
    set_endpoint,
    stored_endpoint,
    stored_endpoints,
)


async def test_endpoint_is_created_with_its_secret_shown_once(tenant: Tenant) -> None:
    response = await tenant.post(
        ENDPOINTS,
        json={
            "url": PUBLIC_URL,
            "description": "PM tool sync",
            "event_types": ["project.phase_changed", "milestone.missed"],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["etag"] == '"1"'
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert created["url"] == PUBLIC_URL
    assert created["event_types"] == ["project.phase_changed", "milestone.missed"]
    assert (created["enabled"], created["disabled_reason"], created["disabled_at"]) == (
        True,
        None,
        None,
    )
    assert created["previous_secret_expires_at"] is None
    url = f"{ENDPOINTS}/{created['id']}"
    read = await tenant.get(url)
    assert read.json() == created
    listed = await tenant.get(ENDPOINTS)
    assert listed.json()["items"] == [created]
    for later in (read, listed):
        assert secret not in later.text
        assert "secret" not in later.json().get("items", [later.json()])[0]


async def test_secret_is_stored_encrypted_and_never_plainly(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    secret = created["secret"]
    stored = await stored_endpoint(tenant, created["id"])
    raw_key = base64.b64decode(secret.removeprefix("whsec_"))
    assert secret.encode() not in stored.secret_encrypted
    assert secret.removeprefix("whsec_").encode() not in stored.secret_encrypted
    assert raw_key not in stored.secret_encrypted
    assert decrypt_secret(stored.secret_encrypted, tenant.database.settings) == secret


async def test_each_endpoint_gets_its_own_secret(tenant: Tenant) -> None:
    first, second = await make_endpoint(tenant), await make_endpoint(tenant)
    assert first["secret"] != second["secret"]


async def test_endpoint_defaults_to_every_event_type_and_enabled(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    assert (created["event_types"], created["enabled"], created["description"]) == ([], True, None)


@pytest.mark.parametrize(
    "event_type",
    ["risk.*", "Project.created", "project", "project.created.extra", "project created", ""],
)
async def test_event_types_are_exact_lower_case_types(tenant: Tenant, event_type: str) -> None:
    body = {"url": PUBLIC_URL, "event_types": ["project.created", event_type]}
    problem = assert_problem(await tenant.post(ENDPOINTS, json=body), 422, "validation")
    assert locations(problem) == {("body", "event_types", 1)}
    assert await stored_endpoints(tenant) == []


async def test_event_type_list_is_bounded_and_deduplicated(tenant: Tenant) -> None:
    too_many = [f"project.type_{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(51)]
    problem = assert_problem(
        await tenant.post(ENDPOINTS, json={"url": PUBLIC_URL, "event_types": too_many}), 422
    )
    assert locations(problem) == {("body", "event_types")}
    created = await make_endpoint(
        tenant, event_types=["risk.created", "project.created", "risk.created"]
    )
    assert created["event_types"] == ["risk.created", "project.created"]


@pytest.mark.parametrize(
    "url", ["hooks.example.com/x", "ftp://93.184.216.34/x", "https://" + "a" * 2048, "https:// x"]
)
async def test_url_must_be_a_bounded_http_url(tenant: Tenant, url: str) -> None:
    problem = assert_problem(await tenant.post(ENDPOINTS, json={"url": url}), 422, "validation")
    assert locations(problem) == {("body", "url")}


@pytest.mark.parametrize("character", ["\x7f", "\x01"])
async def test_a_url_with_a_control_character_is_refused_on_create_and_patch(
    tenant: Tenant, character: str
) -> None:
    """Such a URL matches the contract's pattern and parses, but no request can be built for
    it: it is refused where it comes in, never left to fail at every send."""
    url = PUBLIC_URL + character
    problem = assert_problem(await tenant.post(ENDPOINTS, json={"url": url}), 422)
    assert locations(problem) == {("body", "url")}
    created = await make_endpoint(tenant)
    patched = await tenant.patch(f"{ENDPOINTS}/{created['id']}", json={"url": url})
    assert locations(assert_problem(patched, 422)) == {("body", "url")}
    assert (await stored_endpoint(tenant, created["id"])).url == PUBLIC_URL


async def test_patch_is_a_merge_patch(tenant: Tenant) -> None:
    created = await make_endpoint(tenant, description="Sync", event_types=["risk.created"])
    url = f"{ENDPOINTS}/{created['id']}"
    response = await tenant.patch(url, json={"description": None})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["description"] is None
    assert (patched["event_types"], patched["url"]) == (["risk.created"], PUBLIC_URL)
    assert patched["version"] == 2
    assert response.headers["etag"] == '"2"'
    response = await tenant.patch(
        url, json={"url": "https://93.184.216.35/other", "event_types": []}
    )
    assert (response.json()["url"], response.json()["event_types"]) == (
        "https://93.184.216.35/other",
        [],
    )
    assert_problem(await tenant.patch(url, json={"url": None}), 422, "validation")
    assert_problem(await tenant.patch(url, json={"enabled": None}), 422, "validation")


async def test_patch_keeps_the_secret(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    await tenant.patch(f"{ENDPOINTS}/{created['id']}", json={"url": "https://93.184.216.35/x"})
    stored = await stored_endpoint(tenant, created["id"])
    assert decrypt_secret(stored.secret_encrypted, tenant.database.settings) == created["secret"]


async def test_stale_if_match_is_412(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}"
    await tenant.patch(url, json={"description": "v2"})
    response = await tenant.patch(url, json={"description": "v3"}, headers={"If-Match": '"1"'})
    assert_problem(response, 412, "precondition-failed")
    assert_problem(await tenant.delete(url, headers={"If-Match": '"1"'}), 412)
    current = await tenant.get(url)
    assert current.json()["description"] == "v2"
    assert (await tenant.get(url, headers={"If-None-Match": '"2"'})).status_code == 304


async def test_disabling_records_when_and_why_and_enabling_forgets_it(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}"
    before = utcnow()
    disabled = await tenant.patch(url, json={"enabled": False, "disabled_reason": "Migrating"})
    body = disabled.json()
    assert (body["enabled"], body["disabled_reason"]) == (False, "Migrating")
    disabled_at = (await stored_endpoint(tenant, created["id"])).disabled_at
    assert disabled_at is not None
    assert before <= disabled_at <= utcnow()
    # The reason of a disabled endpoint can be changed; it stays disabled since the same time.
    renamed = (await tenant.patch(url, json={"disabled_reason": "Moving hosts"})).json()
    assert (renamed["disabled_reason"], renamed["disabled_at"]) == (
        "Moving hosts",
        body["disabled_at"],
    )
    await set_endpoint(tenant, created["id"], failing_since=utcnow() - timedelta(days=2))
    enabled = (await tenant.patch(url, json={"enabled": True})).json()
    assert (enabled["enabled"], enabled["disabled_reason"], enabled["disabled_at"]) == (
        True,
        None,
        None,
    )
    assert enabled["failing_since"] is None


async def test_a_reason_needs_a_disabled_endpoint(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}"
    problem = assert_problem(await tenant.patch(url, json={"disabled_reason": "x"}), 422)
    assert locations(problem) == {("body", "disabled_reason")}
    problem = assert_problem(
        await tenant.post(ENDPOINTS, json={"url": PUBLIC_URL, "disabled_reason": "x"}), 422
    )
    assert locations(problem) == {("body", "disabled_reason")}
    assert (await tenant.get(url)).json() == {k: v for k, v in created.items() if k != "secret"}


async def test_endpoint_can_be_created_disabled(tenant: Tenant) -> None:
    created = await make_endpoint(tenant, enabled=False, disabled_reason="Not yet live")
    assert (created["enabled"], created["disabled_reason"]) == (False, "Not yet live")
    assert created["disabled_at"] is not None
    enabled_only = (await tenant.get(ENDPOINTS, params={"enabled": "true"})).json()["items"]
    disabled_only = (await tenant.get(ENDPOINTS, params={"enabled": "false"})).json()["items"]
    assert (enabled_only, [e["id"] for e in disabled_only]) == ([], [created["id"]])


async def test_endpoints_are_listed_oldest_first_in_pages(tenant: Tenant) -> None:
    ids = [(await make_endpoint(tenant))["id"] for _ in range(3)]
    first = await tenant.get(ENDPOINTS, params={"limit": 2})
    assert [e["id"] for e in first.json()["items"]] == ids[:2]
    assert 'rel="next"' in first.headers["link"]
    second = await tenant.get(ENDPOINTS, params={"cursor": first.json()["next_cursor"]})
    assert [e["id"] for e in second.json()["items"]] == ids[2:]
    assert second.json()["next_cursor"] is None


async def test_delete_removes_the_endpoint_and_its_deliveries(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}"
    assert (await tenant.post(f"{url}/test")).status_code == 202
    assert len(await deliveries_of(tenant, created["id"])) == 1
    assert (await tenant.delete(url)).status_code == 204
    assert_problem(await tenant.get(url), 404, "not-found")
    assert await deliveries_of(tenant, created["id"]) == []


# Rotation


async def test_rotation_signs_with_both_secrets_during_the_grace_period(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}"
    before = utcnow()
    response = await tenant.post(f"{url}/rotate-secret", json={"grace_period_seconds": 3600})
    assert response.status_code == 200, response.text
    rotated = response.json()
    new_secret = rotated.pop("secret")
    assert new_secret.startswith("whsec_")
    assert new_secret != created["secret"]
    assert rotated["version"] == 2
    assert response.headers["etag"] == '"2"'
    stored = await stored_endpoint(tenant, created["id"])
    settings = tenant.database.settings
    assert decrypt_secret(stored.secret_encrypted, settings) == new_secret
    assert stored.previous_secret_encrypted is not None
    assert decrypt_secret(stored.previous_secret_encrypted, settings) == created["secret"]
    expires = stored.previous_secret_expires_at
    assert expires is not None
    assert before + timedelta(seconds=3600) <= expires <= utcnow() + timedelta(seconds=3600)
    read = await tenant.get(url)
    assert read.json() == rotated
    assert new_secret not in read.text
    assert created["secret"] not in read.text
    assert read.json()["previous_secret_expires_at"] is not None


async def test_rotation_defaults_to_a_day_of_grace(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    response = await tenant.post(f"{ENDPOINTS}/{created['id']}/rotate-secret")
    assert response.status_code == 200, response.text
    expires = (await stored_endpoint(tenant, created["id"])).previous_secret_expires_at
    assert expires is not None
    assert abs(expires - (utcnow() + timedelta(days=1))) < timedelta(minutes=1)


async def test_rotation_without_grace_stops_the_old_secret_at_once(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}/rotate-secret"
    await tenant.post(url, json={"grace_period_seconds": 600})
    response = await tenant.post(url, json={"grace_period_seconds": 0})
    stored = await stored_endpoint(tenant, created["id"])
    assert (stored.previous_secret_encrypted, stored.previous_secret_expires_at) == (None, None)
    assert response.json()["previous_secret_expires_at"] is None
    settings = tenant.database.settings
    assert decrypt_secret(stored.secret_encrypted, settings) == response.json()["secret"]


async def test_a_second_rotation_keeps_only_the_secret_it_replaces(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}/rotate-secret"
    second = (await tenant.post(url)).json()["secret"]
    third = (await tenant.post(url)).json()["secret"]
    stored = await stored_endpoint(tenant, created["id"])
    settings = tenant.database.settings
    assert decrypt_secret(stored.secret_encrypted, settings) == third
    assert stored.previous_secret_encrypted is not None
    assert decrypt_secret(stored.previous_secret_encrypted, settings) == second


@pytest.mark.parametrize("grace", [-1, 7 * 24 * 3600 + 1, "soon"])
async def test_grace_period_is_bounded_to_a_week(tenant: Tenant, grace: Any) -> None:
    created = await make_endpoint(tenant)
    response = await tenant.post(
        f"{ENDPOINTS}/{created['id']}/rotate-secret", json={"grace_period_seconds": grace}
    )
    problem = assert_problem(response, 422, "validation")
    assert locations(problem) == {("body", "grace_period_seconds")}
    stored = await stored_endpoint(tenant, created["id"])
    assert decrypt_secret(stored.secret_encrypted, tenant.database.settings) == created["secret"]


async def test_rotation_honours_if_match(tenant: Tenant) -> None:
    created = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{created['id']}"
    await tenant.patch(url, json={"description": "v2"})
    response = await tenant.post(f"{url}/rotate-secret", headers={"If-Match": '"1"'})
    assert_problem(response, 412)
    stored = await stored_endpoint(tenant, created["id"])
    assert stored.previous_secret_encrypted is None


# Which events reach which endpoint


async def test_an_endpoint_receives_only_the_types_it_asked_for(tenant: Tenant) -> None:
    updates_only = await make_endpoint(tenant, event_types=["project.updated"])
    everything = await make_endpoint(tenant)
    switched_off = await make_endpoint(tenant, enabled=False)
    project = await tenant.project()
    await tenant.patch(f"/v1/projects/{project['id']}", json={"name": "Renamed"})
    assert [kind for _, kind in await deliveries_of(tenant, updates_only["id"])] == [
        "project.updated"
    ]
    assert [kind for _, kind in await deliveries_of(tenant, everything["id"])] == [
        "project.created",
        "project.updated",
    ]
    assert await deliveries_of(tenant, switched_off["id"]) == []
    delivery, _ = (await deliveries_of(tenant, updates_only["id"]))[0]
    assert (delivery.status, delivery.attempt_count) == ("pending", 0)


async def test_another_organizations_events_never_reach_an_endpoint(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    endpoint = await make_endpoint(tenant)
    await other_tenant.project()
    assert await deliveries_of(tenant, endpoint["id"]) == []


async def test_test_event_goes_to_that_endpoint_alone(tenant: Tenant) -> None:
    target = await make_endpoint(tenant, event_types=["project.created"])
    bystander = await make_endpoint(tenant)
    response = await tenant.post(f"{ENDPOINTS}/{target['id']}/test")
    assert response.status_code == 202, response.text
    sent = response.json()
    [(delivery, kind)] = await deliveries_of(tenant, target["id"])
    assert (str(delivery.id), str(delivery.event_id), kind) == (
        sent["delivery_id"],
        sent["event_id"],
        "webhook.test",
    )
    assert delivery.status == "pending"
    assert await deliveries_of(tenant, bystander["id"]) == []
    async with tenant.database.transaction(write=False) as session:
        event = await session.get(Event, UUID(sent["event_id"]))
    assert event is not None
    payload = json.loads(event.payload)
    assert payload["type"] == "webhook.test"
    data = payload["data"]
    assert data == {"webhook_endpoint_id": target["id"], "version": 1, "message": data["message"]}
    assert data["message"]


async def test_test_event_honours_idempotency_key(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant)
    url = f"{ENDPOINTS}/{endpoint['id']}/test"
    first = await tenant.post(url, headers={"Idempotency-Key": "test-1"})
    again = await tenant.post(url, headers={"Idempotency-Key": "test-1"})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len(await deliveries_of(tenant, endpoint["id"])) == 1


async def test_a_disabled_endpoint_cannot_be_tested(tenant: Tenant) -> None:
    endpoint = await make_endpoint(tenant, enabled=False)
    response = await tenant.post(f"{ENDPOINTS}/{endpoint['id']}/test")
    assert_problem(response, 409, "webhook-endpoint-disabled")
    async with tenant.database.transaction(write=False) as session:
        events = await session.exec(select(Event).where(Event.aggregate_id == UUID(endpoint["id"])))
        assert events.all() == []


# Tenancy and scopes


def _endpoint_calls(endpoint_id: str, delivery_id: str) -> list[tuple[str, str, Any]]:
    url = f"{ENDPOINTS}/{endpoint_id}"
    delivery = f"/v1/webhook-deliveries/{delivery_id}"
    return [
        ("GET", url, None),
        ("PATCH", url, {"description": "mine now"}),
        ("DELETE", url, None),
        ("POST", f"{url}/rotate-secret", {"grace_period_seconds": 0}),
        ("POST", f"{url}/test", None),
        ("GET", f"{url}/deliveries", None),
        ("POST", f"{url}/recover", {"since": "2020-01-01T00:00:00Z"}),
        ("GET", delivery, None),
        ("GET", f"{delivery}/attempts", None),
        ("POST", f"{delivery}/retry", None),
    ]


async def test_another_organizations_endpoints_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await make_endpoint(other_tenant, description="theirs")
    delivery_id = (await other_tenant.post(f"{ENDPOINTS}/{theirs['id']}/test")).json()[
        "delivery_id"
    ]
    for method, url, body in _endpoint_calls(theirs["id"], delivery_id):
        response = await tenant.request(method, url, json=body)
        problem = assert_problem(response, 404, "not-found")
        assert theirs["id"] not in problem["detail"], url
    assert (await tenant.get(ENDPOINTS)).json()["items"] == []
    after = (await other_tenant.get(f"{ENDPOINTS}/{theirs['id']}")).json()
    assert after == {k: v for k, v in theirs.items() if k != "secret"}
    assert len(await deliveries_of(other_tenant, theirs["id"])) == 1


async def test_reading_needs_webhooks_read_and_changing_needs_webhooks_write(
    tenant: Tenant,
) -> None:
    endpoint = await make_endpoint(tenant)
    delivery_id = (await tenant.post(f"{ENDPOINTS}/{endpoint['id']}/test")).json()["delivery_id"]
    reader = await tenant.key_with(Scope.webhooks_read)
    writer = await tenant.key_with(Scope.webhooks_write, Scope.events_read)
    others = await tenant.key_with(
        *[s for s in Scope if s not in (Scope.admin, Scope.webhooks_read, Scope.webhooks_write)]
    )
    calls = [
        *_endpoint_calls(endpoint["id"], delivery_id),
        ("GET", ENDPOINTS, None),
        ("POST", ENDPOINTS, {"url": PUBLIC_URL}),
    ]
    for method, url, body in calls:
        needed = Scope.webhooks_read if method == "GET" else Scope.webhooks_write
        lacking = writer if needed is Scope.webhooks_read else reader
        for key in (lacking, others):
            response = await tenant.request(method, url, json=body, headers=tenant.headers(key))
            problem = assert_problem(response, 403, "forbidden")
            assert needed.value in problem["detail"], (method, url)
    assert (await tenant.get(ENDPOINTS, headers=tenant.headers(reader))).status_code == 200
    created = await tenant.post(ENDPOINTS, json={"url": PUBLIC_URL}, headers=tenant.headers(writer))
    assert created.status_code == 201


async def test_pointing_an_endpoint_at_a_url_needs_the_events_feed_it_will_receive(
    tenant: Tenant,
) -> None:
    """An endpoint receives every event of its types, data and all. A key that may manage
    webhooks but not read events (nor deals, members, customers) subscribes nothing: else it
    could point a receiver of its own at the won deals' amounts."""
    manager = tenant.headers(await tenant.key_with(Scope.webhooks_write, Scope.webhooks_read))
    refused = await tenant.post(ENDPOINTS, json={"url": PUBLIC_URL}, headers=manager)
    assert "events:read" in assert_problem(refused, 403, "forbidden")["detail"]
    assert await stored_endpoints(tenant) == []

    theirs = await make_endpoint(tenant)  # the admin's, every event type
    url = f"{ENDPOINTS}/{theirs['id']}"
    moved = await tenant.patch(url, json={"url": "https://93.184.216.35/mine"}, headers=manager)
    assert "events:read" in assert_problem(moved, 403, "forbidden")["detail"]
    assert (await stored_endpoint(tenant, theirs["id"])).url == theirs["url"]
    # What webhooks:write does to an endpoint someone else pointed stays its own.
    for method, path in (("POST", f"{url}/test"), ("POST", f"{url}/rotate-secret")):
        response = await tenant.request(method, path, headers=manager)
        assert response.status_code in (200, 202), (path, response.text)

    subscriber = tenant.headers(await tenant.key_with(Scope.webhooks_write, Scope.events_read))
    created = await tenant.post(ENDPOINTS, json={"url": PUBLIC_URL}, headers=subscriber)
    assert created.status_code == 201, created.text


@pytest.mark.parametrize(
    "host",
    ["a" * 64 + ".example.com", "\U0001f3fb\x83", "[::1"],  # schemathesis found each as a 500
)
async def test_a_host_that_is_no_host_name_is_refused(tenant: Tenant, host: str) -> None:
    created = await make_endpoint(tenant)
    for response in (
        await tenant.post(ENDPOINTS, json={"url": f"https://{host}/hooks"}),
        await tenant.patch(f"{ENDPOINTS}/{created['id']}", json={"url": f"https://{host}/h"}),
    ):
        assert_problem(response, 422)
    assert [endpoint.url for endpoint in await stored_endpoints(tenant)] == [created["url"]]
