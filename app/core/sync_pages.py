"""`sync_token` on a list: the page parameters of the lists PM tools sync (app/core/sync.py).

Without `sync_token` a list pages by id as every list does, and its cursor carries the snapshot
taken on its first page: the last page hands that snapshot out as `next_sync_token`, so what
changed while the client paged is in its next sync. With `sync_token`, a pass reads what changed
between the token and the snapshot taken on the pass's first page, in (position, id) order, with
this list's tombstones beside; its cursor carries that snapshot and where each of the two stopped.
"""

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, Query, Request, Response

from app.core import sync
from app.core.deps import SessionDep
from app.core.errors import FieldProblem, InvalidCursor, InvalidInput
from app.core.pagination import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    LimitQuery,
    PageParams,
    SelectT,
    next_url,
)

SyncPageT = TypeVar("SyncPageT", bound=sync.SyncPage[Any])

SYNC_PARAMETER_HELP = (
    "`next_sync_token` of this list's last page (same filters): only what changed since, "
    'deletions in `deleted`. See docs/api.md, "How to stay in sync".'
)


class SyncPageParams(PageParams):
    """`limit`, `cursor` and `sync_token`; one statement before the page when it begins a
    listing or a pass (the snapshot), one more for a pass of a list with deletions."""

    def __init__(
        self,
        request: Request,
        response: Response,
        limit: int,
        cursor: str | None,
        sync_token: str | None,
    ) -> None:
        super().__init__(request, response, limit, cursor)
        self.sync_token = sync_token
        self.since: str | None = None  # the token's snapshot: a pass, not a listing
        self.upper: str | None = None
        self._rows_after: list[Any] | None = None
        self._deleted_after: list[Any] | None = None
        self._deleted: Sequence[Any] = ()

    async def prepare(self, session: Any, list_name: str, *, deletions: bool) -> None:
        settings = self._request.app.state.settings
        self.check_token()
        self.begin(await sync.current_snapshot(session, settings) if self.cursor is None else None)
        if self.since is not None and self.upper is not None and deletions:
            caller = self._request.state.caller
            project_id = self._request.path_params.get("project_id")
            scope = (caller.organization_id, list_name, project_id and UUID(project_id))
            self._deleted = await sync.tombstones(
                session,
                settings,
                scope,
                self.since,
                self.upper,
                self._deleted_after,
                self.limit + 1,
            )

    def check_token(self) -> None:
        """A pass's `since`, the token's snapshot, once the caller is known: 400 if the token
        was not issued for this list and these filters, 410 when tombstones it needs may be gone."""
        if self.sync_token is None:
            return
        settings = self._request.app.state.settings
        caller = self._request.state.caller  # the route's caller is resolved before its page
        self.since = sync.read_token(
            self._request, settings, caller.organization_id, self.sync_token
        )

    def begin(self, snapshot: str | None) -> None:
        """Where the page stands: the snapshot it reads within (`snapshot`, taken now, on a first
        page; the one its cursor carries after) and, in a pass, where the last page stopped
        (400 for a cursor not issued for this list, or of a listing in a pass)."""
        snapshot = snapshot and sync.kept_short(snapshot)
        if self.since is None:
            self.upper = snapshot if self.cursor is None else self.verified().get("upper")
            if self.upper is not None:
                self.carried = {"upper": self.upper}
            return
        if self.cursor is None:
            self.upper = snapshot
            return
        content = self.verified()
        if "rows" not in content:
            raise InvalidCursor("The cursor belongs to a listing, not to this sync.")
        self.upper = str(content["upper"])
        self._rows_after, self._deleted_after = content["rows"], content["deleted"]

    def without_sync(self, reason: str) -> None:
        """For a page that cannot be part of a sync (a search): no token is issued, and one
        given is a 422."""
        if self.since is not None:
            raise InvalidInput(
                reason,
                errors=[
                    FieldProblem(loc=["query", "sync_token"], message=reason, type="not_syncable")
                ],
            )
        self.upper = None

    def keyset(self, statement: SelectT, id_column: Any) -> SelectT:
        if self.since is None or self.upper is None:
            return super().keyset(statement, id_column)
        position = id_column.class_.__table__.c.change_position
        sqlite = self._request.app.state.settings.is_sqlite
        return (
            statement.where(
                sync.changed_between(position, self.since, self.upper, sqlite=sqlite),
                sync.after_key(position, id_column, self._rows_after),
            )
            .order_by(position, id_column)
            .limit(self.limit + 1)
        )

    def page(  # type: ignore[override]
        self, rows: Sequence[Any], page_model: type[SyncPageT], *, read: Sequence[Any] = ()
    ) -> SyncPageT:
        """The page; `read` are the rows as the statement read them when `rows` are their
        presentation (a pass's cursor needs their positions)."""
        shown = rows[: self.limit]
        keyed = (read or rows)[: self.limit]
        deleted: list[dict[str, Any]] = []
        if self.since is None:
            next_cursor = self.continue_after(
                rows[self.limit - 1].id if len(rows) > self.limit else None
            )
        else:
            dead = self._deleted[: self.limit]
            deleted = [{"id": row.row_id, "version": row.version} for row in dead]
            more = len(rows) > self.limit or len(self._deleted) > self.limit
            next_cursor = self.continue_pass(
                _last_key(keyed, "id"), _last_key(dead, "row_id"), more=more
            )
        token = self.next_token(next_cursor)
        return page_model.model_validate(
            {
                "items": shown,
                "next_cursor": next_cursor,
                "deleted": deleted,
                "next_sync_token": token,
            },
            from_attributes=True,
        )

    def continue_pass(
        self, last_row: list[Any] | None, last_deleted: list[Any] | None, *, more: bool
    ) -> str | None:
        """A pass's next cursor, after the (position, id) of this page's last row and last
        tombstone, written as `Link: rel="next"` too; None on the pass's last page."""
        if not more:
            return None
        next_cursor = self.sign(
            {
                "upper": self.upper,
                "rows": last_row or self._rows_after,
                "deleted": last_deleted or self._deleted_after,
            }
        )
        self._response.headers["Link"] = (
            f'<{next_url(self._request.url, next_cursor, self.limit)}>; rel="next"'
        )
        return next_cursor

    def next_token(self, next_cursor: str | None) -> str | None:
        """On the last page of a listing or a pass, the token of the snapshot it read within."""
        if next_cursor is not None or self.upper is None:
            return None
        settings, caller = self._request.app.state.settings, self._request.state.caller
        return sync.issue_token(self._request, settings, caller.organization_id, self.upper)


def _last_key(rows: Sequence[Any], id_name: str) -> list[Any] | None:
    if not rows:
        return None
    return [rows[-1].change_position, str(getattr(rows[-1], id_name))]


def sync_pages(list_name: str, *, deletions: bool = False) -> Any:
    """The page parameters of a list PM tools sync, for `Annotated[SyncPageParams, …]`:
    `list_name` is its table, `deletions` whether rows leave it (tombstones)."""

    async def _sync_page_params(
        request: Request,
        response: Response,
        session: SessionDep,
        limit: LimitQuery = DEFAULT_PAGE_SIZE,
        cursor: CursorQuery = None,
        sync_token: Annotated[
            str | None,
            Query(
                max_length=sync.SYNC_TOKEN_MAX,
                pattern=sync.SIGNED_PATTERN,
                description=SYNC_PARAMETER_HELP,
            ),
        ] = None,
    ) -> SyncPageParams:
        page = SyncPageParams(request, response, limit, cursor, sync_token)
        await page.prepare(session, list_name, deletions=deletions)
        return page

    return Depends(_sync_page_params)
