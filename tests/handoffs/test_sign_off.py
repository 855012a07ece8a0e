"""Sign-off by link: the customer approves a milestone on the share page, or refuses it."""

from datetime import UTC, datetime, timedelta

from tests.factories import Tenant
from tests.milestones.helpers import day, make_milestone
from tests.rhythm import at, events_of
from tests.share.helpers import csrf_of, open_and_post, page_path, post_form, share


async def test_a_milestone_is_signed_off_from_the_share_page(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(
        tenant,
        project["id"],
        name="Customer acceptance",
        due_date=day(3),
        customer_visible=True,
        requires_sign_off=True,
        acceptance=True,
    )
    link = await share(tenant, project["id"])
    page = await tenant.client.get(page_path(link))
    assert "Waiting for your sign-off" in page.text
    before = datetime.now(UTC)

    signed = await open_and_post(
        tenant.client,
        link,
        f"milestones/{milestone['id']}/sign-off",
        {"signer_name": "Dana Smith", "comment": "Works as agreed"},
    )

    assert signed.status_code == 303, signed.text
    assert signed.headers["location"].endswith("?sent=signed")
    stored = (await tenant.get(f"/v1/milestones/{milestone['id']}")).json()
    assert stored["signed_off_by_name"] == "Dana Smith"
    assert stored["sign_off_comment"] == "Works as agreed"
    assert stored["signed_off_via_share_link_id"] == link["id"]
    assert before - timedelta(seconds=1) <= at(stored["signed_off_at"]) <= datetime.now(UTC)
    assert (stored["status"], stored["completed_date"]) == ("done", day(0))
    [event] = await events_of(tenant, "milestone.signed_off")
    assert event["milestone_id"] == milestone["id"]
    assert (event["signed_off_by_name"], event["share_link_id"]) == ("Dana Smith", link["id"])
    assert event["acceptance"] is True
    [completed] = await events_of(tenant, "milestone.completed")
    assert completed["milestone_id"] == milestone["id"]
    after = await tenant.client.get(page_path(link))
    assert "Waiting for your sign-off" not in after.text
    twice = await post_form(
        tenant.client,
        link,
        f"milestones/{milestone['id']}/sign-off",
        {"csrf_token": csrf_of(page), "signer_name": "Mallory"},
    )
    assert twice.status_code == 409
    again = (await tenant.get(f"/v1/milestones/{milestone['id']}")).json()
    assert again["signed_off_by_name"] == "Dana Smith"


async def test_a_refused_sign_off_becomes_feedback_on_the_milestone(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(
        tenant, project["id"], name="Go-live", customer_visible=True, requires_sign_off=True
    )
    link = await share(tenant, project["id"])

    refused = await open_and_post(
        tenant.client, link, f"milestones/{milestone['id']}/refuse", {"reason": "Reports missing"}
    )

    assert refused.status_code == 303, refused.text
    [feedback] = (await tenant.get(f"/v1/projects/{project['id']}/feedback")).json()["items"]
    assert feedback["source"] == "customer"
    assert feedback["sentiment"] == "negative"
    assert feedback["milestone_id"] == milestone["id"]
    assert "Reports missing" in feedback["text"]
    stored = (await tenant.get(f"/v1/milestones/{milestone['id']}")).json()
    assert (stored["signed_off_at"], stored["status"]) == (None, "planned")


async def test_only_milestones_asking_for_sign_off_can_be_signed(tenant: Tenant) -> None:
    project = await tenant.project()
    hidden = await make_milestone(tenant, project["id"], requires_sign_off=True)
    plain = await make_milestone(tenant, project["id"], customer_visible=True)
    link = await share(tenant, project["id"])
    page = await tenant.client.get(page_path(link))

    for milestone in (hidden, plain):
        response = await post_form(
            tenant.client,
            link,
            f"milestones/{milestone['id']}/sign-off",
            {"csrf_token": csrf_of(page), "signer_name": "Dana"},
        )
        assert response.status_code == 404
    assert await events_of(tenant, "milestone.signed_off") == []
