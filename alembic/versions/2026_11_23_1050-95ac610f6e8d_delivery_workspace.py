"""delivery workspace: events, transitions, milestones, RACI, allocations, risks, status reports

Revision ID: 95ac610f6e8d
Revises: 71da38173889
Create Date: 2026-11-23 10:50:14.875840
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '95ac610f6e8d'
down_revision: str | None = '71da38173889'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('aggregate_type', sa.String(length=32), nullable=False),
    sa.Column('aggregate_id', sa.Uuid(), nullable=False),
    sa.Column('aggregate_version', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Uuid(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_events_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_aggregate_id'), ['aggregate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_organization_id_id'), ['organization_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_type'), ['type'], unique=False)

    op.create_table('activities',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phase', sa.Enum('initiating', 'planning', 'executing', 'monitoring', 'closing', 'closed', name='phase', native_enum=False, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_activities_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_activities_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_updated_at'), ['updated_at'], unique=False)

    op.create_table('allocations',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_allocations_date_order')),
    sa.CheckConstraint('percent > 0 AND percent <= 100', name=op.f('ck_allocations_percent_range')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_allocations_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_allocations_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_allocations_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_organization_id_member_id_start_date'), ['organization_id', 'member_id', 'start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_updated_at'), ['updated_at'], unique=False)

    op.create_table('milestones',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('baseline_due_date', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'done', 'missed', name='milestonestatus', native_enum=False, length=32), nullable=False),
    sa.Column('completed_date', sa.Date(), nullable=True),
    sa.Column('customer_visible', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_milestones_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['members.id'], name=op.f('fk_milestones_owner_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_milestones_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestones_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestones_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestones_updated_at'), ['updated_at'], unique=False)

    op.create_table('project_transitions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('from_phase', sa.Enum('initiating', 'planning', 'executing', 'monitoring', 'closing', 'closed', name='phase', native_enum=False, length=32), nullable=False),
    sa.Column('to_phase', sa.Enum('initiating', 'planning', 'executing', 'monitoring', 'closing', 'closed', name='phase', native_enum=False, length=32), nullable=False),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moved_by_api_key_id', sa.Uuid(), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['moved_by_api_key_id'], ['api_keys.id'], name=op.f('fk_project_transitions_moved_by_api_key_id_api_keys')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_project_transitions_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_transitions_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_transitions'))
    )
    with op.batch_alter_table('project_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_transitions_project_id'), ['project_id'], unique=False)

    op.create_table('risks',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.Enum('scope', 'schedule', 'budget', 'resource', 'technical', 'customer', 'legal', 'other', name='riskcategory', native_enum=False, length=32), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('impact', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('response', sa.Enum('avoid', 'transfer', 'mitigate', 'accept', name='riskresponse', native_enum=False, length=32), nullable=False),
    sa.Column('mitigation_plan', sa.Text(), nullable=True),
    sa.Column('contingency_plan', sa.Text(), nullable=True),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'mitigating', 'closed', 'occurred', name='riskstatus', native_enum=False, length=32), nullable=False),
    sa.CheckConstraint('impact BETWEEN 1 AND 5', name=op.f('ck_risks_impact_range')),
    sa.CheckConstraint('probability BETWEEN 1 AND 5', name=op.f('ck_risks_probability_range')),
    sa.CheckConstraint('score = probability * impact', name=op.f('ck_risks_score_is_product')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_risks_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['members.id'], name=op.f('fk_risks_owner_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_risks_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risks'))
    )
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risks_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risks_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risks_project_id_score'), ['project_id', 'score'], unique=False)
        batch_op.create_index(batch_op.f('ix_risks_review_date'), ['review_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_risks_updated_at'), ['updated_at'], unique=False)

    op.create_table('status_reports',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('kickoff', 'periodic', 'retrospective', 'post_project_review', name='reportkind', native_enum=False, length=32), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('accomplishments', sa.Text(), nullable=True),
    sa.Column('issues', sa.JSON(), nullable=False),
    sa.Column('next_steps', sa.Text(), nullable=True),
    sa.Column('lessons_learned', sa.Text(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'published', name='reportstate', native_enum=False, length=32), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('changes_since_previous', sa.JSON(), nullable=True),
    sa.Column('previous_report_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_status_reports_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_report_id'], ['status_reports.id'], name=op.f('fk_status_reports_previous_report_id_status_reports')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_status_reports_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_reports'))
    )
    with op.batch_alter_table('status_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_reports_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_reports_project_id_published_at'), ['project_id', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_reports_updated_at'), ['updated_at'], unique=False)

    op.create_table('milestone_dependencies',
    sa.Column('milestone_id', sa.Uuid(), nullable=False),
    sa.Column('depends_on_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['depends_on_id'], ['milestones.id'], name=op.f('fk_milestone_dependencies_depends_on_id_milestones'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_milestone_dependencies_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('milestone_id', 'depends_on_id', name=op.f('pk_milestone_dependencies'))
    )
    with op.batch_alter_table('milestone_dependencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_dependencies_depends_on_id'), ['depends_on_id'], unique=False)

    op.create_table('raci_assignments',
    sa.Column('activity_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.Enum('R', 'A', 'C', 'I', name='racirole', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_raci_assignments_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_raci_assignments_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('activity_id', 'member_id', name=op.f('pk_raci_assignments'))
    )
    with op.batch_alter_table('raci_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raci_assignments_member_id'), ['member_id'], unique=False)
        batch_op.create_index('uq_raci_assignments_one_accountable', ['activity_id'], unique=True, postgresql_where=sa.text("role = 'A'"), sqlite_where=sa.text("role = 'A'"))

    op.create_table('risk_changes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('risk_id', sa.Uuid(), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('impact', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'mitigating', 'closed', 'occurred', name='riskstatus', native_enum=False, length=32), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_api_key_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_risk_changes_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], name=op.f('fk_risk_changes_risk_id_risks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_changes'))
    )
    with op.batch_alter_table('risk_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_changes_risk_id_id'), ['risk_id', 'id'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_acceptance_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('health_override', sa.Enum('green', 'amber', 'red', name='health', native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column('health_override_reason', sa.String(length=2000), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('health_override_reason')
        batch_op.drop_column('health_override')
        batch_op.drop_column('customer_acceptance_date')

    with op.batch_alter_table('risk_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_changes_risk_id_id'))

    op.drop_table('risk_changes')
    with op.batch_alter_table('raci_assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_raci_assignments_one_accountable', postgresql_where=sa.text("role = 'A'"), sqlite_where=sa.text("role = 'A'"))
        batch_op.drop_index(batch_op.f('ix_raci_assignments_member_id'))

    op.drop_table('raci_assignments')
    with op.batch_alter_table('milestone_dependencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_dependencies_depends_on_id'))

    op.drop_table('milestone_dependencies')
    with op.batch_alter_table('status_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_reports_updated_at'))
        batch_op.drop_index(batch_op.f('ix_status_reports_project_id_published_at'))
        batch_op.drop_index(batch_op.f('ix_status_reports_organization_id'))

    op.drop_table('status_reports')
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risks_updated_at'))
        batch_op.drop_index(batch_op.f('ix_risks_review_date'))
        batch_op.drop_index(batch_op.f('ix_risks_project_id_score'))
        batch_op.drop_index(batch_op.f('ix_risks_owner_id'))
        batch_op.drop_index(batch_op.f('ix_risks_organization_id'))

    op.drop_table('risks')
    with op.batch_alter_table('project_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_transitions_project_id'))

    op.drop_table('project_transitions')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_updated_at'))
        batch_op.drop_index(batch_op.f('ix_milestones_project_id'))
        batch_op.drop_index(batch_op.f('ix_milestones_owner_id'))
        batch_op.drop_index(batch_op.f('ix_milestones_organization_id'))

    op.drop_table('milestones')
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_updated_at'))
        batch_op.drop_index(batch_op.f('ix_allocations_project_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_organization_id_member_id_start_date'))
        batch_op.drop_index(batch_op.f('ix_allocations_member_id'))

    op.drop_table('allocations')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_updated_at'))
        batch_op.drop_index(batch_op.f('ix_activities_project_id'))
        batch_op.drop_index(batch_op.f('ix_activities_organization_id'))

    op.drop_table('activities')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_type'))
        batch_op.drop_index(batch_op.f('ix_events_project_id'))
        batch_op.drop_index(batch_op.f('ix_events_organization_id_id'))
        batch_op.drop_index(batch_op.f('ix_events_aggregate_id'))

    op.drop_table('events')
