"""sync tokens: a change position on every synced list, written by triggers, and tombstones of
deleted rows (app/core/sync.py)

Revision ID: 7a0f0e6628e1
Revises: cb2c2767195e
Create Date: 2026-12-06 02:35:22.544516
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7a0f0e6628e1'
down_revision: str | None = 'cb2c2767195e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The lists PM tools sync: their rows get `change_position` from the triggers below.
SYNCED = (
    "projects",
    "milestones",
    "risks",
    "activities",
    "allocations",
    "action_items",
    "lessons",
    "deals",
    "crm_connections",
    "feedback",
    "customers",
    "members",
    "webhook_endpoints",
    "project_templates",
    "events",
)
# Events are never deleted; every other list's deletions leave a tombstone.
WITH_DELETIONS = tuple(name for name in SYNCED if name != "events")

# PostgreSQL: the writing transaction's id; a snapshot tells which of them a token has seen.
PG_POSITION = """
CREATE FUNCTION handover_change_position() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_position := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$
"""
PG_TOMBSTONE = """
CREATE FUNCTION handover_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deleted_rows
        (list_name, row_id, organization_id, project_id, version, change_position, deleted_at)
    VALUES (
        TG_TABLE_NAME, OLD.id, OLD.organization_id, (to_jsonb(OLD) ->> 'project_id')::uuid,
        (to_jsonb(OLD) ->> 'version')::integer, pg_current_xact_id()::text::bigint, now()
    )
    ON CONFLICT (list_name, row_id) DO UPDATE SET
        version = excluded.version,
        change_position = excluded.change_position,
        deleted_at = excluded.deleted_at;
    RETURN OLD;
END
$$
"""

# SQLite: writers are serialised, so a counter bumped by each write is in commit order.
SQLITE_BUMP = "UPDATE sync_counter SET position = position + 1;"
SQLITE_INSERT = """
CREATE TRIGGER {table}_change_position_insert AFTER INSERT ON {table} BEGIN
    {bump}
    UPDATE {table} SET change_position = (SELECT position FROM sync_counter) WHERE id = NEW.id;
END
"""
SQLITE_UPDATE = """
CREATE TRIGGER {table}_change_position_update AFTER UPDATE ON {table}
WHEN NEW.change_position IS OLD.change_position BEGIN
    {bump}
    UPDATE {table} SET change_position = (SELECT position FROM sync_counter) WHERE id = NEW.id;
END
"""
SQLITE_DELETE = """
CREATE TRIGGER {table}_tombstone AFTER DELETE ON {table} BEGIN
    {bump}
    INSERT OR REPLACE INTO deleted_rows
        (list_name, row_id, organization_id, project_id, version, change_position, deleted_at)
    VALUES ('{table}', OLD.id, OLD.organization_id, {project_id}, OLD.version,
            (SELECT position FROM sync_counter), strftime('%Y-%m-%d %H:%M:%f', 'now'));
END
"""
NO_PROJECT = ("projects", "crm_connections", "customers", "members", "webhook_endpoints",
              "project_templates")


def _index(table: str) -> str:
    return f"ix_{table}_change_position"


def upgrade() -> None:
    op.create_table(
        "deleted_rows",
        sa.Column("list_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("change_position", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("list_name", "row_id", name=op.f("pk_deleted_rows")),
    )
    with op.batch_alter_table("deleted_rows") as batch_op:
        batch_op.create_index(batch_op.f("ix_deleted_rows_deleted_at"), ["deleted_at"])
        batch_op.create_index(
            batch_op.f("ix_deleted_rows_organization_id_list_name_change_position"),
            ["organization_id", "list_name", "change_position"],
        )
    for table in SYNCED:
        op.add_column(table, sa.Column("change_position", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_POSITION)
        op.execute(PG_TOMBSTONE)
        for table in SYNCED:
            op.execute(
                f"CREATE TRIGGER {table}_change_position BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION handover_change_position()"
            )
            op.execute(f"UPDATE {table} SET change_position = 0")  # the trigger writes it
        for table in WITH_DELETIONS:
            op.execute(
                f"CREATE TRIGGER {table}_tombstone AFTER DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION handover_tombstone()"
            )
    else:
        op.execute("CREATE TABLE sync_counter (position INTEGER NOT NULL)")
        op.execute("INSERT INTO sync_counter (position) VALUES (0)")
        for table in SYNCED:
            op.execute(f"UPDATE {table} SET change_position = 0")  # before any token
            op.execute(SQLITE_INSERT.format(table=table, bump=SQLITE_BUMP))
            op.execute(SQLITE_UPDATE.format(table=table, bump=SQLITE_BUMP))
        for table in WITH_DELETIONS:
            project_id = "NULL" if table in NO_PROJECT else "OLD.project_id"
            op.execute(SQLITE_DELETE.format(table=table, bump=SQLITE_BUMP, project_id=project_id))
    for table in SYNCED:
        op.create_index(_index(table), table, ["organization_id", "change_position"])


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in SYNCED:
        op.drop_index(_index(table), table_name=table)
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_change_position ON {table}")
        else:
            op.execute(f"DROP TRIGGER {table}_change_position_insert")
            op.execute(f"DROP TRIGGER {table}_change_position_update")
    for table in WITH_DELETIONS:
        op.execute(f"DROP TRIGGER {table}_tombstone" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION handover_change_position()")
        op.execute("DROP FUNCTION handover_tombstone()")
    else:
        op.execute("DROP TABLE sync_counter")
    for table in SYNCED:  # in place: SQLite's batch copy would drop the tables' other triggers
        op.execute(f"ALTER TABLE {table} DROP COLUMN change_position")
    op.drop_table("deleted_rows")
