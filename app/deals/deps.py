"""Load a deal of the caller's organization, or 404; the scopes of deals."""

from typing import Annotated

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.path_rows import path_row
from app.deals.service import get_deal
from app.models import Deal

DealsReader = Annotated[Caller, requires(Scope.deals_read)]
DealsWriter = Annotated[Caller, requires(Scope.deals_write)]

ReadableDeal = Annotated[Deal, Depends(path_row(get_deal, "deal_id", DealsReader))]
