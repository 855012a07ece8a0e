"""The customer's voice: surveys."""

from fastapi import APIRouter

from app.core.errors import problem_responses
from app.core.routing import HandoverRoute

router = APIRouter(
    tags=["surveys"],
    route_class=HandoverRoute,
    responses=problem_responses(401, 403, 422, 500),
)
