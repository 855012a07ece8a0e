"""Every event type Handover records, in one list.

The feed's `type` filter, `GET /v1/event-types` and the OpenAPI document's `webhooks` section
are all built from `CATALOGUE`; `tests/events/test_catalogue.py` fails when the app records a
type that is missing here, or a payload whose `data` does not fit the type's model.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, create_model

from app.core.examples import example_of, with_examples
from app.events.payloads import (
    deals,
    handoffs,
    kpis,
    plan,
    projects,
    rhythm,
    risks,
    voice,
    webhooks,
    workspace,
)
from app.events.payloads.base import TIMESTAMP, EventData

SCHEMA_REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class EventType:
    """One kind of event: its name, what it is about, and the model of its `data`."""

    name: str
    aggregate_type: str
    description: str
    data: type[EventData]
    also_about: tuple[str, ...] = ()
    payload: type[BaseModel] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "payload", _payload_model(self))

    @property
    def schema_name(self) -> str:
        """`risk.alert` → `RiskAlert`: its payload schema is `RiskAlertEvent`."""
        return "".join(word.capitalize() for word in re.split(r"[._]", self.name))

    @property
    def aggregate_types(self) -> list[str]:
        """What its events are about; `risk.alert` alone is about one of several kinds."""
        return [self.aggregate_type, *self.also_about]

    @property
    def payload_ref(self) -> str:
        """Where the payload's schema is in the OpenAPI document."""
        return SCHEMA_REF.format(model=self.payload.__name__)

    @property
    def summary(self) -> str:
        return self.description.split(". ", 1)[0].rstrip(".") + "."

    def example(self) -> dict[str, Any]:
        """A whole payload, as a webhook receives it."""
        return {"type": self.name, "timestamp": TIMESTAMP, "data": example_of(self.data)}


def _constant(value: str) -> Any:
    """The type whose only value is `value` (a `const` in JSON Schema)."""
    return Literal[value]


def _payload_model(entry: EventType) -> type[BaseModel]:
    """`{"type", "timestamp", "data"}` for one type, named `<SchemaName>Event`."""
    return create_model(
        f"{entry.schema_name}Event",
        __config__=with_examples(entry.example()),
        __doc__=entry.description,
        type=(_constant(entry.name), Field(description="The event type.")),
        timestamp=(AwareDatetime, Field(description="When it happened (UTC).")),
        data=(entry.data, ...),
    )


_ENTRIES = (
    EventType(
        "project.created",
        "project",
        "A project was created, by hand or from a closed-won deal.",
        projects.ProjectCreatedData,
    ),
    EventType(
        "deal.won",
        "deal",
        "A CRM deal was won and its project planned: sent once per deal, whatever the retries. "
        "`project.created` (with the deal) follows in the same transaction.",
        deals.DealWonData,
    ),
    EventType(
        "deal.updated",
        "deal",
        "A deal that has its project changed in the CRM (amount, close date…); the project is "
        "not planned again.",
        deals.DealUpdatedData,
    ),
    EventType(
        "deal.lost",
        "deal",
        "A won deal was moved back to lost in the CRM: the project is flagged, never closed.",
        deals.DealLostData,
    ),
    EventType(
        "handoff.accepted",
        "handoff",
        "The project manager accepted the handoff brief: the project may leave `initiating`. "
        "A kickoff is proposed if none was planned.",
        handoffs.HandoffAcceptedData,
    ),
    EventType(
        "handoff.returned",
        "handoff",
        "The project manager sent the handoff brief back to sales with questions: for the sales "
        "owner named in it.",
        handoffs.HandoffReturnedData,
    ),
    EventType(
        "customer_task.completed",
        "customer_task",
        "A customer task was done: marked on the share page (with the name the customer gave "
        "and the link) or through the API.",
        handoffs.CustomerTaskCompletedData,
    ),
    EventType(
        "customer_task.overdue",
        "customer_task",
        "An open customer task's due date passed: the project waits for the customer. Raised "
        "once per due date, by the clock.",
        handoffs.CustomerTaskOverdueData,
    ),
    EventType(
        "project.updated",
        "project",
        "A project was changed. `data` holds the fields the change sent, with their new values.",
        projects.ProjectUpdatedData,
    ),
    EventType(
        "project.archived",
        "project",
        "A project was archived. It is read-only from now on, its parts included.",
        projects.ProjectArchivedData,
    ),
    EventType(
        "project.phase_changed",
        "project",
        "A project moved to another phase of its lifecycle (`initiating` … `closed`).",
        projects.ProjectPhaseChangedData,
    ),
    EventType(
        "project.health_changed",
        "project",
        "A project's effective health changed. It is derived from milestones and risks, "
        "unless a manager overrides it; `reasons` says why.",
        projects.ProjectHealthChangedData,
    ),
    EventType(
        "raci.changed",
        "project",
        "Letters of a project's RACI matrix changed. `activity_ids` names the activities.",
        workspace.RaciChangedData,
    ),
    EventType(
        "activity.created",
        "activity",
        "An activity (a row of the RACI matrix) was added, with its letters.",
        workspace.ActivityCreatedData,
    ),
    EventType(
        "activity.updated",
        "activity",
        "An activity was renamed or moved. New letters are a `raci.changed` instead.",
        workspace.ActivityUpdatedData,
    ),
    EventType(
        "activity.deleted",
        "activity",
        "An activity was removed from the RACI matrix, with its letters.",
        workspace.ActivityDeletedData,
    ),
    EventType(
        "milestone.created",
        "milestone",
        "A milestone was planned. Its due date is also its baseline.",
        plan.MilestoneCreatedData,
    ),
    EventType(
        "milestone.updated",
        "milestone",
        "A milestone was changed. `data` holds the fields that changed, with their new values.",
        plan.MilestoneUpdatedData,
    ),
    EventType(
        "milestone.completed",
        "milestone",
        "A milestone was done. `slip_days` says how late against its baseline.",
        plan.MilestoneCompletedData,
    ),
    EventType(
        "milestone.signed_off",
        "milestone",
        "The customer signed a milestone off on the share page: who (the name they typed), "
        "when, through which link. A milestone not yet done is completed with it.",
        plan.MilestoneSignedOffData,
    ),
    EventType(
        "milestone.missed",
        "milestone",
        "A milestone was missed: its due date passed before it was done (raised by the clock), "
        "or it was marked `missed`. Raised once per due date, whichever comes first.",
        plan.MilestoneMissedData,
    ),
    EventType(
        "milestone.deleted",
        "milestone",
        "A milestone was removed. What depended on it gets a `milestone.updated`.",
        plan.MilestoneDeletedData,
    ),
    EventType(
        "allocation.created",
        "allocation",
        "A member was allocated to a project for a date range.",
        plan.AllocationCreatedData,
    ),
    EventType(
        "allocation.updated",
        "allocation",
        "An allocation was changed. `data` holds the fields that changed.",
        plan.AllocationUpdatedData,
    ),
    EventType(
        "allocation.deleted",
        "allocation",
        "An allocation was removed.",
        plan.AllocationDeletedData,
    ),
    EventType(
        "risk.created",
        "risk",
        "A risk was added to a project's register.",
        risks.RiskCreatedData,
    ),
    EventType(
        "risk.updated",
        "risk",
        "A risk was changed. `data` holds the fields that changed, with their new values.",
        risks.RiskUpdatedData,
    ),
    EventType(
        "risk.escalated",
        "risk",
        "A risk's score rose into a more severe band. Raised on the crossing only.",
        risks.RiskEscalatedData,
    ),
    EventType(
        "risk.occurred",
        "risk",
        "A risk happened: its status became `occurred`.",
        risks.RiskOccurredData,
    ),
    EventType(
        "risk.closed",
        "risk",
        "A risk was closed.",
        risks.RiskClosedData,
    ),
    EventType(
        "risk.deleted",
        "risk",
        "A risk was removed from the register.",
        risks.RiskDeletedData,
    ),
    EventType(
        "risk.alert",
        "risk",
        "A project needs attention now: a risk reached the alert threshold or occurred, a "
        "milestone was missed, or the project turned red. Raised once per crossing, addressed "
        "to the project's accountable and informed people. It is about the risk, the "
        "milestone or the project that crossed.",
        risks.RiskAlertData,
        also_about=("milestone", "project"),
    ),
    EventType(
        "status_report.published",
        "status_report",
        "A status report was published. Its snapshot of the project is frozen from now on.",
        workspace.StatusReportPublishedData,
    ),
    EventType(
        "feedback.received",
        "feedback",
        "Feedback on a project was recorded, from the customer, sales, a survey or its manager.",
        voice.FeedbackReceivedData,
    ),
    EventType(
        "survey.response_received",
        "survey_response",
        "A CSAT or NPS survey response about a project was recorded.",
        voice.SurveyResponseReceivedData,
    ),
    EventType(
        "kpi.at_risk",
        "kpi",
        "A KPI target moved into `at_risk`: not met, and its measurements do not reach it by the "
        "due date. Recorded once per crossing.",
        kpis.KpiAlertData,
    ),
    EventType(
        "kpi.missed",
        "kpi",
        "A KPI target moved into `missed`: its due date passed without the target being met. "
        "Raised once per due date, by a write or by the clock.",
        kpis.KpiAlertData,
    ),
    EventType(
        "meeting.held",
        "meeting",
        "A meeting took place. `decisions` holds what it decided.",
        rhythm.MeetingHeldData,
    ),
    EventType(
        "meeting.upcoming",
        "meeting",
        "A meeting starts soon (within the configured lead time, one hour by default): a planned "
        "meeting, or an occurrence of a cadence (`cadence_id`). Raised once per start, by the "
        "clock.",
        rhythm.MeetingUpcomingData,
        also_about=("cadence",),
    ),
    EventType(
        "action_item.created",
        "action_item",
        "Someone owes something: an action item was recorded, with where it came from.",
        rhythm.ActionItemCreatedData,
    ),
    EventType(
        "action_item.completed",
        "action_item",
        "An action item was done.",
        rhythm.ActionItemCompletedData,
    ),
    EventType(
        "action_item.overdue",
        "action_item",
        "An open action item's due date passed. Raised once per due date, by the clock.",
        rhythm.ActionItemOverdueData,
    ),
    EventType(
        "change_request.submitted",
        "change_request",
        "The customer's change request was submitted for assessment.",
        rhythm.ChangeRequestSubmittedData,
    ),
    EventType(
        "change_request.approved",
        "change_request",
        "A change request was approved and applied: the named milestones moved and the budget "
        "changed in the same transaction (each also has its `milestone.updated` or "
        "`project.updated`). The baseline stays.",
        rhythm.ChangeRequestApprovedData,
    ),
    EventType(
        "change_request.rejected",
        "change_request",
        "A change request was rejected; nothing changes.",
        rhythm.ChangeRequestRejectedData,
    ),
    EventType(
        "lesson.recorded",
        "lesson",
        "A lesson learned was added to the library.",
        rhythm.LessonRecordedData,
    ),
    EventType(
        "risk.review_overdue",
        "risk",
        "An open or mitigating risk's review date passed. Raised once per review date, by the "
        "clock.",
        rhythm.RiskReviewOverdueData,
    ),
    EventType(
        "webhook.test",
        "webhook_endpoint",
        "A test event, sent on demand to one endpoint alone.",
        webhooks.WebhookTestData,
    ),
    EventType(
        "endpoint.disabled",
        "webhook_endpoint",
        "A webhook endpoint was disabled: it answered 410 Gone, or failed for days.",
        webhooks.EndpointDisabledData,
    ),
)

CATALOGUE: dict[str, EventType] = {entry.name: entry for entry in _ENTRIES}


def matching(pattern: str) -> list[EventType]:
    """The types a `type` filter names: one exact type, or all of a prefix (`risk.*`)."""
    if pattern.endswith(".*"):
        prefix = pattern[:-1]
        return [entry for name, entry in CATALOGUE.items() if name.startswith(prefix)]
    return [CATALOGUE[pattern]] if pattern in CATALOGUE else []
