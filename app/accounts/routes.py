"""The account view: `GET /v1/customers/{customer_id}/overview`."""

from app.accounts import service
from app.accounts.deps import ReadableAccount
from app.accounts.schemas import AccountOverview
from app.core.deps import SessionDep
from app.core.routing import api_router
from app.models.base import today

router = api_router("customers")


@router.get("/v1/customers/{customer_id}/overview")
async def get_account_overview(session: SessionDep, customer: ReadableAccount) -> AccountOverview:
    """Everything a salesperson checks before a renewal or upsell call: the customer's
    projects with phase and health, the contracted total, CSAT and NPS over time, open
    feedback, open change requests, open high risks and upcoming customer-visible milestones
    (scope `projects:read`)."""
    return await service.account_overview(session, customer, today())
