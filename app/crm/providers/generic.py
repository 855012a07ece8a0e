"""Generic JSON: the canonical deal, signed the Standard Webhooks way by any live secret of the
connection (`webhook-id`, `webhook-timestamp`, `webhook-signature`; a 5-minute window)."""

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from standardwebhooks import Webhook

from app.core.errors import FieldProblem
from app.crm.providers.base import (
    Credentials,
    DealSignal,
    Malformed,
    Provider,
    Reading,
    Received,
    Rejected,
    delivery_key,
)
from app.deals.schemas import CanonicalDeal
from app.deals.service import changes_of
from app.settings import Settings


def verify(
    request: Received, credentials: Credentials, _settings: Settings, _now: datetime
) -> None:
    headers = dict(request.headers)
    if not all(
        headers.get(name) for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    ):
        raise Rejected("missing_headers")
    for secret in credentials.secrets:
        try:
            Webhook(secret).verify(request.body, headers, json_parse=False)
        except Exception as exc:  # any failure, of any kind, is a refusal
            if "timestamp" in str(exc).lower():
                raise Rejected("stale_timestamp") from exc
            continue
        return
    raise Rejected("bad_signature")


def read(request: Received, credentials: Credentials) -> Reading:
    try:
        deal = CanonicalDeal.model_validate_json(request.body)
    except ValidationError as exc:
        raise Malformed(
            "The body is not a canonical deal.",
            [
                FieldProblem(loc=["body", *error["loc"]], message=error["msg"], type=error["type"])
                for error in exc.errors()
            ],
        ) from exc
    won = not credentials.won_stages or deal.stage in credentials.won_stages
    raw: dict[str, Any] = deal.model_dump(mode="json", exclude_unset=True)
    signal = DealSignal(deal.external_id, won, deal, changes_of(deal), raw)
    return Reading(delivery_key("webhook", [request.headers["webhook-id"]]), [signal])


PROVIDER = Provider(verify=verify, read=read)
