"""handoff briefs and their history; template checklists

Revision ID: d2595bb03b71
Revises: 7ca196929781
Create Date: 2026-12-06 02:33:52.108708
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'd2595bb03b71'
down_revision: str | None = '7ca196929781'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('handoff_briefs',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('deal_id', sa.Uuid(), nullable=True),
    sa.Column('project_template_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'returned', 'accepted', 'not_required', name='handoffstatus', native_enum=False, length=32), nullable=False),
    sa.Column('required_items', sa.JSON(), nullable=False),
    sa.Column('sold', sa.Text(), nullable=True),
    sa.Column('goals', sa.Text(), nullable=True),
    sa.Column('success_criteria', sa.Text(), nullable=True),
    sa.Column('promises', sa.Text(), nullable=True),
    sa.Column('risks', sa.JSON(), nullable=False),
    sa.Column('stakeholders', sa.JSON(), nullable=False),
    sa.Column('constraints', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('filled', sa.JSON(), nullable=False),
    sa.Column('won_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_api_key_id', sa.Uuid(), nullable=True),
    sa.Column('won_to_accepted_seconds', sa.Integer(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_reason', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_api_key_id'], ['api_keys.id'], name=op.f('fk_handoff_briefs_accepted_by_api_key_id_api_keys'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_handoff_briefs_deal_id_deals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_handoff_briefs_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_handoff_briefs_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_template_id'], ['project_templates.id'], name=op.f('fk_handoff_briefs_project_template_id_project_templates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_briefs')),
    sa.UniqueConstraint('project_id', name=op.f('uq_handoff_briefs_project_id'))
    )
    with op.batch_alter_table('handoff_briefs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_briefs_deal_id'), ['deal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_briefs_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_briefs_project_template_id'), ['project_template_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_briefs_updated_at'), ['updated_at'], unique=False)

    op.create_table('handoff_brief_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('brief_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('changed_items', sa.JSON(), nullable=False),
    sa.Column('brief', sa.JSON(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_api_key_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['brief_id'], ['handoff_briefs.id'], name=op.f('fk_handoff_brief_versions_brief_id_handoff_briefs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_handoff_brief_versions_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_handoff_brief_versions_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_brief_versions')),
    sa.UniqueConstraint('brief_id', 'version', name=op.f('uq_handoff_brief_versions_brief_id_version'))
    )
    with op.batch_alter_table('handoff_brief_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_brief_versions_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_brief_versions_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('project_templates', schema=None) as batch_op:
        # templates written before checklists get the default one (app/project_templates)
        batch_op.add_column(sa.Column('handoff', sa.JSON(), nullable=False, server_default='{}'))



def downgrade() -> None:
    with op.batch_alter_table('project_templates', schema=None) as batch_op:
        batch_op.drop_column('handoff')

    with op.batch_alter_table('handoff_brief_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_brief_versions_project_id'))
        batch_op.drop_index(batch_op.f('ix_handoff_brief_versions_organization_id'))

    op.drop_table('handoff_brief_versions')
    with op.batch_alter_table('handoff_briefs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_briefs_updated_at'))
        batch_op.drop_index(batch_op.f('ix_handoff_briefs_project_template_id'))
        batch_op.drop_index(batch_op.f('ix_handoff_briefs_organization_id'))
        batch_op.drop_index(batch_op.f('ix_handoff_briefs_deal_id'))

    op.drop_table('handoff_briefs')
