"""A won deal's project, planned from a template: milestones, RACI rows, dates and budget."""

from datetime import date, time
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.outbox import record_change
from app.meetings.kickoff import propose_kickoff_meeting
from app.milestones import service as milestones
from app.milestones.schemas import MilestoneCreate
from app.models import Deal, Organization, Project
from app.models.base import today
from app.project_templates.schemas import Plan, TemplateActivity, TemplateRole
from app.project_templates.service import add_business_days
from app.raci import service as raci
from app.raci.schemas import ActivityCreate, AssignmentInput

People = dict[TemplateRole, UUID | None]
MAX_DESCRIPTION = 10_000


def deal_reference(deal: Deal) -> dict[str, Any]:
    """How events name the deal a project came from."""
    return {"deal_id": deal.id, "source": deal.source, "external_id": deal.external_id}


def project_description(requirements: str | None, line_items: list[dict[str, Any]]) -> str | None:
    """What was sold, as the PM reads it: the deal's requirements, then its line items."""
    lines = [requirements] if requirements else []
    if line_items:
        lines.append("What was sold:")
        for item in line_items:
            quantity = str(item.get("quantity") or "1")
            if "." in quantity:  # 2.50 → 2.5, 1.0 → 1; never 200 → 2
                quantity = quantity.rstrip("0").rstrip(".") or "1"
            sku = f" [{item['sku']}]" if item.get("sku") else ""
            price = f" at {item['unit_price']}" if item.get("unit_price") else ""
            lines.append(f"- {quantity} × {item.get('name')}{sku}{price}")
    return "\n".join(lines)[:MAX_DESCRIPTION] or None


def _assignments(activity: TemplateActivity, people: People) -> list[AssignmentInput] | None:
    """The row's letters for the deal's people, or None when they cannot keep the RACI rules
    (no project manager yet, or one person in both roles): that row is left to staff by hand."""
    holders = {role: people[role] for role in activity.letters}
    members = [member for member in holders.values() if member is not None]
    if len(set(members)) != len(holders):
        return None
    return [
        AssignmentInput(member_id=member_id, role=activity.letters[role])
        for role, member_id in holders.items()
        if member_id is not None
    ]


async def plan_project(
    session: AsyncSession,
    caller: Caller,
    deal: Deal,
    plan: Plan,
    project_manager_id: UUID | None,
    *,
    crm_incomplete: bool = False,
    unmatched_owner_email: str | None = None,
) -> Project:
    """The project of a won deal, in `initiating`: the deal's customer, sales owner, amount as
    budget and requirements as description; the template's milestones (due in business days
    from today, each after the one before), the RACI rows the deal's people can hold and a
    proposed kickoff meeting within the template's window, at the organization's meeting
    hour in its time zone. Records `project.created` with
    the deal, then the milestones' and activities' events."""
    start = add_business_days(today(), 0)
    ordered = sorted(plan.milestones, key=lambda item: item.due_in_business_days)
    dues = [add_business_days(start, item.due_in_business_days) for item in ordered]
    project = Project(
        organization_id=deal.organization_id,
        name=deal.name,
        description=project_description(deal.requirements, deal.line_items),
        customer_id=deal.customer_id,
        sales_owner_id=deal.sales_owner_id,
        project_manager_id=project_manager_id,
        start_date=start,
        target_end_date=dues[-1] if dues else None,
        budget_amount=deal.amount,
        budget_currency=deal.currency,
        deal_amount=deal.amount,
        deal_currency=deal.currency,
        crm_incomplete=crm_incomplete,
        unmatched_sales_owner_email=unmatched_owner_email,
    )
    session.add(project)
    await session.flush()
    created = {
        field: getattr(project, field)
        for field in (
            "name",
            "description",
            "customer_id",
            "sales_owner_id",
            "project_manager_id",
            "start_date",
            "target_end_date",
            "budget",
        )
    }
    await record_change(
        session, "project.created", project, {**created, "deal": deal_reference(deal)}
    )

    people: People = {
        TemplateRole.project_manager: project_manager_id,
        TemplateRole.sales_owner: deal.sales_owner_id,
    }
    await milestones.create_milestones(
        session,
        caller,
        project,
        [
            MilestoneCreate(
                name=item.name,
                due_date=due,
                owner_id=people[item.owner] if item.owner else None,
                customer_visible=item.customer_visible,
                requires_sign_off=item.requires_sign_off,
                acceptance=item.acceptance,
            )
            for item, due in zip(ordered, dues, strict=True)
        ],
        in_sequence=True,
    )
    activities = [
        ActivityCreate(name=activity.name, phase=activity.phase, assignments=assignments)
        for activity in plan.activities
        if (assignments := _assignments(activity, people)) is not None
    ]
    await raci.create_activities(session, caller, project, activities)
    organization = await session.get(Organization, project.organization_id)
    assert organization is not None  # the deal's organization exists (foreign key)
    await propose_kickoff_meeting(
        session,
        project,
        kickoff_deadline(project, plan),
        time_zone=organization.time_zone,
        local_time=time(organization.default_meeting_hour),
    )
    return project


def kickoff_deadline(project: Project, plan: Plan) -> date:
    """The last business day the kickoff meeting may take place."""
    assert project.start_date is not None  # planned projects always start
    return add_business_days(project.start_date, plan.kickoff_within_business_days)
