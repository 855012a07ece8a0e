"""cadence next checks: the clock expands only the cadences that are due

Revision ID: 8dd380233ca6
Revises: 7a0f0e6628e1
Create Date: 2026-12-07 06:54:41.964143
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '8dd380233ca6'
down_revision: str | None = '7a0f0e6628e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty at first: the next sweep looks at every cadence once, as every sweep did before.
    op.create_table('cadence_next_checks',
    sa.Column('cadence_id', sa.Uuid(), nullable=False),
    sa.Column('cadence_version', sa.Integer(), nullable=False),
    sa.Column('check_after', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cadence_id'], ['meeting_cadences.id'], name=op.f('fk_cadence_next_checks_cadence_id_meeting_cadences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cadence_id', name=op.f('pk_cadence_next_checks'))
    )


def downgrade() -> None:
    op.drop_table('cadence_next_checks')
