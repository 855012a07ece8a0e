"""projects by organization in id order and by their last change: the change list's pages,
where the index on the organization alone scanned other organizations' or all of one's projects

Revision ID: 481be2309e61
Revises: bf1db9d24cda
Create Date: 2026-12-02 14:53:49.679984
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '481be2309e61'
down_revision: str | None = 'bf1db9d24cda'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_organization_id'))
        batch_op.create_index(batch_op.f('ix_projects_organization_id_id'), ['organization_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_organization_id_updated_at'), ['organization_id', 'updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_organization_id_updated_at'))
        batch_op.drop_index(batch_op.f('ix_projects_organization_id_id'))
        batch_op.create_index(batch_op.f('ix_projects_organization_id'), ['organization_id'], unique=False)

