"""The change list's two statements, each one row beside the key's columns: a listing's page
and a sync pass's first page, with the snapshot the statement read in.

One row, not one per project, since decoding every row's columns cost the process as much as
the page's JSON: the items' JSON joined (one more than the page), and what the page's cursor
needs. Both run on the pool that plans each call for its arguments (app/fastpath/pools.py).
"""

from app.fastpath.list_item import kept_item_sql
from app.fastpath.steps import KEY_COLUMNS
from app.projects.schemas import ProjectPublic

# Each project of the page as `ProjectPublic` JSON, as PostgreSQL keeps it in the project's row
# (app/fastpath/list_item.py). Items are joined with commas, each beginning with its first
# field's name: inside a JSON string a quote is escaped, so this text is found only where an item
# begins.
ITEM_BOUNDARY = ',{"' + next(iter(ProjectPublic.model_fields)) + '":'
_ITEM = kept_item_sql("p")

# The route's listing (app/projects/service.py `list_projects` with `page.keyset`): the
# organization's projects not archived, changed at or after $2, after the cursor's id $3, in id
# order, $4 of them (one more than the page), on the indexes of the organization's projects by
# id and by their last change (app/models/project.py).
LISTING = f"""
SELECT {KEY_COLUMNS}, page.items, page.last_id, page.found, pg_current_snapshot()::text AS snapshot
FROM api_keys AS k
LEFT JOIN LATERAL (
    SELECT string_agg(item, ',' ORDER BY id) AS items,
           (array_agg(id ORDER BY id))[$4 - 1] AS last_id,
           count(*) AS found
    FROM (
        SELECT p.id, {_ITEM} AS item
        FROM projects AS p
        WHERE p.organization_id = k.organization_id AND p.archived_at IS NULL
          AND ($2::timestamptz IS NULL OR p.updated_at >= $2)
          AND ($3::uuid IS NULL OR p.id > $3)
        ORDER BY p.id
        LIMIT $4
    ) AS listed
) AS page ON true
WHERE k.key_hash = $1
"""  # noqa: S608 (column names, no input)


def _changed(table: str) -> str:
    """Written after the token's snapshot $2 (every id below $3 was visible in it) and within
    the statement's own: app/core/sync.py `changed_between`."""
    position = f"{table}.change_position::text::xid8"
    return (
        f"{table}.change_position >= $3"
        f" AND NOT pg_visible_in_snapshot({position}, $2::text::pg_snapshot)"
        f" AND pg_visible_in_snapshot({position}, pg_current_snapshot())"
    )


# The route's pass (`list_projects` with `SyncPageParams.keyset` and `sync.tombstones`): the
# organization's projects not archived that changed in the pass, in (position, id) order, and
# the list's tombstones of the pass beside them, $4 of each (one more than the page).
PASS = f"""
SELECT {KEY_COLUMNS}, page.items, page.found, page.last_position, page.last_id,
       dead.ids AS dead_ids, dead.versions AS dead_versions, dead.positions AS dead_positions,
       pg_current_snapshot()::text AS snapshot
FROM api_keys AS k
LEFT JOIN LATERAL (
    SELECT string_agg(item, ',' ORDER BY change_position, id) AS items,
           count(*) AS found,
           (array_agg(change_position ORDER BY change_position, id))[least(count(*), $4 - 1)]
               AS last_position,
           (array_agg(id ORDER BY change_position, id))[least(count(*), $4 - 1)] AS last_id
    FROM (
        SELECT p.id, p.change_position, {_ITEM} AS item
        FROM projects AS p
        WHERE p.organization_id = k.organization_id AND p.archived_at IS NULL
          AND {_changed("p")}
        ORDER BY p.change_position, p.id
        LIMIT $4
    ) AS changed
) AS page ON true
LEFT JOIN LATERAL (
    SELECT array_agg(row_id ORDER BY change_position, row_id) AS ids,
           array_agg(version ORDER BY change_position, row_id) AS versions,
           array_agg(change_position ORDER BY change_position, row_id) AS positions
    FROM (
        SELECT d.row_id, d.version, d.change_position
        FROM deleted_rows AS d
        WHERE d.organization_id = k.organization_id AND d.list_name = 'projects'
          AND {_changed("d")}
        ORDER BY d.change_position, d.row_id
        LIMIT $4
    ) AS gone
) AS dead ON true
WHERE k.key_hash = $1
"""  # noqa: S608 (column names, no input)


def page_items(items: str | None, more: bool) -> str:
    """The page's items' JSON, without the one beyond the page when there is `more`."""
    joined = items or ""
    if more:  # the project beyond the page is the last item
        joined = joined[: joined.rindex(ITEM_BOUNDARY)]
    return joined
