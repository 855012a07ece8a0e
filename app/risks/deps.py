"""Load a risk of the caller's organization, or 404; the filters every risk list shares."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from app.core.errors import FieldProblem, InvalidInput
from app.core.moments import UpdatedSince
from app.core.path_rows import path_row
from app.models import Risk, RiskStatus
from app.projects.deps import ProjectsReader, ProjectsWriter
from app.risks import service
from app.risks.schemas import RiskFilter


async def _risk_filter(
    status: Annotated[
        list[RiskStatus] | None,
        Query(description="Only risks in one of these statuses (repeat the parameter)."),
    ] = None,
    min_score: Annotated[
        int | None, Query(ge=1, le=25, description="Only risks scoring at least this.")
    ] = None,
    max_score: Annotated[
        int | None, Query(ge=1, le=25, description="Only risks scoring at most this.")
    ] = None,
    review_overdue: Annotated[
        bool | None,
        Query(
            description="`true`: only risks past their review date (UTC) and not `closed`; "
            "`false`: only the others."
        ),
    ] = None,
    updated_since: UpdatedSince = None,
    change_request_id: Annotated[
        UUID | None,
        Query(description="Only the risks this change request raised when it was approved."),
    ] = None,
) -> RiskFilter:
    if min_score is not None and max_score is not None and min_score > max_score:
        raise InvalidInput(
            "min_score is above max_score: no risk could match.",
            errors=[
                FieldProblem(
                    loc=["query", "max_score"],
                    message="must not be below min_score",
                    type="range_order",
                )
            ],
        )
    return RiskFilter(
        statuses=frozenset(status or ()),
        min_score=min_score,
        max_score=max_score,
        review_overdue=review_overdue,
        updated_since=updated_since,
        change_request_id=change_request_id,
    )


ReadableRisk = Annotated[Risk, Depends(path_row(service.get_risk, "risk_id", ProjectsReader))]
RiskToChange = Annotated[
    Risk, Depends(path_row(service.get_risk, "risk_id", ProjectsWriter, if_match=True))
]
RiskFilterDep = Annotated[RiskFilter, Depends(_risk_filter)]
