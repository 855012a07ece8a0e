"""crm api pauses: a CRM's rate-limit pause, kept for every worker and replica

Revision ID: b58a91512846
Revises: 5c0d2e7a9b41
Create Date: 2026-12-07 21:08:52.528092
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'b58a91512846'
down_revision: str | None = '5c0d2e7a9b41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty at first: a pause lasts seconds to an hour, so none is lost across the upgrade.
    op.create_table('crm_api_pauses',
    sa.Column('connection_id', sa.Uuid(), nullable=False),
    sa.Column('resume_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['crm_connections.id'], name=op.f('fk_crm_api_pauses_connection_id_crm_connections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('connection_id', name=op.f('pk_crm_api_pauses'))
    )


def downgrade() -> None:
    op.drop_table('crm_api_pauses')
