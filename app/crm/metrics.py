"""CRM intake metrics: every request, by provider and outcome; every refusal, by reason."""

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
