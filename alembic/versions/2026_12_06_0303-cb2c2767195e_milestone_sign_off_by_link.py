"""milestone sign-off by link

Revision ID: cb2c2767195e
Revises: 0b1b5a929489
Create Date: 2026-12-06 03:03:18.765155
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'cb2c2767195e'
down_revision: str | None = '0b1b5a929489'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_sign_off', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('acceptance', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('signed_off_by_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signed_off_via_share_link_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('sign_off_comment', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_milestones_signed_off_via_share_link_id_share_links'), 'share_links', ['signed_off_via_share_link_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_milestones_signed_off_via_share_link_id_share_links'), type_='foreignkey')
        batch_op.drop_column('sign_off_comment')
        batch_op.drop_column('signed_off_via_share_link_id')
        batch_op.drop_column('signed_off_by_name')
        batch_op.drop_column('signed_off_at')
        batch_op.drop_column('acceptance')
        batch_op.drop_column('requires_sign_off')

