"""organizations work in a time zone: proposed meetings (a deal's kickoff) start at the
organization's default meeting hour there

Revision ID: 7b5dd3592dd1
Revises: bb7fc5fbe9f1
Create Date: 2026-12-05 23:37:45.004717
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7b5dd3592dd1'
down_revision: str | None = 'bb7fc5fbe9f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('default_meeting_hour', sa.Integer(), server_default='10', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_organizations_default_meeting_hour_range'), 'default_meeting_hour BETWEEN 0 AND 23'
        )


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organizations_default_meeting_hour_range'), type_='check')
        batch_op.drop_column('default_meeting_hour')
        batch_op.drop_column('time_zone')
