"""Project templates: how a won deal's project is planned. A built-in default serves until an
organization writes its own."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_by, owned_select
from app.core.writes import assign, flush_or, new_values
from app.handoffs.schemas import HandoffChecklist
from app.models import Phase, ProjectTemplate, RaciRole
from app.project_templates.schemas import (
    Plan,
    ProjectTemplateCreate,
    ProjectTemplatePublic,
    ProjectTemplateUpdate,
    TemplateActivity,
    TemplateMilestone,
    TemplateRole,
)

PM, SALES = TemplateRole.project_manager, TemplateRole.sales_owner
A, R = RaciRole.accountable, RaciRole.responsible

# Only the deal's two people are known when it is won, and a RACI row needs one A and an R held
# by different members: so every built-in row pairs them; the team is staffed later.
BUILT_IN = Plan(
    kickoff_within_business_days=5,
    milestones=[
        TemplateMilestone(name="Kickoff held", due_in_business_days=5, customer_visible=True),
        TemplateMilestone(name="Planning signed off", due_in_business_days=15),
        TemplateMilestone(name="Delivery complete", due_in_business_days=60),
        TemplateMilestone(
            name="Customer acceptance", due_in_business_days=70, customer_visible=True
        ),
    ],
    activities=[
        TemplateActivity(
            name="Handover from sales", phase=Phase.initiating, letters={PM: A, SALES: R}
        ),
        TemplateActivity(
            name="Scope confirmation", phase=Phase.planning, letters={PM: A, SALES: R}
        ),
        TemplateActivity(
            name="Customer acceptance", phase=Phase.closing, letters={PM: A, SALES: R}
        ),
    ],
)
BUILT_IN_NAME = "Built-in default"
BUILT_IN_DESCRIPTION = (
    "Kickoff within 5 business days, planning sign-off, delivery, customer acceptance; the "
    "project manager and the sales owner share the first RACI rows."
)


class ProjectTemplateNotFound(NotFound):
    subject = "project template"


class TemplateNameTaken(Conflict):
    slug = "template-name-taken"


class TemplateInUse(Conflict):
    slug = "template-in-use"


def built_in_template() -> ProjectTemplatePublic:
    return ProjectTemplatePublic(
        id=None,
        name=BUILT_IN_NAME,
        description=BUILT_IN_DESCRIPTION,
        kickoff_within_business_days=BUILT_IN.kickoff_within_business_days,
        milestones=BUILT_IN.milestones,
        activities=BUILT_IN.activities,
        handoff=BUILT_IN.handoff,
        version=1,
        created_at=None,
        updated_at=None,
    )


async def get_template(session: AsyncSession, caller: Caller, template_id: UUID) -> ProjectTemplate:
    return await get_owned(session, caller, ProjectTemplate, template_id, ProjectTemplateNotFound)


async def require_template(
    session: AsyncSession, caller: Caller, template_id: UUID | None, field: str
) -> None:
    """A template named in a body is one of the organization's: else a 422 naming `field`."""
    if template_id is None:
        return
    found = await session.exec(
        select(ProjectTemplate.id).where(
            ProjectTemplate.id == template_id, owned_by(ProjectTemplate, caller)
        )
    )
    if found.first() is None:
        raise InvalidInput(
            "The project template does not exist.",
            errors=[
                FieldProblem(
                    loc=["body", field],
                    message="No such project template in your organization.",
                    type="unknown_reference",
                )
            ],
        )


async def plan_of(session: AsyncSession, template_id: UUID | None) -> Plan:
    """The plan a template describes; the built-in one when there is none."""
    template = None if template_id is None else await session.get(ProjectTemplate, template_id)
    if template is None:
        return BUILT_IN
    return Plan(
        kickoff_within_business_days=template.kickoff_within_business_days,
        milestones=[TemplateMilestone.model_validate(item) for item in template.milestones],
        activities=[TemplateActivity.model_validate(item) for item in template.activities],
        handoff=handoff_checklist(template),
    )


def handoff_checklist(template: ProjectTemplate) -> HandoffChecklist:
    """The template's checklist; the default one for templates written before checklists."""
    return HandoffChecklist.model_validate(template.handoff or {})


def add_business_days(start: date, days: int) -> date:
    """`start` moved forward by `days` working days (Monday to Friday; 0 is `start` itself,
    or the next Monday when it falls on a weekend)."""
    current = start
    while current.weekday() >= 5:
        current += timedelta(days=1)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


async def list_templates(
    session: AsyncSession, caller: Caller, page: PageParams, updated_since: datetime | None
) -> Sequence[ProjectTemplate]:
    statement = where_given(
        owned_select(ProjectTemplate, caller), at_least={ProjectTemplate.updated_at: updated_since}
    )
    return (await session.exec(page.keyset(statement, ProjectTemplate.id))).all()


async def _flush_unique_name(session: AsyncSession, name: str) -> None:
    await flush_or(session, TemplateNameTaken(f"A project template named {name!r} already exists."))


async def create_template(
    session: AsyncSession, caller: Caller, data: ProjectTemplateCreate
) -> ProjectTemplate:
    """Template names are unique in an organization (409)."""
    template = ProjectTemplate(
        organization_id=caller.organization_id, **data.model_dump(mode="json")
    )
    session.add(template)
    await _flush_unique_name(session, template.name)
    return template


async def update_template(
    session: AsyncSession, template: ProjectTemplate, data: ProjectTemplateUpdate
) -> ProjectTemplate:
    """Projects planned from it keep their plan: a template shapes new projects only."""
    changes = new_values(template, data.model_dump(mode="json", exclude_unset=True))
    if not changes:
        return template
    assign(template, changes)
    await _flush_unique_name(session, template.name)
    return template


async def delete_template(session: AsyncSession, template: ProjectTemplate) -> None:
    """A template a CRM connection applies stays until the connection uses another (409)."""
    await session.delete(template)
    await flush_or(
        session,
        TemplateInUse("A CRM connection applies this template: point it at another one first."),
    )
