"""Load a KPI target of the caller's organization, or 404; the filters of KPI lists."""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.kpis import service
from app.kpis.schemas import KpiFilter, KpiLevel
from app.models.kpi import Kpi, KpiMetric, KpiStatus
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _kpi_filter(
    level: KpiLevel = KpiLevel.organization,
    status: KpiStatus | None = None,
    metric: KpiMetric | None = None,
) -> KpiFilter:
    return KpiFilter(level=level, status=status, metric=metric)


ReadableKpi = Annotated[Kpi, Depends(path_row(service.get_kpi, "kpi_id", ProjectsReader))]
WritableKpi = Annotated[Kpi, Depends(path_row(service.get_kpi, "kpi_id", ProjectsWriter))]
KpiToChange = Annotated[
    Kpi, Depends(path_row(service.get_kpi, "kpi_id", ProjectsWriter, if_match=True))
]
KpiFilterDep = Annotated[KpiFilter, Depends(_kpi_filter)]
