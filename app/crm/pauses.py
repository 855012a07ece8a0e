"""A CRM's "stop for now", heard by one process and kept for all of them.

A CRM's rate limit belongs to the account or the token, not to the process that met it: when
HubSpot answers one worker a 429, or Salesforce says the day's allowance is spent, every worker
and replica calling that connection's API must hold off until then. Memory cannot tell them, so
the pause is kept in `crm_api_pauses` (one row a connection, only ever moved later) and each
connection's calls (`CrmHttp`) read it before calling, at most once a `REREAD_SECONDS`.

Best effort: the pause is a courtesy to the CRM, so a database that cannot be read or written
at that moment is logged and the call goes on with what this process knows (a failed write must
not turn an answer the CRM gave, or its own "come back later", into an error). The moments are
each host's clock, like the leases'.
"""

from datetime import datetime, timedelta
from uuid import UUID

import structlog
from sqlalchemy import case
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from app.db import Database, upsert
from app.models import CrmApiPause
from app.models.base import utcnow

logger = structlog.get_logger("handover.crm")

REREAD_SECONDS = 1.0  # how stale a process's idea of another's pause may be
# A pause that moves the kept one by less is not written again (a HubSpot answer at 0 left
# this second would otherwise be one write a call).
MIN_MOVE = timedelta(milliseconds=500)


class SharedPause:
    """One connection's pause in the database, as one `CrmHttp` reads and extends it."""

    def __init__(self, database: Database, connection_id: UUID) -> None:
        self.database = database
        self.connection_id = connection_id
        self.known: datetime | None = None  # the latest resume we read or wrote

    async def read(self) -> datetime | None:
        """When calls may resume, if the kept pause has not passed (None as well when the
        database cannot tell)."""
        try:
            async with self.database.transaction(write=False) as session:
                resume_at = (
                    await session.exec(
                        select(CrmApiPause.resume_at).where(
                            col(CrmApiPause.connection_id) == self.connection_id
                        )
                    )
                ).first()
        except (SQLAlchemyError, OSError) as exc:
            logger.warning(
                "CRM API pause not read", connection=str(self.connection_id), error=str(exc)[:300]
            )
            return None
        self.known = resume_at
        return resume_at if resume_at is not None and resume_at > utcnow() else None

    async def extend(self, resume_at: datetime) -> None:
        """Keep `resume_at` for everyone, unless the kept pause already lasts about as long."""
        if self.known is not None and resume_at < self.known + MIN_MOVE:
            return
        try:
            await self._write(resume_at)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning(
                "CRM API pause not kept", connection=str(self.connection_id), error=str(exc)[:300]
            )
            return
        self.known = resume_at
        logger.info(
            "CRM API paused for every worker",
            connection=str(self.connection_id),
            until=resume_at.isoformat(),
        )

    async def _write(self, resume_at: datetime) -> None:
        async with self.database.transaction() as session:
            table = CrmApiPause.__table__  # type: ignore[attr-defined]
            statement = upsert(
                session, table, {"connection_id": self.connection_id, "resume_at": resume_at}
            )
            later = case(
                (table.c.resume_at < statement.excluded.resume_at, statement.excluded.resume_at),
                else_=table.c.resume_at,
            )
            await session.exec(
                statement.on_conflict_do_update(
                    index_elements=[table.c.connection_id], set_={"resume_at": later}
                )
            )
