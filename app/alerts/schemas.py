"""The organization settings contract: the alert threshold."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field

from app.core.schemas import OutputModel, PatchModel, unchanged

Threshold = Annotated[
    int,
    Field(
        ge=1,
        le=25,
        description="An open or mitigating risk scoring this or more (probability × impact, "
        "1–25) raises a `risk.alert`. A change applies from each risk's next save; risks are "
        "not re-evaluated when it changes.",
    ),
]


class OrganizationUpdate(PatchModel):
    risk_alert_threshold: Threshold = unchanged()

    model_config = ConfigDict(json_schema_extra={"examples": [{"risk_alert_threshold": 12}]})


class OrganizationPublic(OutputModel):
    id: UUID
    name: str
    risk_alert_threshold: Threshold
    created_at: datetime
