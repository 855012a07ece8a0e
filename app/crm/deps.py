"""Load a CRM connection of the caller's organization, or 404; the scopes of CRM connections."""

from typing import Annotated

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.path_rows import path_row
from app.crm.service import get_connection
from app.models import CrmConnection

CrmReader = Annotated[Caller, requires(Scope.crm_read)]
CrmWriter = Annotated[Caller, requires(Scope.crm_write)]

ReadableConnection = Annotated[
    CrmConnection, Depends(path_row(get_connection, "crm_connection_id", CrmReader))
]
WritableConnection = Annotated[
    CrmConnection, Depends(path_row(get_connection, "crm_connection_id", CrmWriter))
]
ConnectionToChange = Annotated[
    CrmConnection,
    Depends(path_row(get_connection, "crm_connection_id", CrmWriter, if_match=True)),
]
