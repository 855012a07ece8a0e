"""SMART KPI targets: `/v1/projects/{project_id}/kpis`, `/v1/kpis` and their measurements."""

from fastapi import status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.kpis import service
from app.kpis.deps import KpiFilterDep, KpiToChange, ReadableKpi, WritableKpi
from app.kpis.schemas import (
    KpiCreate,
    KpiMeasurementCreate,
    KpiMeasurementPage,
    KpiMeasurementPublic,
    KpiPage,
    KpiPublic,
    KpiUpdate,
)
from app.projects.deps import ProjectsReader, ProjectsWriter, ReadableProject, WritableProject

router = api_router("kpis")


@router.post(
    "/v1/projects/{project_id}/kpis",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_project_kpi(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: KpiCreate,
) -> KpiPublic:
    """Set a target for the project; it is evaluated at once."""
    kpi = await service.create_kpi(session, caller, body, project)
    return KpiPublic.model_validate(kpi)


@router.get("/v1/projects/{project_id}/kpis")
async def list_project_kpis(
    session: SessionDep,
    caller: ProjectsReader,
    project: ReadableProject,
    page: PageDep,
    kpi_filter: KpiFilterDep,
) -> KpiPage:
    """List the project's targets with their last evaluation (`level` does not apply here)."""
    rows = await service.list_kpis(session, caller, page, kpi_filter, project)
    return page.page(rows, KpiPage)


@router.post("/v1/kpis", status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
async def create_kpi(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    body: KpiCreate,
) -> KpiPublic:
    """Set an organization-level target, computed over all the organization's projects."""
    kpi = await service.create_kpi(session, caller, body)
    return KpiPublic.model_validate(kpi)


@router.get("/v1/kpis")
async def list_kpis(
    session: SessionDep,
    caller: ProjectsReader,
    page: PageDep,
    kpi_filter: KpiFilterDep,
) -> KpiPage:
    """List targets: organization-level ones by default, `level=all` for every project's too
    (e.g. `?level=all&status=at_risk` for what needs attention)."""
    rows = await service.list_kpis(session, caller, page, kpi_filter)
    return page.page(rows, KpiPage)


@router.get("/v1/kpis/{kpi_id}", responses=NOT_MODIFIED)
async def get_kpi(kpi: ReadableKpi) -> KpiPublic:
    """Read a target with its current value, status and trend."""
    return KpiPublic.model_validate(kpi)


@router.patch("/v1/kpis/{kpi_id}", responses=problem_responses(409))
async def update_kpi(
    session: SessionDep,
    caller: ProjectsWriter,
    kpi: KpiToChange,
    body: KpiUpdate,
) -> KpiPublic:
    """Change a target (JSON merge patch); it is evaluated again at once."""
    kpi = await service.update_kpi(session, caller, kpi, body)
    return KpiPublic.model_validate(kpi)


@router.delete(
    "/v1/kpis/{kpi_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(409)
)
async def delete_kpi(session: SessionDep, kpi: KpiToChange) -> None:
    """Delete a target and its measurements."""
    await service.delete_kpi(session, kpi)


@router.post(
    "/v1/kpis/{kpi_id}/measurements",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_kpi_measurement(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    kpi: WritableKpi,
    body: KpiMeasurementCreate,
) -> KpiMeasurementPublic:
    """Post a measurement of a `custom` target (built-in ones → 409); the target is evaluated."""
    measurement = await service.add_measurement(session, kpi, body)
    return KpiMeasurementPublic.model_validate(measurement)


@router.get("/v1/kpis/{kpi_id}/measurements")
async def list_kpi_measurements(
    session: SessionDep, kpi: ReadableKpi, page: PageDep
) -> KpiMeasurementPage:
    """A target's history: posted measurements, or each change of a built-in metric's value."""
    rows = await service.list_measurements(session, kpi, page)
    return page.page(rows, KpiMeasurementPage)
