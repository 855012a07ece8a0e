"""crm intake: project templates, CRM connections, deals (one per CRM record), raw inbound
requests and delivery claims

Revision ID: 026364763464
Revises: 9a2f75671831
Create Date: 2026-11-23 14:13:15.971088
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '026364763464'
down_revision: str | None = '9a2f75671831'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('project_templates',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('kickoff_within_business_days', sa.Integer(), nullable=False),
    sa.Column('milestones', sa.JSON(), nullable=False),
    sa.Column('activities', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_project_templates_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_templates')),
    sa.UniqueConstraint('organization_id', 'name', name=op.f('uq_project_templates_organization_id_name'))
    )
    with op.batch_alter_table('project_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_templates_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_templates_updated_at'), ['updated_at'], unique=False)

    op.create_table('crm_connections',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sa.Enum('hubspot', 'salesforce', 'pipedrive', 'generic', name='crmsource', native_enum=False, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('won_stages', sa.JSON(), nullable=False),
    sa.Column('project_template_id', sa.Uuid(), nullable=True),
    sa.Column('default_project_manager_id', sa.Uuid(), nullable=False),
    sa.Column('secret_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('previous_secret_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('previous_secret_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('basic_auth_username', sa.String(length=200), nullable=True),
    sa.Column('salesforce_organization_id', sa.String(length=18), nullable=True),
    sa.ForeignKeyConstraint(['default_project_manager_id'], ['members.id'], name=op.f('fk_crm_connections_default_project_manager_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_crm_connections_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_template_id'], ['project_templates.id'], name=op.f('fk_crm_connections_project_template_id_project_templates'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_connections'))
    )
    with op.batch_alter_table('crm_connections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_connections_default_project_manager_id'), ['default_project_manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_connections_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_connections_project_template_id'), ['project_template_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_connections_updated_at'), ['updated_at'], unique=False)

    op.create_table('crm_delivery_claims',
    sa.Column('connection_id', sa.Uuid(), nullable=False),
    sa.Column('delivery_key', sa.String(length=200), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connections.id'], name=op.f('fk_crm_delivery_claims_connection_id_crm_connections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('connection_id', 'delivery_key', name=op.f('pk_crm_delivery_claims'))
    )
    with op.batch_alter_table('crm_delivery_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_delivery_claims_claimed_at'), ['claimed_at'], unique=False)

    op.create_table('crm_inbound_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('connection_id', sa.Uuid(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivery_key', sa.String(length=200), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('outcome', sa.Enum('rejected', 'malformed', 'duplicate', 'ignored', 'processed', name='inboundoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('detail', sa.String(length=2000), nullable=True),
    sa.Column('deal_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connections.id'], name=op.f('fk_crm_inbound_requests_connection_id_crm_connections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_crm_inbound_requests_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_inbound_requests'))
    )
    with op.batch_alter_table('crm_inbound_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_inbound_requests_connection_id_id'), ['connection_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_inbound_requests_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_inbound_requests_received_at'), ['received_at'], unique=False)

    op.create_table('deals',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.Enum('hubspot', 'salesforce', 'pipedrive', 'generic', name='crmsource', native_enum=False, length=32), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('connection_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2).with_variant(sa.BigInteger(), "sqlite"), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('stage', sa.String(length=200), nullable=True),
    sa.Column('close_date', sa.Date(), nullable=True),
    sa.Column('sales_owner_id', sa.Uuid(), nullable=True),
    sa.Column('requirements', sa.Text(), nullable=True),
    sa.Column('line_items', sa.JSON(), nullable=False),
    sa.Column('raw_payload', sa.JSON(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=True),
    sa.Column('won_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connections.id'], name=op.f('fk_deals_connection_id_crm_connections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_deals_customer_id_customers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_deals_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_deals_project_id_projects'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sales_owner_id'], ['members.id'], name=op.f('fk_deals_sales_owner_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deals')),
    sa.UniqueConstraint('organization_id', 'source', 'external_id', name=op.f('uq_deals_organization_id_source_external_id'))
    )
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deals_connection_id'), ['connection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_sales_owner_id'), ['sales_owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_updated_at'), ['updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deals_updated_at'))
        batch_op.drop_index(batch_op.f('ix_deals_sales_owner_id'))
        batch_op.drop_index(batch_op.f('ix_deals_project_id'))
        batch_op.drop_index(batch_op.f('ix_deals_organization_id'))
        batch_op.drop_index(batch_op.f('ix_deals_customer_id'))
        batch_op.drop_index(batch_op.f('ix_deals_connection_id'))

    op.drop_table('deals')
    with op.batch_alter_table('crm_inbound_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_inbound_requests_received_at'))
        batch_op.drop_index(batch_op.f('ix_crm_inbound_requests_organization_id'))
        batch_op.drop_index(batch_op.f('ix_crm_inbound_requests_connection_id_id'))

    op.drop_table('crm_inbound_requests')
    with op.batch_alter_table('crm_delivery_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_delivery_claims_claimed_at'))

    op.drop_table('crm_delivery_claims')
    with op.batch_alter_table('crm_connections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_connections_updated_at'))
        batch_op.drop_index(batch_op.f('ix_crm_connections_project_template_id'))
        batch_op.drop_index(batch_op.f('ix_crm_connections_organization_id'))
        batch_op.drop_index(batch_op.f('ix_crm_connections_default_project_manager_id'))

    op.drop_table('crm_connections')
    with op.batch_alter_table('project_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_templates_updated_at'))
        batch_op.drop_index(batch_op.f('ix_project_templates_organization_id'))

    op.drop_table('project_templates')
