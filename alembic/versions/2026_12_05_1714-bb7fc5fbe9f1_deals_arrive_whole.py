"""deals arrive whole: CRM API access per connection, kept requests planned by the worker
(received → planned/failed), syncs with a cursor, deals lost, customers' contacts, and the
project's CRM fields in its change-list item

Revision ID: bb7fc5fbe9f1
Revises: 481be2309e61
Create Date: 2026-12-05 17:14:08.468074
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'bb7fc5fbe9f1'
down_revision: str | None = '481be2309e61'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The item as app/fastpath/list_item.py `item_sql("NEW")` wrote it when this migration was made
# (migrations never import the app): `ProjectPublic` gained crm_incomplete, deal_value,
# deal_lost_at and unmatched_sales_owner_email.
ITEM = """('{"id":' || ('"' || (NEW.id)::text || '"') || ',"name":' || to_json((NEW.name)::text)::text || ',"description":' || coalesce(to_json((NEW.description)::text)::text, 'null') || ',"customer_id":' || ('"' || (NEW.customer_id)::text || '"') || ',"sales_owner_id":' || coalesce(('"' || (NEW.sales_owner_id)::text || '"'), 'null') || ',"project_manager_id":' || coalesce(('"' || (NEW.project_manager_id)::text || '"'), 'null') || ',"phase":' || ('"' || (NEW.phase)::text || '"') || ',"health":' || ('"' || (NEW.health)::text || '"') || ',"health_override":' || coalesce(('"' || (NEW.health_override)::text || '"'), 'null') || ',"health_override_reason":' || coalesce(to_json((NEW.health_override_reason)::text)::text, 'null') || ',"customer_acceptance_date":' || coalesce(('"' || to_char(NEW.customer_acceptance_date, 'YYYY-MM-DD') || '"'), 'null') || ',"start_date":' || coalesce(('"' || to_char(NEW.start_date, 'YYYY-MM-DD') || '"'), 'null') || ',"target_end_date":' || coalesce(('"' || to_char(NEW.target_end_date, 'YYYY-MM-DD') || '"'), 'null') || ',"budget":' || CASE WHEN NEW.budget_amount IS NULL THEN 'null' ELSE '{"amount":"' || round(NEW.budget_amount, 2)::text || '","currency":' || to_json(NEW.budget_currency::text)::text || '}' END || ',"archived_at":' || coalesce(('"' || replace(to_char(NEW.archived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"'), 'null') || ',"crm_incomplete":' || (CASE WHEN NEW.crm_incomplete THEN 'true' ELSE 'false' END) || ',"deal_value":' || CASE WHEN NEW.deal_amount IS NULL THEN 'null' ELSE '{"amount":"' || round(NEW.deal_amount, 2)::text || '","currency":' || to_json(NEW.deal_currency::text)::text || '}' END || ',"deal_lost_at":' || coalesce(('"' || replace(to_char(NEW.deal_lost_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"'), 'null') || ',"unmatched_sales_owner_email":' || coalesce(to_json((NEW.unmatched_sales_owner_email)::text)::text, 'null') || ',"version":' || (NEW.version)::text || ',"created_at":' || ('"' || replace(to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"') || ',"updated_at":' || ('"' || replace(to_char(NEW.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"') || '}')"""

# The item before this migration (bf1db9d24cda's), restored by the downgrade.
PREVIOUS_ITEM = """('{"id":' || ('"' || (NEW.id)::text || '"') || ',"name":' || to_json((NEW.name)::text)::text || ',"description":' || coalesce(to_json((NEW.description)::text)::text, 'null') || ',"customer_id":' || ('"' || (NEW.customer_id)::text || '"') || ',"sales_owner_id":' || coalesce(('"' || (NEW.sales_owner_id)::text || '"'), 'null') || ',"project_manager_id":' || coalesce(('"' || (NEW.project_manager_id)::text || '"'), 'null') || ',"phase":' || ('"' || (NEW.phase)::text || '"') || ',"health":' || ('"' || (NEW.health)::text || '"') || ',"health_override":' || coalesce(('"' || (NEW.health_override)::text || '"'), 'null') || ',"health_override_reason":' || coalesce(to_json((NEW.health_override_reason)::text)::text, 'null') || ',"customer_acceptance_date":' || coalesce(('"' || to_char(NEW.customer_acceptance_date, 'YYYY-MM-DD') || '"'), 'null') || ',"start_date":' || coalesce(('"' || to_char(NEW.start_date, 'YYYY-MM-DD') || '"'), 'null') || ',"target_end_date":' || coalesce(('"' || to_char(NEW.target_end_date, 'YYYY-MM-DD') || '"'), 'null') || ',"budget":' || CASE WHEN NEW.budget_amount IS NULL THEN 'null' ELSE '{"amount":"' || round(NEW.budget_amount, 2)::text || '","currency":' || to_json(NEW.budget_currency::text)::text || '}' END || ',"archived_at":' || coalesce(('"' || replace(to_char(NEW.archived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"'), 'null') || ',"version":' || (NEW.version)::text || ',"created_at":' || ('"' || replace(to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"') || ',"updated_at":' || ('"' || replace(to_char(NEW.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"') || '}')"""

FUNCTION = """
CREATE OR REPLACE FUNCTION handover_project_list_item() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.list_item_json := {item};
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table('crm_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_token_encrypted', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('api_base_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('company_domain', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('sync_cursor', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_sync_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_sync_error', sa.String(length=2000), nullable=True))

    with op.batch_alter_table('crm_inbound_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('kind', sa.Enum('push', 'sync', name='inboundkind', native_enum=False, length=32), nullable=False, server_default='push'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('planned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_crm_inbound_requests_outcome_next_attempt_at'), ['outcome', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contacts', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lost_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handed_over', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crm_incomplete', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('deal_amount', sa.Numeric(precision=16, scale=2).with_variant(sa.BigInteger(), "sqlite"), nullable=True))
        batch_op.add_column(sa.Column('deal_currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('deal_lost_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('unmatched_sales_owner_email', sa.String(length=320), nullable=True))

    # the server defaults only filled the rows that exist: new rows get their values from the app
    for table, column in (
        ('crm_inbound_requests', 'project_ids'),
        ('crm_inbound_requests', 'kind'),
        ('crm_inbound_requests', 'attempts'),
        ('customers', 'contacts'),
        ('deals', 'handed_over'),
        ('projects', 'crm_incomplete'),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, server_default=None)
    # what was planned in the request is what the worker now marks `planned`
    op.execute("UPDATE crm_inbound_requests SET outcome = 'planned' WHERE outcome = 'processed'")
    # a deal's project carries the deal's amount beside its budget
    op.execute(
        "UPDATE projects SET deal_amount = (SELECT amount FROM deals WHERE deals.project_id = projects.id), "
        "deal_currency = (SELECT currency FROM deals WHERE deals.project_id = projects.id) "
        "WHERE EXISTS (SELECT 1 FROM deals WHERE deals.project_id = projects.id)"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION.format(item=ITEM))
        op.execute("UPDATE projects SET list_item_json = NULL")  # the trigger writes each item



def downgrade() -> None:
    op.execute("UPDATE crm_inbound_requests SET outcome = 'processed' WHERE outcome = 'planned'")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION.format(item=PREVIOUS_ITEM))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('unmatched_sales_owner_email')
        batch_op.drop_column('deal_lost_at')
        batch_op.drop_column('deal_currency')
        batch_op.drop_column('deal_amount')
        batch_op.drop_column('crm_incomplete')

    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_column('handed_over')
        batch_op.drop_column('lost_at')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('contacts')

    with op.batch_alter_table('crm_inbound_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_inbound_requests_outcome_next_attempt_at'))
        batch_op.drop_column('planned_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('kind')
        batch_op.drop_column('project_ids')

    with op.batch_alter_table('crm_connections', schema=None) as batch_op:
        batch_op.drop_column('last_sync_error')
        batch_op.drop_column('last_synced_at')
        batch_op.drop_column('next_sync_at')
        batch_op.drop_column('sync_cursor')
        batch_op.drop_column('company_domain')
        batch_op.drop_column('api_base_url')
        batch_op.drop_column('api_token_encrypted')

