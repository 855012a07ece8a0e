"""risks raised by a change request's approval name it; feedback names who entered it

Revision ID: 7035eabb993b
Revises: 392f3cedcf92
Create Date: 2026-12-05 23:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7035eabb993b'
down_revision: str | None = '392f3cedcf92'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_request_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_risks_change_request_id'), ['change_request_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_risks_change_request_id_change_requests'), 'change_requests', ['change_request_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entered_by_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_feedback_entered_by_id'), ['entered_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_feedback_entered_by_id_members'), 'members', ['entered_by_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feedback_entered_by_id_members'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_feedback_entered_by_id'))
        batch_op.drop_column('entered_by_id')

    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_risks_change_request_id_change_requests'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_risks_change_request_id'))
        batch_op.drop_column('change_request_id')
