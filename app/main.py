"""The application: routers, middleware, error handlers, lifespan — nothing else."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

from app import __version__
from app.accounts.routes import router as accounts_router
from app.action_items.routes import router as action_items_router
from app.allocations.routes import router as allocations_router
from app.analytics.routes import router as analytics_router
from app.api_keys.routes import router as api_keys_router
from app.background import run_background
from app.calendars.routes import public_router as public_calendars_router
from app.calendars.routes import router as calendars_router
from app.change_requests.routes import router as change_requests_router
from app.core.errors import install_error_handlers
from app.core.etag import install_etag_handlers
from app.core.idempotency import install_idempotency_handlers
from app.core.limits import BodyLimitMiddleware
from app.core.logging import configure_logging
from app.core.observability import ObservabilityMiddleware
from app.core.openapi import build_openapi, operation_id
from app.core.ratelimit import RateLimiter
from app.core.routing import DeclaredQueryRoute
from app.costs.routes import router as costs_router
from app.crm.intake_routes import router as crm_intake_router
from app.crm.intake_store import DatabaseIntake, IntakeStore
from app.crm.routes import router as crm_router
from app.customer_tasks.routes import router as customer_tasks_router
from app.customers.routes import router as customers_router
from app.db import Database
from app.deals.routes import router as deals_router
from app.events.openapi import webhook_operations
from app.events.routes import router as events_router
from app.fastpath.intake import LeanIntake
from app.fastpath.middleware import ProjectPolls
from app.fastpath.pools import LeanPools
from app.feedback.routes import router as feedback_router
from app.handoffs.routes import router as handoffs_router
from app.kpis.routes import router as kpis_router
from app.lessons.routes import router as lessons_router
from app.meetings.routes import router as meetings_router
from app.members.routes import router as members_router
from app.milestones.routes import router as milestones_router
from app.operations.routes import router as operations_router
from app.organizations.routes import router as organization_router
from app.project_templates.routes import router as project_templates_router
from app.projects.lifecycle_routes import router as project_lifecycle_router
from app.projects.routes import router as projects_router
from app.raci.routes import router as raci_router
from app.risks.routes import router as risks_router
from app.settings import Settings
from app.share.pages import router as share_pages_router
from app.share.routes import router as share_links_router
from app.status_reports.routes import router as status_reports_router
from app.surveys.routes import router as surveys_router
from app.webhooks import metrics as webhook_metrics
from app.webhooks.routes import router as webhooks_router


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's routes, added to the app's own router as they are.

    Each route already carries its router's prefix, tags, responses and route class (an
    `APIRouter` applies them as a route is declared). `include_router` would instead keep each
    router as a branch that every request walks and matches twice (bench/README.md).
    """
    for route in router.routes:
        if isinstance(route, APIRoute):
            route.unique_id = operation_id(route)  # what include_router would have named it
        if isinstance(route, DeclaredQueryRoute):
            route.listed_as_is()
        app.router.routes.append(route)


class HandoverAPI(FastAPI):
    """FastAPI with the observability and the lean polls (app/fastpath/) outside of its own
    middleware.

    FastAPI wraps every request in its error, telemetry and body-limit layers before the
    app's own middleware; a poll the lean path answers needs none of them (bench/README.md).
    Outside them, the request id and the metrics also cover the 500s that FastAPI's error
    layer answers.
    """

    def build_middleware_stack(self) -> ASGIApp:
        inner = ProjectPolls(
            super().build_middleware_stack(),
            routes=self.router.routes,
            database=self.state.database,
            pools=self.state.lean_pools,
            limiter=self.state.rate_limiter,
        )
        return ObservabilityMiddleware(inner)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    database = Database(settings)
    lean_pools = LeanPools(settings)
    rate_limiter = RateLimiter(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        background = asyncio.create_task(
            run_background(
                database,
                stop,
                deliver=settings.dispatcher_enabled,
                with_clock=settings.clock_enabled,
            )
        )
        yield
        stop.set()
        await background
        await database.dispose()
        await lean_pools.close()
        rate_limiter.close()

    app = HandoverAPI(
        title="Handover",
        version=__version__,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.lean_pools = lean_pools
    # The intake's reads and writes: on PostgreSQL one statement each on the lean pools.
    engine_intake = DatabaseIntake(database)
    crm_intake: IntakeStore = (
        engine_intake if settings.is_sqlite else LeanIntake(lean_pools, fallback=engine_intake)
    )
    app.state.crm_intake = crm_intake
    app.state.rate_limiter = rate_limiter
    app.state.webhook_backlog = webhook_metrics.Backlog(settings.metrics_backlog_seconds)
    install_error_handlers(app)
    install_etag_handlers(app)
    install_idempotency_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    for router in (
        projects_router,
        project_lifecycle_router,
        handoffs_router,
        customer_tasks_router,
        milestones_router,
        raci_router,
        allocations_router,
        risks_router,
        status_reports_router,
        feedback_router,
        surveys_router,
        kpis_router,
        costs_router,
        analytics_router,
        deals_router,
        crm_router,
        crm_intake_router,
        project_templates_router,
        share_links_router,
        share_pages_router,
        calendars_router,
        public_calendars_router,
        meetings_router,
        action_items_router,
        change_requests_router,
        lessons_router,
        events_router,
        webhooks_router,
        members_router,
        customers_router,
        accounts_router,
        api_keys_router,
        organization_router,
        operations_router,
    ):
        _add_routes(app, router)
    if not settings.metrics_enabled:
        app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/metrics"]
    app.openapi = lambda: build_openapi(app, webhooks=webhook_operations)  # type: ignore[method-assign]
    return app
