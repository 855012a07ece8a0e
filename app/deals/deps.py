"""Load a deal of the caller's organization, or 404; the scopes of deals."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep
from app.deals import service
from app.models import Deal

DealsReader = Annotated[Caller, requires(Scope.deals_read)]
DealsWriter = Annotated[Caller, requires(Scope.deals_write)]


async def _readable(session: SessionDep, caller: DealsReader, deal_id: UUID) -> Deal:
    return await service.get_deal(session, caller, deal_id)


ReadableDeal = Annotated[Deal, Depends(_readable)]
