"""The clock expands a cadence when its next occurrence comes into the window, or as soon as
the cadence changes; in between, a sweep leaves it alone (not every cadence of every project
on every sweep)."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.clock import sweep as sweep_module
from app.clock.sweep import Moment, _due_cadences, moment_at, sweep
from app.models import MeetingCadence
from app.models.base import utcnow
from tests.factories import Tenant
from tests.rhythm import at, events_of, ok


async def _cadence(tenant: Tenant, starts_at: datetime, rule: str = "FREQ=DAILY") -> Any:
    project = await tenant.project()
    body = {"rule": rule, "starts_at": starts_at.isoformat(), "time_zone": "Europe/Berlin"}
    return ok(await tenant.post(f"/v1/projects/{project['id']}/cadences", json=body), 201)


async def _raised_for(tenant: Tenant, cadence: Any) -> list[datetime]:
    return [
        at(event["starts_at"])
        for event in await events_of(tenant, "meeting.upcoming")
        if event.get("cadence_id") == cadence["id"]
    ]


async def _due(tenant: Tenant, now: datetime) -> set[str]:
    async with tenant.database.transaction() as session:
        due = await _due_cadences(session, moment_at(tenant.database.settings, now))
    return {str(cadence.id) for cadence in due}


async def test_an_occurrence_is_raised_when_the_window_reaches_it(tenant: Tenant) -> None:
    now = utcnow().replace(microsecond=0)
    first = now + timedelta(hours=5)
    cadence = await _cadence(tenant, first)

    await sweep(tenant.database, now)
    assert await _raised_for(tenant, cadence) == []
    # Looked at once: until the window reaches 5 hours from now, sweeps leave it alone.
    assert cadence["id"] not in await _due(tenant, now + timedelta(hours=1))
    assert cadence["id"] in await _due(tenant, first - timedelta(minutes=30))

    await sweep(tenant.database, first - timedelta(minutes=30))
    await sweep(tenant.database, first - timedelta(minutes=20))
    assert await _raised_for(tenant, cadence) == [first]
    tomorrow = first + timedelta(days=1)
    await sweep(tenant.database, tomorrow - timedelta(minutes=59))
    assert await _raised_for(tenant, cadence) == [first, tomorrow]


async def test_a_changed_cadence_is_looked_at_again_at_once(tenant: Tenant) -> None:
    now = utcnow().replace(microsecond=0)
    cadence = await _cadence(tenant, now + timedelta(days=3), rule="FREQ=WEEKLY")
    await sweep(tenant.database, now)
    assert cadence["id"] not in await _due(tenant, now)

    soon = now + timedelta(minutes=30)
    moved = {"starts_at": soon.isoformat()}
    ok(await tenant.patch(f"/v1/cadences/{cadence['id']}", json=moved))
    await sweep(tenant.database, now)
    assert await _raised_for(tenant, cadence) == [soon]


async def test_an_occurrence_whose_standing_meeting_is_deleted_is_raised_after_all(
    tenant: Tenant,
) -> None:
    """A meeting planned for an occurrence and moved out of the window keeps the occurrence
    silent; deleted before the occurrence starts, it gives the occurrence back to the cadence,
    and the next sweep raises it."""
    now = utcnow().replace(microsecond=0)
    first = now + timedelta(minutes=30)
    cadence = await _cadence(tenant, first, rule="FREQ=WEEKLY")
    standing = {
        "kind": "sync",
        "starts_at": (first + timedelta(hours=4)).isoformat(),  # moved to the afternoon
        "cadence_id": cadence["id"],
        "occurrence_starts_at": first.isoformat(),
    }
    url = f"/v1/projects/{cadence['project_id']}/meetings"
    meeting = ok(await tenant.post(url, json=standing), 201)
    await sweep(tenant.database, now)
    assert await _raised_for(tenant, cadence) == []

    ok(await tenant.delete(f"/v1/meetings/{meeting['id']}"), 204)
    await sweep(tenant.database, now + timedelta(minutes=5))
    assert await _raised_for(tenant, cadence) == [first]
    # Once the occurrence has passed, the cadence is left alone until the next one nears.
    assert cadence["id"] not in await _due(tenant, first + timedelta(minutes=1))


async def test_a_cadence_that_ends_is_left_alone_after_its_last_occurrence(
    tenant: Tenant,
) -> None:
    now = utcnow().replace(microsecond=0)
    first = now + timedelta(minutes=30)
    cadence = await _cadence(tenant, first, rule="FREQ=DAILY;COUNT=1")
    await sweep(tenant.database, now)
    assert await _raised_for(tenant, cadence) == [first]
    assert cadence["id"] not in await _due(tenant, now + timedelta(days=400))


async def test_a_cadence_deleted_during_a_round_is_not_noted_and_the_round_goes_on(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    if tenant.database.settings.is_sqlite:
        pytest.skip("SQLite writers take turns: the deletion waits for the round")
    now = utcnow().replace(microsecond=0)
    first = now + timedelta(minutes=30)
    kept, deleted = await _cadence(tenant, first), await _cadence(tenant, first)
    read_due_cadences = sweep_module._due_cadences

    async def due_then_deleted(session: AsyncSession, moment: Moment) -> list[MeetingCadence]:
        due = await read_due_cadences(session, moment)
        assert deleted["id"] in {str(cadence.id) for cadence in due}
        ok(await tenant.delete(f"/v1/cadences/{deleted['id']}"), 204)  # commits meanwhile
        return due

    monkeypatch.setattr(sweep_module, "_due_cadences", due_then_deleted)
    raised = await sweep(tenant.database, now)

    assert set(raised) == set(sweep_module.CONDITIONS)  # every condition ran
    assert await _raised_for(tenant, kept) == [first]
    assert await _raised_for(tenant, deleted) == []
    assert kept["id"] not in await _due(tenant, now)
