"""`/v1/organization`: an admin reads the organization and sets its risk alert threshold, the
time zone it works in and the hour at which meetings are proposed."""

from app.core.auth import Scope
from tests.factories import Tenant
from tests.problems import assert_problem, locations


async def test_an_admin_reads_the_organization_with_the_default_threshold(admin: Tenant) -> None:
    response = await admin.get("/v1/organization")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "risk_alert_threshold",
        "time_zone",
        "default_meeting_hour",
        "created_at",
    }
    assert (body["id"], body["risk_alert_threshold"]) == (str(admin.organization_id), 15)
    assert (body["time_zone"], body["default_meeting_hour"]) == ("UTC", 10)
    assert body["name"].startswith("org-")
    assert body["created_at"].endswith("Z")


async def test_an_admin_sets_the_threshold_for_their_organization_only(
    admin: Tenant, other_tenant: Tenant
) -> None:
    response = await admin.patch("/v1/organization", json={"risk_alert_threshold": 10})
    assert (response.status_code, response.json()["risk_alert_threshold"]) == (200, 10)
    assert (await admin.get("/v1/organization")).json()["risk_alert_threshold"] == 10
    other = Tenant(other_tenant.organization_id, other_tenant.key, admin.client, admin.database)
    assert (await other.get("/v1/organization")).json()["risk_alert_threshold"] == 15


async def test_an_empty_patch_changes_nothing(admin: Tenant) -> None:
    response = await admin.patch("/v1/organization", json={})
    assert (response.status_code, response.json()["risk_alert_threshold"]) == (200, 15)


async def test_the_threshold_must_be_a_possible_score(admin: Tenant) -> None:
    for value in (0, 26, None, "high", 12.5):
        problem = assert_problem(
            await admin.patch("/v1/organization", json={"risk_alert_threshold": value}),
            422,
            "validation",
        )
        assert locations(problem) == {("body", "risk_alert_threshold")}, value
    assert (await admin.get("/v1/organization")).json()["risk_alert_threshold"] == 15


async def test_the_name_and_unknown_fields_cannot_be_patched(admin: Tenant) -> None:
    for body in ({"name": "renamed"}, {"id": str(admin.organization_id)}):
        assert_problem(await admin.patch("/v1/organization", json=body), 422)


async def test_only_admin_keys_see_or_change_the_settings(admin: Tenant) -> None:
    key = await admin.key_with(Scope.projects_write, Scope.projects_read, Scope.members_write)
    headers = admin.headers(key)
    assert_problem(await admin.get("/v1/organization", headers=headers), 403)
    body = {"risk_alert_threshold": 5}
    assert_problem(await admin.patch("/v1/organization", json=body, headers=headers), 403)
    anonymous = await admin.client.get("/v1/organization")
    assert_problem(anonymous, 401)
    assert (await admin.get("/v1/organization")).json()["risk_alert_threshold"] == 15


async def test_an_admin_sets_the_time_zone_and_the_meeting_hour(admin: Tenant) -> None:
    body = {"time_zone": "Europe/Berlin", "default_meeting_hour": 9}
    response = await admin.patch("/v1/organization", json=body)
    assert response.status_code == 200, response.text
    read = (await admin.get("/v1/organization")).json()
    assert (read["time_zone"], read["default_meeting_hour"]) == ("Europe/Berlin", 9)
    assert read["risk_alert_threshold"] == 15


async def test_the_time_zone_must_be_an_iana_name_and_the_hour_a_clock_hour(
    admin: Tenant,
) -> None:
    for field, value in (
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", "Europe"),
        ("time_zone", "posix/Europe/Berlin"),
        ("time_zone", "CEST+2"),
        ("time_zone", "../../etc/passwd"),
        ("time_zone", ""),
        ("time_zone", None),
        ("default_meeting_hour", 24),
        ("default_meeting_hour", -1),
        ("default_meeting_hour", None),
    ):
        problem = assert_problem(
            await admin.patch("/v1/organization", json={field: value}), 422, "validation"
        )
        assert locations(problem) == {("body", field)}, value
    read = (await admin.get("/v1/organization")).json()
    assert (read["time_zone"], read["default_meeting_hour"]) == ("UTC", 10)
