"""Probes and metrics for whoever runs the service."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from app.core.deps import DatabaseDep
from app.core.errors import problem_responses
from app.core.ratelimit import limiter_of
from app.core.routing import DeclaredQueryRoute
from app.operations import service

router = APIRouter(
    tags=["operations"], route_class=DeclaredQueryRoute, responses=problem_responses(422)
)


class Liveness(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str = Field(
        description="`ok`; `degraded`: serving, but the rate limits count in each process's "
        "memory; `unavailable` (503): not serving."
    )
    database: str = Field(description="`ok` or `unreachable`.")
    migrations: str = Field(description="`head`, `pending` or `unknown`.")
    rate_limit_storage: str = Field(
        description="`memory` (each process counts alone), `ok` (Redis answers) or "
        "`unreachable` (each process counts in its own memory until Redis answers again)."
    )


@router.get("/healthz")
async def healthz() -> Liveness:
    """The process is up (liveness)."""
    return Liveness(status="ok")


@router.get(
    "/readyz",
    responses={503: {"model": Readiness, "description": "Not ready: see the fields."}},
)
async def readyz(database: DatabaseDep, request: Request, response: Response) -> Readiness:
    """The database answers and its schema is at the migrations' head (readiness); the rate
    limits' storage is reported, and its outage only degrades."""
    storage = await limiter_of(request.app.state).storage_state()
    try:
        async with database.transaction(write=False) as session:
            current = await service.schema_revisions(session)
    except SQLAlchemyError:
        response.status_code = 503
        return Readiness(
            status="unavailable",
            database="unreachable",
            migrations="unknown",
            rate_limit_storage=storage,
        )
    if current != service.head_revisions():
        response.status_code = 503
        return Readiness(
            status="unavailable", database="ok", migrations="pending", rate_limit_storage=storage
        )
    status = "degraded" if storage == "unreachable" else "ok"
    return Readiness(status=status, database="ok", migrations="head", rate_limit_storage=storage)


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
async def metrics(request: Request, database: DatabaseDep) -> Response:
    """Prometheus metrics of this process, and the webhook backlog from the database."""
    await request.app.state.webhook_backlog.refresh(database)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
