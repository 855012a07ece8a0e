"""CRM metrics: every intake request, by provider and outcome; every refusal, by reason; every
call to a CRM's own API, by provider, connection and outcome."""

from prometheus_client import Counter

INTAKE = Counter(
    "handover_crm_intake_requests_total",
    "CRM intake requests, by provider and outcome.",
    ["provider", "outcome"],
)
REJECTED = Counter(
    "handover_crm_intake_rejected_total",
    "CRM intake requests refused (401 or 413), by provider and reason.",
    ["provider", "reason"],
)
API_CALLS = Counter(
    "handover_crm_api_calls_total",
    "Calls to a CRM's API (each attempt), by provider, connection and outcome "
    "(ok, rate_limited, refused, unavailable, error).",
    ["provider", "connection_id", "outcome"],
)
