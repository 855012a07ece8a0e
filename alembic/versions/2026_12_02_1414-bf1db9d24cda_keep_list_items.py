"""keep list items: each project's change-list JSON kept by PostgreSQL in its row, written by
a trigger before every insert and update (app/fastpath/list_item.py)

Revision ID: bf1db9d24cda
Revises: 8b3d8a0a5ce1
Create Date: 2026-12-02 14:14:47.152442
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'bf1db9d24cda'
down_revision: str | None = '8b3d8a0a5ce1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The item as app/fastpath/list_item.py `item_sql("NEW")` wrote it when this migration was made:
# migrations never import the app, so a later change of `ProjectPublic` re-creates the function.
ITEM = """('{"id":' || ('"' || (NEW.id)::text || '"') || ',"name":' || to_json((NEW.name)::text)::text || ',"description":' || coalesce(to_json((NEW.description)::text)::text, 'null') || ',"customer_id":' || ('"' || (NEW.customer_id)::text || '"') || ',"sales_owner_id":' || coalesce(('"' || (NEW.sales_owner_id)::text || '"'), 'null') || ',"project_manager_id":' || coalesce(('"' || (NEW.project_manager_id)::text || '"'), 'null') || ',"phase":' || ('"' || (NEW.phase)::text || '"') || ',"health":' || ('"' || (NEW.health)::text || '"') || ',"health_override":' || coalesce(('"' || (NEW.health_override)::text || '"'), 'null') || ',"health_override_reason":' || coalesce(to_json((NEW.health_override_reason)::text)::text, 'null') || ',"customer_acceptance_date":' || coalesce(('"' || to_char(NEW.customer_acceptance_date, 'YYYY-MM-DD') || '"'), 'null') || ',"start_date":' || coalesce(('"' || to_char(NEW.start_date, 'YYYY-MM-DD') || '"'), 'null') || ',"target_end_date":' || coalesce(('"' || to_char(NEW.target_end_date, 'YYYY-MM-DD') || '"'), 'null') || ',"budget":' || CASE WHEN NEW.budget_amount IS NULL THEN 'null' ELSE '{"amount":"' || round(NEW.budget_amount, 2)::text || '","currency":' || to_json(NEW.budget_currency::text)::text || '}' END || ',"archived_at":' || coalesce(('"' || replace(to_char(NEW.archived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"'), 'null') || ',"version":' || (NEW.version)::text || ',"created_at":' || ('"' || replace(to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"') || ',"updated_at":' || ('"' || replace(to_char(NEW.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"') || '}')"""

FUNCTION = f"""
CREATE OR REPLACE FUNCTION handover_project_list_item() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.list_item_json := {ITEM};
    RETURN NEW;
END
$$
"""

TRIGGER = """
CREATE TRIGGER projects_list_item BEFORE INSERT OR UPDATE ON projects
FOR EACH ROW EXECUTE FUNCTION handover_project_list_item()
"""


def upgrade() -> None:
    op.add_column("projects", sa.Column("list_item_json", sa.Text(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's change list is the route's: the column stays empty there
    op.execute(FUNCTION)
    op.execute(TRIGGER)
    op.execute("UPDATE projects SET list_item_json = NULL")  # the trigger writes each item


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER projects_list_item ON projects")
        op.execute("DROP FUNCTION handover_project_list_item()")
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("list_item_json")
