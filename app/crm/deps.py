"""Load a CRM connection of the caller's organization, or 404; the scopes of CRM connections."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep
from app.crm import service
from app.models import CrmConnection

CrmReader = Annotated[Caller, requires(Scope.crm_read)]
CrmWriter = Annotated[Caller, requires(Scope.crm_write)]


async def _readable(
    session: SessionDep, caller: CrmReader, crm_connection_id: UUID
) -> CrmConnection:
    return await service.get_connection(session, caller, crm_connection_id)


async def _writable(
    session: SessionDep, caller: CrmWriter, crm_connection_id: UUID
) -> CrmConnection:
    return await service.get_connection(session, caller, crm_connection_id)


ReadableConnection = Annotated[CrmConnection, Depends(_readable)]
WritableConnection = Annotated[CrmConnection, Depends(_writable)]
