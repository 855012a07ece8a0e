"""customer tasks

Revision ID: 0b1b5a929489
Revises: d2595bb03b71
Create Date: 2026-12-06 02:51:50.181718
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0b1b5a929489'
down_revision: str | None = 'd2595bb03b71'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('customer_tasks',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('milestone_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('open', 'done', name='customertaskstatus', native_enum=False, length=32), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_name', sa.String(length=200), nullable=True),
    sa.Column('done_via_share_link_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['done_via_share_link_id'], ['share_links.id'], name=op.f('fk_customer_tasks_done_via_share_link_id_share_links'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_customer_tasks_milestone_id_milestones'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_customer_tasks_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_customer_tasks_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_tasks'))
    )
    with op.batch_alter_table('customer_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_tasks_milestone_id'), ['milestone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_tasks_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_tasks_project_id_id'), ['project_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_tasks_status_due_date'), ['status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_tasks_updated_at'), ['updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('customer_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_tasks_updated_at'))
        batch_op.drop_index(batch_op.f('ix_customer_tasks_status_due_date'))
        batch_op.drop_index(batch_op.f('ix_customer_tasks_project_id_id'))
        batch_op.drop_index(batch_op.f('ix_customer_tasks_organization_id'))
        batch_op.drop_index(batch_op.f('ix_customer_tasks_milestone_id'))

    op.drop_table('customer_tasks')
