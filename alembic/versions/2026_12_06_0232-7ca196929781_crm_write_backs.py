"""write-backs to CRM deals: the outbox, and each connection's switch, scope and field map

Revision ID: 7ca196929781
Revises: 7035eabb993b
Create Date: 2026-12-06 02:32:36
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7ca196929781'
down_revision: str | None = '7035eabb993b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('crm_writebacks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('connection_id', sa.Uuid(), nullable=False),
    sa.Column('deal_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('crm_record_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('fields', 'note', name='writebackkind', native_enum=False, length=32), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sent', 'superseded', 'skipped', 'failed', name='writebackstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempt_count', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_body', sa.JSON(), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('crm_answer', sa.String(length=2000), nullable=True),
    sa.Column('superseded_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connections.id'], name=op.f('fk_crm_writebacks_connection_id_crm_connections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_crm_writebacks_deal_id_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_crm_writebacks_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_crm_writebacks_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_writebacks'))
    )
    with op.batch_alter_table('crm_writebacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_writebacks_connection_id_id'), ['connection_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_writebacks_deal_id_kind_status'), ['deal_id', 'kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_writebacks_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_writebacks_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_writebacks_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('crm_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('writeback_enabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('writeback_scope', sa.Enum('fields', 'notes', 'both', name='writebackscope', native_enum=False, length=32), nullable=False, server_default='both'))
        batch_op.add_column(sa.Column('writeback_field_map', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('writeback_project_url', sa.String(length=2048), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('crm_connections', schema=None) as batch_op:
        batch_op.drop_column('writeback_project_url')
        batch_op.drop_column('writeback_field_map')
        batch_op.drop_column('writeback_scope')
        batch_op.drop_column('writeback_enabled')

    with op.batch_alter_table('crm_writebacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_writebacks_status_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_crm_writebacks_project_id'))
        batch_op.drop_index(batch_op.f('ix_crm_writebacks_organization_id'))
        batch_op.drop_index(batch_op.f('ix_crm_writebacks_deal_id_kind_status'))
        batch_op.drop_index(batch_op.f('ix_crm_writebacks_connection_id_id'))

    op.drop_table('crm_writebacks')
