"""status documents kept for polling: the JSON a project's status poll answers with, and the
(version, day) it was built for, so that every replica serves what one of them built

Revision ID: 8b3d8a0a5ce1
Revises: 79c1dcff76c8
Create Date: 2026-12-01 23:28:07.031732
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '8b3d8a0a5ce1'
down_revision: str | None = '79c1dcff76c8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('project_status_documents',
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_status_documents_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_project_status_documents'))
    )


def downgrade() -> None:
    op.drop_table('project_status_documents')
