"""working rhythm: meetings and cadences, action items, change requests and the baseline,
lessons with full-text search, clock crossings

Lessons are searched with each database's own engine, made here by hand because no model
describes them (alembic/env.py leaves them out of the comparison): on PostgreSQL a GIN index
over the English `tsvector` of the lesson's texts; on SQLite an FTS5 table `lesson_search`
(Porter stemming) that triggers keep in step with `lessons`.

Revision ID: 79c1dcff76c8
Revises: f4e3d2d55cea
Create Date: 2026-11-23 15:18:32.063138
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Keep in step with app/lessons/search.py, which queries the same expression.
POSTGRESQL_SEARCH_INDEX = (
    "CREATE INDEX ix_lessons_search ON lessons USING gin (to_tsvector('english'::regconfig, "
    "title || ' ' || what_happened || ' ' || why || ' ' || next_time))"
)
_SQLITE_SEARCH_COLUMNS = "lesson_id, title, what_happened, why, next_time"
_SQLITE_SEARCH_ROW = "new.id, new.title, new.what_happened, new.why, new.next_time"
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE lesson_search USING fts5("
    "lesson_id UNINDEXED, title, what_happened, why, next_time, tokenize='porter unicode61')",
    "CREATE TRIGGER lesson_search_insert AFTER INSERT ON lessons BEGIN "
    f"INSERT INTO lesson_search ({_SQLITE_SEARCH_COLUMNS}) VALUES ({_SQLITE_SEARCH_ROW}); END",
    "CREATE TRIGGER lesson_search_update AFTER UPDATE OF title, what_happened, why, next_time "
    "ON lessons BEGIN DELETE FROM lesson_search WHERE lesson_id = old.id; "
    f"INSERT INTO lesson_search ({_SQLITE_SEARCH_COLUMNS}) VALUES ({_SQLITE_SEARCH_ROW}); END",
    "CREATE TRIGGER lesson_search_delete AFTER DELETE ON lessons BEGIN "
    "DELETE FROM lesson_search WHERE lesson_id = old.id; END",
)
SQLITE_SEARCH_DROP = (
    "DROP TRIGGER lesson_search_delete",
    "DROP TRIGGER lesson_search_update",
    "DROP TRIGGER lesson_search_insert",
    "DROP TABLE lesson_search",
)


revision: str = '79c1dcff76c8'
down_revision: str | None = 'f4e3d2d55cea'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('clock_crossings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('aggregate_id', sa.Uuid(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('crossing', sa.String(length=64), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_clock_crossings_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clock_crossings')),
    sa.UniqueConstraint('aggregate_id', 'event_type', 'crossing', name=op.f('uq_clock_crossings_aggregate_id_event_type_crossing'))
    )
    with op.batch_alter_table('clock_crossings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clock_crossings_organization_id'), ['organization_id'], unique=False)

    op.create_table('change_requests',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.String(length=200), nullable=True),
    sa.Column('raised_by_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'assessed', 'approved', 'rejected', 'implemented', name='changerequeststatus', native_enum=False, length=32), nullable=False),
    sa.Column('schedule_impact_days', sa.Integer(), nullable=True),
    sa.Column('cost_impact_amount', sa.Numeric(precision=16, scale=2).with_variant(sa.BigInteger(), "sqlite"), nullable=True),
    sa.Column('cost_impact_currency', sa.String(length=3), nullable=True),
    sa.Column('effort_hours', sa.Integer(), nullable=True),
    sa.Column('new_risks', sa.JSON(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_change_requests_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_change_requests_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['members.id'], name=op.f('fk_change_requests_raised_by_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests'))
    )
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_requests_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_project_id_id'), ['project_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_project_id_status'), ['project_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_updated_at'), ['updated_at'], unique=False)

    op.create_table('meeting_cadences',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('kickoff', 'sync', 'review', 'milestone_review', 'retrospective', 'post_project_review', 'customer_training', name='meetingkind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.String(length=500), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('duration_minutes BETWEEN 1 AND 1440', name=op.f('ck_meeting_cadences_duration_range')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_meeting_cadences_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_meeting_cadences_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_cadences'))
    )
    with op.batch_alter_table('meeting_cadences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_cadences_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_cadences_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_cadences_updated_at'), ['updated_at'], unique=False)

    op.create_table('change_request_milestones',
    sa.Column('change_request_id', sa.Uuid(), nullable=False),
    sa.Column('milestone_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_requests.id'], name=op.f('fk_change_request_milestones_change_request_id_change_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_change_request_milestones_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('change_request_id', 'milestone_id', name=op.f('pk_change_request_milestones'))
    )
    with op.batch_alter_table('change_request_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_milestones_milestone_id'), ['milestone_id'], unique=False)

    op.create_table('change_request_transitions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('change_request_id', sa.Uuid(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'submitted', 'assessed', 'approved', 'rejected', 'implemented', name='changerequeststatus', native_enum=False, length=32), nullable=False),
    sa.Column('to_status', sa.Enum('draft', 'submitted', 'assessed', 'approved', 'rejected', 'implemented', name='changerequeststatus', native_enum=False, length=32), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_requests.id'], name=op.f('fk_change_request_transitions_change_request_id_change_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_change_request_transitions_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_change_request_transitions_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_request_transitions'))
    )
    with op.batch_alter_table('change_request_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_transitions_change_request_id_id'), ['change_request_id', 'id'], unique=False)

    op.create_table('meetings',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('kickoff', 'sync', 'review', 'milestone_review', 'retrospective', 'post_project_review', 'customer_training', name='meetingkind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'scheduled', 'held', 'cancelled', name='meetingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('agenda', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cadence_id', sa.Uuid(), nullable=True),
    sa.Column('occurrence_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('duration_minutes BETWEEN 1 AND 1440', name=op.f('ck_meetings_duration_range')),
    sa.ForeignKeyConstraint(['cadence_id'], ['meeting_cadences.id'], name=op.f('fk_meetings_cadence_id_meeting_cadences'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_meetings_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_meetings_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('cadence_id', 'occurrence_starts_at', name=op.f('uq_meetings_cadence_id_occurrence_starts_at'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_project_id_starts_at'), ['project_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_status_starts_at'), ['status', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_updated_at'), ['updated_at'], unique=False)

    op.create_table('action_items',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'done', 'dropped', name='actionitemstatus', native_enum=False, length=32), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.Enum('meeting', 'feedback', 'risk', 'status_report', 'retrospective', name='actionitemsource', native_enum=False, length=32), nullable=True),
    sa.Column('meeting_id', sa.Uuid(), nullable=True),
    sa.Column('feedback_id', sa.Uuid(), nullable=True),
    sa.Column('risk_id', sa.Uuid(), nullable=True),
    sa.Column('status_report_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('(CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END + CASE WHEN feedback_id IS NULL THEN 0 ELSE 1 END + CASE WHEN risk_id IS NULL THEN 0 ELSE 1 END + CASE WHEN status_report_id IS NULL THEN 0 ELSE 1 END) <= 1', name=op.f('ck_action_items_one_source')),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_action_items_feedback_id_feedback'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_action_items_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_action_items_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['members.id'], name=op.f('fk_action_items_owner_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_action_items_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], name=op.f('fk_action_items_risk_id_risks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['status_report_id'], ['status_reports.id'], name=op.f('fk_action_items_status_report_id_status_reports'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_items'))
    )
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_items_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_items_owner_id_status_due_date'), ['owner_id', 'status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_items_project_id_id'), ['project_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_items_status_due_date'), ['status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_items_updated_at'), ['updated_at'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('decided_by_name', sa.String(length=200), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.CheckConstraint('decided_by_id IS NOT NULL OR decided_by_name IS NOT NULL', name=op.f('ck_decisions_decided_by')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['members.id'], name=op.f('fk_decisions_decided_by_id_members')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_decisions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_decisions_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_meeting_id_id'), ['meeting_id', 'id'], unique=False)

    op.create_table('lessons',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('next_time', sa.Text(), nullable=False),
    sa.Column('category', sa.Enum('sales_handover', 'estimation', 'communication', 'technical', 'staffing', 'customer', name='lessoncategory', native_enum=False, length=32), nullable=False),
    sa.Column('outcome', sa.Enum('success', 'failure', name='lessonoutcome', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_lessons_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_lessons_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_lessons_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_lessons_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lessons'))
    )
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lessons_customer_id_id'), ['customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lessons_organization_id_id'), ['organization_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lessons_project_id_id'), ['project_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lessons_updated_at'), ['updated_at'], unique=False)

    op.create_table('meeting_attendees',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.CheckConstraint('member_id IS NOT NULL OR (name IS NOT NULL AND email IS NOT NULL)', name=op.f('ck_meeting_attendees_member_or_contact')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendees_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_meeting_attendees_member_id_members')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_meeting_attendees_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendees'))
    )
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendees_meeting_id_id'), ['meeting_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_attendees_member_id'), ['member_id'], unique=False)

    op.create_table('lesson_tags',
    sa.Column('lesson_id', sa.Uuid(), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_tags_lesson_id_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lesson_id', 'tag', name=op.f('pk_lesson_tags'))
    )
    with op.batch_alter_table('lesson_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_tags_tag_lesson_id'), ['tag', 'lesson_id'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('baseline_set_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('baseline_budget_amount', sa.Numeric(precision=16, scale=2).with_variant(sa.BigInteger(), "sqlite"), nullable=True))
        batch_op.add_column(sa.Column('baseline_budget_currency', sa.String(length=3), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_SEARCH_INDEX)
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_lessons_search")
    else:
        for statement in SQLITE_SEARCH_DROP:
            op.execute(statement)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('baseline_budget_currency')
        batch_op.drop_column('baseline_budget_amount')
        batch_op.drop_column('baseline_set_at')

    with op.batch_alter_table('lesson_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_tags_tag_lesson_id'))

    op.drop_table('lesson_tags')
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendees_member_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_attendees_meeting_id_id'))

    op.drop_table('meeting_attendees')
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lessons_updated_at'))
        batch_op.drop_index(batch_op.f('ix_lessons_project_id_id'))
        batch_op.drop_index(batch_op.f('ix_lessons_organization_id_id'))
        batch_op.drop_index(batch_op.f('ix_lessons_customer_id_id'))

    op.drop_table('lessons')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_meeting_id_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_decided_by_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_items_updated_at'))
        batch_op.drop_index(batch_op.f('ix_action_items_status_due_date'))
        batch_op.drop_index(batch_op.f('ix_action_items_project_id_id'))
        batch_op.drop_index(batch_op.f('ix_action_items_owner_id_status_due_date'))
        batch_op.drop_index(batch_op.f('ix_action_items_organization_id'))

    op.drop_table('action_items')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_updated_at'))
        batch_op.drop_index(batch_op.f('ix_meetings_status_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meetings_project_id_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meetings_organization_id'))

    op.drop_table('meetings')
    with op.batch_alter_table('change_request_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_request_transitions_change_request_id_id'))

    op.drop_table('change_request_transitions')
    with op.batch_alter_table('change_request_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_request_milestones_milestone_id'))

    op.drop_table('change_request_milestones')
    with op.batch_alter_table('meeting_cadences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_cadences_updated_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_cadences_project_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_cadences_organization_id'))

    op.drop_table('meeting_cadences')
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_requests_updated_at'))
        batch_op.drop_index(batch_op.f('ix_change_requests_project_id_status'))
        batch_op.drop_index(batch_op.f('ix_change_requests_project_id_id'))
        batch_op.drop_index(batch_op.f('ix_change_requests_organization_id'))

    op.drop_table('change_requests')
    with op.batch_alter_table('clock_crossings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clock_crossings_organization_id'))

    op.drop_table('clock_crossings')
