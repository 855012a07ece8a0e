"""What the API shows of write-backs, and a failed one sent again."""

from collections.abc import Sequence
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import Conflict, NotFound
from app.core.filters import where_given
from app.core.pagination import PageParams
from app.models import CrmConnection, CrmWriteback, WritebackStatus
from app.models.base import utcnow


class WritebackNotFound(NotFound):
    subject = "write-back"


class WritebackNotFailed(Conflict):
    slug = "writeback-not-failed"
    title = "Write-back Not Failed"


async def list_writebacks(
    session: AsyncSession,
    connection: CrmConnection,
    page: PageParams,
    status: WritebackStatus | None,
) -> Sequence[CrmWriteback]:
    statement = select(CrmWriteback).where(
        CrmWriteback.organization_id == connection.organization_id,
        CrmWriteback.connection_id == connection.id,
    )
    statement = where_given(statement, {CrmWriteback.status: status})
    return (await session.exec(page.keyset(statement, CrmWriteback.id))).all()


async def retry_writeback(
    session: AsyncSession, connection: CrmConnection, writeback_id: UUID
) -> CrmWriteback:
    """A failed write-back is pending again, due now, with a fresh set of attempts (409 for
    any other). A fields write-back sends the deal's state as it is then."""
    writeback = await session.get(CrmWriteback, writeback_id)
    if (
        writeback is None
        or writeback.organization_id != connection.organization_id
        or writeback.connection_id != connection.id
    ):
        raise WritebackNotFound(f"No write-back {writeback_id} on this connection.")
    if writeback.status is not WritebackStatus.failed:
        raise WritebackNotFailed(
            f"Only a failed write-back is retried; this one is {writeback.status}."
        )
    writeback.status = WritebackStatus.pending
    writeback.attempt_count = 0
    writeback.next_attempt_at = utcnow()
    writeback.lease_until = None
    await session.flush()
    return writeback
