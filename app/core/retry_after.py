"""`Retry-After` as a wait we can schedule: how a webhook receiver or a CRM says when to ask again.

The header comes from someone else's server (a tenant's receiver, a tenant's CRM instance), so it
is read as untrusted text: what is neither a number of seconds nor an HTTP date says nothing
(None), never an exception that would end the batch or round the answer arrived in.
"""

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_SECONDS = 24 * 3600.0


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait, from 0 to a day, or None when the header gives no usable wait.

    `float()` decides what a number is (`isdigit()` takes "²", which `float()` refuses); "inf",
    "nan" and numbers too long for a float say nothing; a wait over a day is a day, so that every
    caller can add it to a datetime.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError, OverflowError):  # naive, malformed or out-of-range dates
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), MAX_SECONDS)
