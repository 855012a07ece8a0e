"""A project as the change list shows it (`ProjectPublic` JSON), kept by PostgreSQL itself.

PM tools page through `GET /v1/projects?updated_since=…` all day, and writing each project's
JSON on every page was most of PostgreSQL's work for it. So the database keeps each project's item
in `projects.list_item_json`: a trigger (`handover_project_list_item`, made by the migration
`keep_list_items`) writes it from the row before every insert and update, in the same statement,
so no write path can leave it behind and every replica reads the same text. The lean change list
(app/fastpath/changes.py) reads it, and builds the item in its statement for a row the trigger
never wrote (`kept_item_sql`), so a missing item costs time, never a project left off a page.

The ORM does not map the column (alembic/env.py leaves it out of the comparison): nothing in
Python reads or writes it. When `ProjectPublic` changes, a migration re-creates the function with
`item_sql("NEW")`; tests/fastpath/test_change_polls.py fails until it does.
"""

from app.fastpath.sql_json import object_sql
from app.projects.schemas import ProjectPublic

COLUMN = "list_item_json"


def _money(table: str, prefix: str) -> str:
    """A `Money` object from two columns, its amount a string with two places."""
    return (
        f"CASE WHEN {table}.{prefix}_amount IS NULL THEN 'null' ELSE "
        f'\'{{"amount":"\' || round({table}.{prefix}_amount, 2)::text || \'","currency":\' || '
        f"to_json({table}.{prefix}_currency::text)::text || '}}' END"
    )


def item_sql(table: str) -> str:
    """The SQL of the item's JSON from the project row `table` (app/fastpath/sql_json.py)."""
    return object_sql(
        ProjectPublic,
        table,
        {"budget": _money(table, "budget"), "deal_value": _money(table, "deal")},
    )


def kept_item_sql(table: str) -> str:
    """The kept item, or the item written afresh for a row that has none."""
    return f"coalesce({table}.{COLUMN}, {item_sql(table)})"
