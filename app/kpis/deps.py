"""Load a KPI target of the caller's organization, or 404; the filters of KPI lists."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.deps import SessionDep
from app.kpis import service
from app.kpis.schemas import KpiFilter, KpiLevel
from app.models.kpi import Kpi, KpiMetric, KpiStatus
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _readable(session: SessionDep, caller: ProjectsReader, kpi_id: UUID) -> Kpi:
    return await service.get_kpi(session, caller, kpi_id)


async def _writable(session: SessionDep, caller: ProjectsWriter, kpi_id: UUID) -> Kpi:
    return await service.get_kpi(session, caller, kpi_id)


def _kpi_filter(
    level: KpiLevel = KpiLevel.organization,
    status: KpiStatus | None = None,
    metric: KpiMetric | None = None,
) -> KpiFilter:
    return KpiFilter(level=level, status=status, metric=metric)


ReadableKpi = Annotated[Kpi, Depends(_readable)]
WritableKpi = Annotated[Kpi, Depends(_writable)]
KpiFilterDep = Annotated[KpiFilter, Depends(_kpi_filter)]
