"""deal changes in order: each deal keeps the CRM's modification time of the version applied,
so an older version planned later changes nothing

Revision ID: 5c0d2e7a9b41
Revises: 8dd380233ca6
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5c0d2e7a9b41'
down_revision: str | None = '8dd380233ca6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null for the deals already kept: the next version of each is applied, whatever its time.
    # In place, not in a batch: SQLite's batch copy would drop the table's sync triggers.
    op.add_column('deals', sa.Column('crm_modified_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('deals', 'crm_modified_at')
