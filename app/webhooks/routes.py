"""Webhook endpoints, their deliveries and attempts."""

from fastapi import APIRouter

from app.core.errors import problem_responses
from app.core.routing import HandoverRoute

router = APIRouter(
    tags=["webhooks"],
    route_class=HandoverRoute,
    responses=problem_responses(401, 403, 422, 500),
)
