"""Probes and metrics for whoever runs the service."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import problem_responses
from app.db import DatabaseDep
from app.operations import service
from app.webhooks import metrics as webhook_metrics

router = APIRouter(tags=["operations"])


class Liveness(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    migrations: str


@router.get("/healthz")
async def healthz() -> Liveness:
    """The process is up (liveness)."""
    return Liveness(status="ok")


@router.get(
    "/readyz",
    responses={503: {"model": Readiness, "description": "Not ready: see the fields."}},
)
async def readyz(database: DatabaseDep, response: Response) -> Readiness:
    """The database answers and its schema is at the migrations' head (readiness)."""
    try:
        async with database.transaction(write=False) as session:
            current = await service.schema_revisions(session)
    except SQLAlchemyError:
        response.status_code = 503
        return Readiness(status="unavailable", database="unreachable", migrations="unknown")
    if current != service.head_revisions():
        response.status_code = 503
        return Readiness(status="unavailable", database="ok", migrations="pending")
    return Readiness(status="ok", database="ok", migrations="head")


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
            "description": "Prometheus text exposition.",
        },
        **problem_responses(),
    },
)
async def metrics(database: DatabaseDep) -> Response:
    """Prometheus metrics of this process, and the webhook backlog from the database."""
    await webhook_metrics.refresh(database)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
