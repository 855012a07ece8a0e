"""what people look at: share links, calendar feed secrets, a report's customer summary

Share links and calendar feed secrets keep only the SHA-256 of their token; a calendar feed
belongs to one project or one member (a check constraint), with at most one secret URL each.
Status reports gain `customer_summary`, the part written for the customer (nullable: existing
reports simply have none).

Revision ID: f4e3d2d55cea
Revises: 026364763464
Create Date: 2026-11-23 14:46:01.859064
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'f4e3d2d55cea'
down_revision: str | None = '026364763464'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feeds',
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=True),
    sa.Column('member_id', sa.Uuid(), nullable=True),
    sa.Column('display_prefix', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(project_id IS NULL) <> (member_id IS NULL)', name=op.f('ck_calendar_feeds_one_subject')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_calendar_feeds_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_calendar_feeds_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_calendar_feeds_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('member_id', name=op.f('uq_calendar_feeds_member_id')),
    sa.UniqueConstraint('project_id', name=op.f('uq_calendar_feeds_project_id')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_calendar_feeds_secret_hash'))
    )
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feeds_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_feeds_updated_at'), ['updated_at'], unique=False)

    op.create_table('share_links',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('display_prefix', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_share_links_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_share_links_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_share_links_token_hash'))
    )
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_links_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_links_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_links_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('status_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_summary', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('status_reports', schema=None) as batch_op:
        batch_op.drop_column('customer_summary')

    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_links_updated_at'))
        batch_op.drop_index(batch_op.f('ix_share_links_project_id'))
        batch_op.drop_index(batch_op.f('ix_share_links_organization_id'))

    op.drop_table('share_links')
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_updated_at'))
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_organization_id'))

    op.drop_table('calendar_feeds')
