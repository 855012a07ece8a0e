"""A customer's answers on the share page sent at once (a double click, two tabs, two people on
one link): a milestone is signed off once, and the others see it signed (409); a task is marked
done once, and the others change nothing. None is a 500."""

import asyncio

from tests.factories import Tenant
from tests.milestones.helpers import day, make_milestone
from tests.rhythm import events_of
from tests.share.helpers import csrf_of, page_path, post_form, share

ANSWERS = 6


async def test_sign_offs_sent_at_once_sign_off_once(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(
        tenant, project["id"], due_date=day(3), customer_visible=True, requires_sign_off=True
    )
    link = await share(tenant, project["id"])
    csrf = csrf_of(await tenant.client.get(page_path(link)))
    form = f"milestones/{milestone['id']}/sign-off"

    answers = await asyncio.gather(
        *(
            post_form(tenant.client, link, form, {"csrf_token": csrf, "signer_name": f"S{n}"})
            for n in range(ANSWERS)
        )
    )

    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses) == [303] + [409] * (ANSWERS - 1), [a.text[:300] for a in answers]
    signer = f"S{statuses.index(303)}"
    stored = (await tenant.get(f"/v1/milestones/{milestone['id']}")).json()
    assert (stored["signed_off_by_name"], stored["status"]) == (signer, "done")
    assert len(await events_of(tenant, "milestone.signed_off")) == 1


async def test_a_task_marked_done_from_several_tabs_at_once_is_done_once(tenant: Tenant) -> None:
    project = await tenant.project()
    created = await tenant.post(
        f"/v1/projects/{project['id']}/customer-tasks", json={"title": "Send the user list"}
    )
    assert created.status_code == 201, created.text
    task = created.json()
    link = await share(tenant, project["id"])
    csrf = csrf_of(await tenant.client.get(page_path(link)))

    answers = await asyncio.gather(
        *(
            post_form(tenant.client, link, f"tasks/{task['id']}/done", {"csrf_token": csrf})
            for _ in range(ANSWERS)
        )
    )

    assert [answer.status_code for answer in answers] == [303] * ANSWERS, [
        answer.text[:300] for answer in answers
    ]
    stored = (await tenant.get(f"/v1/customer-tasks/{task['id']}")).json()
    assert stored["status"] == "done"
    assert len(await events_of(tenant, "customer_task.completed")) == 1
