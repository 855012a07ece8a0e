"""Each crossing raises its event once: a unique key, claimed by insert-or-nothing.

The sweep and the write paths (a milestone set to `missed` by hand) claim the same key, so a
crossing raises one event whoever sees it first, whatever the number of workers.
"""

from datetime import date, datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import insert_or_ignore
from app.models import ClockCrossing
from app.models.base import new_id, utcnow


def crossing_key(moment: date | datetime) -> str:
    """The crossed moment as text: a date (`2027-01-15`) or a UTC instant."""
    return moment.isoformat()


async def claim_crossing(
    session: AsyncSession,
    *,
    organization_id: UUID,
    aggregate_id: UUID,
    event_type: str,
    moment: date | datetime,
) -> bool:
    """True when this transaction is the first to claim the crossing (it records the event);
    false when someone already has. Concurrent claimers wait for each other on the key."""
    inserted = await session.exec(
        insert_or_ignore(session, ClockCrossing.__table__).values(  # type: ignore[attr-defined]
            id=new_id(),
            organization_id=organization_id,
            aggregate_id=aggregate_id,
            event_type=event_type,
            crossing=crossing_key(moment),
            raised_at=utcnow(),
        )
    )
    return bool(inserted.rowcount == 1)
