"""deal crm versions: the CRM's time of the version applied moves beside the deal, so that a CRM
stamping a deal again with nothing new moves neither its version nor its sync position

Revision ID: 25d4b5b7ff63
Revises: b58a91512846
Create Date: 2026-12-07 21:28:57.855433
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '25d4b5b7ff63'
down_revision: str | None = 'b58a91512846'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deal_crm_versions',
    sa.Column('deal_id', sa.Uuid(), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_crm_versions_deal_id_deals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('deal_id', name=op.f('pk_deal_crm_versions'))
    )
    op.execute(
        "INSERT INTO deal_crm_versions (deal_id, modified_at) "
        "SELECT id, crm_modified_at FROM deals WHERE crm_modified_at IS NOT NULL"
    )
    # In place, not in a batch: SQLite's batch copy would drop the table's sync triggers.
    op.drop_column('deals', 'crm_modified_at')


def downgrade() -> None:
    op.add_column('deals', sa.Column('crm_modified_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE deals SET crm_modified_at = (SELECT modified_at FROM deal_crm_versions "
        "WHERE deal_crm_versions.deal_id = deals.id) "
        "WHERE id IN (SELECT deal_id FROM deal_crm_versions)"  # the others stay where PM tools saw them
    )
    op.drop_table('deal_crm_versions')
