"""KPI targets with their measurements, actual costs, and the indexes analytics reads by.

Built-in KPI metrics and portfolio analytics aggregate milestones by due date, survey
responses by collection date and feedback by receipt, per organization: each gets an index
led by the organization.

Revision ID: 9a2f75671831
Revises: 304a391fa92d
Create Date: 2026-11-23 13:35:16.481655
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9a2f75671831'
down_revision: str | None = '304a391fa92d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cost_entries',
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2).with_variant(sa.BigInteger(), "sqlite"), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('incurred_on', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_cost_entries_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_cost_entries_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cost_entries'))
    )
    with op.batch_alter_table('cost_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cost_entries_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cost_entries_project_id_incurred_on'), ['project_id', 'incurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cost_entries_updated_at'), ['updated_at'], unique=False)

    op.create_table('kpis',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('metric', sa.Enum('on_time_milestone_rate', 'average_schedule_slip_days', 'budget_variance', 'csat_average', 'nps', 'median_hours_to_acknowledge', 'open_risk_exposure', 'allocation_utilisation', 'custom', name='kpimetric', native_enum=False, length=32), nullable=False),
    sa.Column('target_value', sa.Double(), nullable=False),
    sa.Column('direction', sa.Enum('at_least', 'at_most', name='kpidirection', native_enum=False, length=32), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=True),
    sa.Column('measured_from', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('current_value', sa.Double(), nullable=True),
    sa.Column('status', sa.Enum('met', 'on_track', 'at_risk', 'missed', name='kpistatus', native_enum=False, length=32), nullable=False),
    sa.Column('trend', sa.Enum('improving', 'steady', 'worsening', name='kpitrend', native_enum=False, length=32), nullable=True),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_kpis_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['members.id'], name=op.f('fk_kpis_owner_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_kpis_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpis'))
    )
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpis_organization_id_project_id_id'), ['organization_id', 'project_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpis_updated_at'), ['updated_at'], unique=False)

    op.create_table('kpi_measurements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('kpi_id', sa.Uuid(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('measured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.Enum('manual', 'computed', name='measurementsource', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_kpi_measurements_kpi_id_kpis'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_kpi_measurements_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_measurements'))
    )
    with op.batch_alter_table('kpi_measurements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_measurements_kpi_id_measured_at_id'), ['kpi_id', 'measured_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_measurements_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_organization_id_received_at'), ['organization_id', 'received_at'], unique=False)

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_organization_id_due_date'), ['organization_id', 'due_date'], unique=False)

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_organization_id_collected_on'), ['organization_id', 'collected_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_organization_id_collected_on'))

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_organization_id_due_date'))

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_organization_id_received_at'))

    with op.batch_alter_table('kpi_measurements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_measurements_organization_id'))
        batch_op.drop_index(batch_op.f('ix_kpi_measurements_kpi_id_measured_at_id'))

    op.drop_table('kpi_measurements')
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpis_updated_at'))
        batch_op.drop_index(batch_op.f('ix_kpis_organization_id_project_id_id'))

    op.drop_table('kpis')
    with op.batch_alter_table('cost_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cost_entries_updated_at'))
        batch_op.drop_index(batch_op.f('ix_cost_entries_project_id_incurred_on'))
        batch_op.drop_index(batch_op.f('ix_cost_entries_organization_id'))

    op.drop_table('cost_entries')
