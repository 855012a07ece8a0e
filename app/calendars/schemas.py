"""The calendar feeds contract: the secret URL a calendar application subscribes to."""

from datetime import datetime

from pydantic import Field

from app.core.schemas import OutputModel


class CalendarSecretUrl(OutputModel):
    """A feed's secret URL, shown in this response only (only a hash of its secret is kept)."""

    url: str = Field(
        description="Subscribe to it in a calendar application (`/calendars/{secret}.ics`); "
        "anyone holding it can read the feed until it is rotated or removed."
    )
    display_prefix: str = Field(description="The first characters of the secret.")
    rotated_at: datetime = Field(description="When this secret replaced any earlier one.")
