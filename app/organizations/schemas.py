"""The organization settings contract: the alert threshold, the zone and hour it works in."""

from datetime import datetime
from functools import cache
from typing import Annotated
from uuid import UUID
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field

from app.core.examples import with_examples
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


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _iana_zone(name: str) -> str:
    """A zone zoneinfo knows by name (not a folder of them such as `Europe`, nor a path)."""
    if name not in _zones():
        raise ValueError(f"{name!r} is not an IANA time zone such as 'Europe/Berlin'.")
    return name


TimeZone = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="IANA time zone the organization works in, e.g. `Europe/Berlin`: the "
        "kickoff a won deal's project gets is proposed at `default_meeting_hour` there.",
        examples=["Europe/Berlin"],
    ),
    AfterValidator(_iana_zone),
]
MeetingHour = Annotated[
    int,
    Field(
        ge=0,
        le=23,
        description="Local hour (0–23, in `time_zone`) at which proposed meetings start.",
    ),
]


class OrganizationUpdate(PatchModel):
    risk_alert_threshold: Threshold = unchanged()
    time_zone: TimeZone = unchanged()
    default_meeting_hour: MeetingHour = unchanged()

    model_config = with_examples(
        {"risk_alert_threshold": 12}, {"time_zone": "Europe/Berlin", "default_meeting_hour": 9}
    )


class OrganizationPublic(OutputModel):
    id: UUID
    name: str
    risk_alert_threshold: Threshold
    time_zone: str = Field(description="IANA time zone the organization works in.")
    default_meeting_hour: MeetingHour
    created_at: datetime
