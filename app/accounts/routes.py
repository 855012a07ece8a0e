"""The account view: `GET /v1/customers/{customer_id}/overview`."""

from uuid import UUID

from app.accounts import service
from app.accounts.schemas import AccountOverview
from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.routing import api_router
from app.customers.service import get_customer
from app.models.base import today
from app.projects.deps import ProjectsReader

router = api_router("customers")


@router.get("/v1/customers/{customer_id}/overview", responses=problem_responses(404))
async def get_account_overview(
    session: SessionDep, caller: ProjectsReader, customer_id: UUID
) -> AccountOverview:
    """Everything a salesperson checks before a renewal or upsell call: the customer's
    projects with phase and health, the contracted total, CSAT and NPS over time, open
    feedback, open change requests, open high risks and upcoming customer-visible milestones
    (scope `projects:read`)."""
    customer = await get_customer(session, caller, customer_id)
    return await service.account_overview(session, customer, today())
