"""`/v1/deals`: push a won deal with an API key; read what CRMs pushed."""

from typing import Annotated

from fastapi import Response, status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.moments import UpdatedSince
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.deals import service
from app.deals.deps import DealsReader, DealsWriter, ReadableDeal
from app.deals.schemas import DealIntake, DealPage, DealPublic, DealPush, ProjectOutcome
from app.models import CrmSource

SyncPages = Annotated[SyncPageParams, sync_pages("deals", deletions=True)]

router = api_router("deals", prefix="/v1/deals")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "description": "The deal already had its project (`project: existing`).",
            "model": DealIntake,
        },
        **problem_responses(409),
    },
)
async def push_deal(
    session: SessionDep,
    caller: DealsWriter,
    _: IdempotencyDep,
    body: DealPush,
    response: Response,
) -> DealIntake:
    """Push a won deal: its project is planned once (201); pushed again, it is found (200)."""
    intake = await service.push_deal(session, caller, body)
    if intake.project is ProjectOutcome.existing:
        response.status_code = status.HTTP_200_OK
    return DealIntake(
        project=intake.project,
        deal_updated=intake.deal_updated,
        project_id=intake.deal.project_id,
        deal=DealPublic.model_validate(intake.deal),
    )


@router.get("")
async def list_deals(
    session: SessionDep,
    caller: DealsReader,
    page: SyncPages,
    source: CrmSource | None = None,
    updated_since: UpdatedSince = None,
) -> DealPage:
    """List deals, oldest first."""
    rows = await service.list_deals(
        session, caller, page, source=source, updated_since=updated_since
    )
    return page.page(rows, DealPage)


@router.get("/{deal_id}", responses=NOT_MODIFIED)
async def get_deal(deal: ReadableDeal) -> DealPublic:
    """Read one deal and the project it became."""
    return DealPublic.model_validate(deal)
