"""Every table, imported here so that `SQLModel.metadata` (and Alembic) sees them all."""

from app.models.action_item import ActionItem, ActionItemSource, ActionItemStatus
from app.models.allocation import Allocation
from app.models.calendar_feed import CalendarFeed
from app.models.change_request import (
    ChangeRequest,
    ChangeRequestMilestone,
    ChangeRequestStatus,
    ChangeRequestTransition,
)
from app.models.clock import CadenceNextCheck, ClockCrossing
from app.models.crm import (
    CrmApiPause,
    CrmConnection,
    CrmDeliveryClaim,
    CrmInboundRequest,
    Deal,
    DealCrmVersion,
    InboundKind,
    InboundOutcome,
    ProjectTemplate,
)
from app.models.crm_writeback import (
    CrmWriteback,
    WritebackKind,
    WritebackScope,
    WritebackStatus,
)
from app.models.customer import CrmSource, Customer
from app.models.customer_task import CustomerTask, CustomerTaskStatus
from app.models.event import Event
from app.models.handoff import HandoffBrief, HandoffBriefVersion, HandoffStatus
from app.models.idempotency import IdempotencyRecord, IdempotencyState
from app.models.kpi import (
    CostEntry,
    Kpi,
    KpiDirection,
    KpiMeasurement,
    KpiMetric,
    KpiStatus,
    KpiTrend,
    MeasurementSource,
)
from app.models.lesson import Lesson, LessonCategory, LessonOutcome, LessonTag
from app.models.meeting import (
    Decision,
    Meeting,
    MeetingAttendee,
    MeetingCadence,
    MeetingKind,
    MeetingStatus,
)
from app.models.member import Member, MemberRole
from app.models.milestone import Milestone, MilestoneDependency, MilestoneStatus
from app.models.organization import ApiKey, Organization
from app.models.project import Health, Phase, Project, ProjectTransition
from app.models.raci import Activity, RaciAssignment, RaciRole
from app.models.risk import Risk, RiskCategory, RiskChange, RiskResponse, RiskStatus
from app.models.share_link import ShareLink
from app.models.status_document import StatusDocument
from app.models.status_report import ReportKind, ReportState, StatusReport
from app.models.sync import DeletedRow
from app.models.voice import (
    Feedback,
    FeedbackCategory,
    FeedbackSource,
    FeedbackStatus,
    Sentiment,
    SurveyKind,
    SurveyResponse,
)
from app.models.webhook import (
    AlertCrossing,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "ActionItem",
    "ActionItemSource",
    "ActionItemStatus",
    "Activity",
    "AlertCrossing",
    "Allocation",
    "ApiKey",
    "CadenceNextCheck",
    "CalendarFeed",
    "ChangeRequest",
    "ChangeRequestMilestone",
    "ChangeRequestStatus",
    "ChangeRequestTransition",
    "ClockCrossing",
    "CostEntry",
    "CrmApiPause",
    "CrmConnection",
    "CrmDeliveryClaim",
    "CrmInboundRequest",
    "CrmSource",
    "CrmWriteback",
    "Customer",
    "CustomerTask",
    "CustomerTaskStatus",
    "Deal",
    "DealCrmVersion",
    "Decision",
    "DeletedRow",
    "DeliveryStatus",
    "Event",
    "Feedback",
    "FeedbackCategory",
    "FeedbackSource",
    "FeedbackStatus",
    "HandoffBrief",
    "HandoffBriefVersion",
    "HandoffStatus",
    "Health",
    "IdempotencyRecord",
    "IdempotencyState",
    "InboundKind",
    "InboundOutcome",
    "Kpi",
    "KpiDirection",
    "KpiMeasurement",
    "KpiMetric",
    "KpiStatus",
    "KpiTrend",
    "Lesson",
    "LessonCategory",
    "LessonOutcome",
    "LessonTag",
    "MeasurementSource",
    "Meeting",
    "MeetingAttendee",
    "MeetingCadence",
    "MeetingKind",
    "MeetingStatus",
    "Member",
    "MemberRole",
    "Milestone",
    "MilestoneDependency",
    "MilestoneStatus",
    "Organization",
    "Phase",
    "Project",
    "ProjectTemplate",
    "ProjectTransition",
    "RaciAssignment",
    "RaciRole",
    "ReportKind",
    "ReportState",
    "Risk",
    "RiskCategory",
    "RiskChange",
    "RiskResponse",
    "RiskStatus",
    "Sentiment",
    "ShareLink",
    "StatusDocument",
    "StatusReport",
    "SurveyKind",
    "SurveyResponse",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WritebackKind",
    "WritebackScope",
    "WritebackStatus",
]
