"""The events feed: everything that happened, in order, for those who poll."""

from fastapi import APIRouter

from app.core.errors import problem_responses
from app.core.routing import HandoverRoute

router = APIRouter(
    tags=["events"],
    route_class=HandoverRoute,
    responses=problem_responses(401, 403, 422, 500),
)
