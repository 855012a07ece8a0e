"""The app-wide dependencies a route asks for by type: the settings, the database, and the
request's one transaction. Domain `deps.py` modules build on these (loading a resource of the
caller's organization); nothing here knows a domain."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import READ_METHODS, Database
from app.settings import Settings


async def get_settings(request: Request) -> Settings:
    """A coroutine, as every dependency here: a plain function would run in the thread pool."""
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


class _AnsweredWithAnError(Exception):
    """The route answered an error itself: what the request wrote is undone, not committed."""


def roll_back(request: Request) -> None:
    """Undo what the request wrote although its route answers rather than raises: a route that
    turns an error into a response of its own (the share page's error pages) catches it before
    the request's transaction ends, which would otherwise commit a half-made write."""
    request.state.roll_back = True


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction, committed after the route has built its response.

    Used with `scope="function"`, so the commit happens before the response is sent: a client
    never sees a 201 for a change that failed to commit. Services flush, never commit.
    Callables in `request.state.after_rollback` run once the transaction has been rolled back
    (the Idempotency-Key claim is released that way); `roll_back` asks for that rollback.
    """
    database = get_database(request)
    request.state.after_rollback = []
    request.state.roll_back = False
    try:
        async with database.transaction(write=request.method not in READ_METHODS) as session:
            request.state.session = session
            yield session
            if request.state.roll_back:
                raise _AnsweredWithAnError
    except BaseException as exc:
        for hook in request.state.after_rollback:
            await hook()
        if not isinstance(exc, _AnsweredWithAnError):
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def _database(request: Request) -> Database:
    return get_database(request)


DatabaseDep = Annotated[Database, Depends(_database)]


SettingsDep = Annotated[Settings, Depends(get_settings)]
