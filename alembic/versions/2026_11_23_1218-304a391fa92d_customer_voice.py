"""customer voice: feedback with its workflow, survey responses

Revision ID: 304a391fa92d
Revises: 863f3bcc1a08
Create Date: 2026-11-23 12:18:15.800414
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '304a391fa92d'
down_revision: str | None = '863f3bcc1a08'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey_responses',
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('csat', 'nps', name='surveykind', native_enum=False, length=32), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('respondent_name', sa.String(length=200), nullable=True),
    sa.Column('respondent_email', sa.String(length=320), nullable=True),
    sa.Column('collected_on', sa.Date(), nullable=False),
    sa.CheckConstraint("(kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10)", name=op.f('ck_survey_responses_score_range')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_survey_responses_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_survey_responses_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_project_id_kind_collected_on'), ['project_id', 'kind', 'collected_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_updated_at'), ['updated_at'], unique=False)

    op.create_table('feedback',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('milestone_id', sa.Uuid(), nullable=True),
    sa.Column('source', sa.Enum('customer', 'sales', 'survey', 'project_manager', name='feedbacksource', native_enum=False, length=32), nullable=False),
    sa.Column('category', sa.Enum('scope', 'quality', 'timeline', 'communication', 'billing', 'other', name='feedbackcategory', native_enum=False, length=32), nullable=False),
    sa.Column('sentiment', sa.Enum('positive', 'neutral', 'negative', name='sentiment', native_enum=False, length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('new', 'acknowledged', 'actioned', 'closed', name='feedbackstatus', native_enum=False, length=32), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Uuid(), nullable=True),
    sa.Column('actioned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actioned_by_id', sa.Uuid(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Uuid(), nullable=True),
    sa.Column('response_to_customer', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['members.id'], name=op.f('fk_feedback_acknowledged_by_id_members')),
    sa.ForeignKeyConstraint(['actioned_by_id'], ['members.id'], name=op.f('fk_feedback_actioned_by_id_members')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['members.id'], name=op.f('fk_feedback_closed_by_id_members')),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_feedback_milestone_id_milestones'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_feedback_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_feedback_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_project_id_id'), ['project_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_updated_at'), ['updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_updated_at'))
        batch_op.drop_index(batch_op.f('ix_feedback_project_id_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_organization_id'))

    op.drop_table('feedback')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_updated_at'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_project_id_kind_collected_on'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_organization_id'))

    op.drop_table('survey_responses')
