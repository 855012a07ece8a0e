"""HubSpot: webhook signature v3, and deal events (a JSON array).

The signature is the base64 HMAC-SHA256, keyed with the app's client secret, of
`method + URL HubSpot called + body + X-HubSpot-Request-Timestamp` (milliseconds). HubSpot signs
the public URL, so ours is built from `HANDOVER_PUBLIC_BASE_URL`, not from what the proxy
forwarded. A deal whose `dealstage` changes to one of the connection's won stages is won;
`amount` and `closedate` changes update a deal that already has its project.
"""

import base64
import hashlib
import hmac
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.core.numbers import whole_number
from app.crm.providers.base import (
    Credentials,
    DealSignal,
    Malformed,
    Provider,
    Reading,
    Received,
    Rejected,
    canonical,
    delivery_key,
    json_body,
)
from app.settings import Settings

MAX_EVENTS = 100
LOST_STAGE = "closedlost"  # HubSpot's default pipeline's lost stage
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 14  # what a deal's amount holds (16 digits, 2 of them decimals)


def signature(secret: str, method: str, url: str, body: bytes, timestamp: str) -> str:
    message = method.encode() + url.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify(request: Received, credentials: Credentials, settings: Settings, now: datetime) -> None:
    sent = request.headers.get("x-hubspot-signature-v3")
    timestamp = request.headers.get("x-hubspot-request-timestamp", "")
    sent_at_ms = whole_number(timestamp, digits=15)  # milliseconds: 13 digits until 2286
    if not sent or sent_at_ms is None:
        raise Rejected("missing_headers")
    age_ms = now.timestamp() * 1000 - sent_at_ms
    if abs(age_ms) > settings.crm_signature_tolerance_seconds * 1000:
        raise Rejected("stale_timestamp")
    url = request.base_url + request.path
    for secret in credentials.secrets:
        expected = signature(secret, request.method, url, request.body, timestamp)
        if hmac.compare_digest(expected.encode(), sent.encode()):
            return
    # HubSpot signs the URL it called: a proxy in front without HANDOVER_PUBLIC_BASE_URL shows here
    raise Rejected("bad_signature", f"bad_signature: checked as signed over {request.method} {url}")


def _value(event: dict[str, Any], name: str) -> Any:
    """An event's property value as the deal's field: amounts as decimals, dates as dates
    (HubSpot sends epoch milliseconds or ISO dates)."""
    value = event.get("propertyValue")
    if value in (None, ""):
        return None
    text = str(value)
    if name == "amount":
        try:
            amount = Decimal(text).quantize(CENT)
        except InvalidOperation as exc:
            raise Malformed(f"amount {text[:40]!r} is not a number") from exc
        if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:  # a deal's column: 16 digits
            raise Malformed(f"amount {text[:40]!r} is out of range")
        return amount
    if text.isdigit():
        try:
            return datetime.fromtimestamp(int(text) / 1000, UTC).date()
        except (OverflowError, ValueError, OSError) as exc:  # beyond the calendar
            raise Malformed(f"closedate {text[:40]!r} is not a date") from exc
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise Malformed(f"closedate {text[:40]!r} is not a date") from exc


_FIELDS = {"amount": "amount", "closedate": "close_date", "dealname": "name"}


def _signal(event: dict[str, Any], index: int, credentials: Credentials) -> DealSignal | None:
    if not str(event.get("subscriptionType", "")).startswith("deal."):
        return None
    object_id = event.get("objectId")
    if not isinstance(object_id, int | str) or isinstance(object_id, bool) or not str(object_id):
        raise Malformed(f"event {index} has no objectId")
    external_id = str(object_id)
    name = event.get("propertyName")
    if name == "dealstage":
        stage = str(event.get("propertyValue", ""))
        won = stage in credentials.won_stages
        deal = None
        if won:
            deal = canonical(
                {
                    "external_id": external_id,
                    "name": f"HubSpot deal {external_id}",
                    "customer": {"name": f"Customer of HubSpot deal {external_id}"},
                    "stage": stage,
                },
                ["body", index],
            )
        return DealSignal(external_id, won, deal, {"stage": stage}, event, lost=stage == LOST_STAGE)
    if name in _FIELDS:
        return DealSignal(external_id, False, None, {_FIELDS[name]: _value(event, name)}, event)
    return None


def read(request: Received, credentials: Credentials) -> Reading:
    events = json_body(request.body)
    if not isinstance(events, list) or not events or len(events) > MAX_EVENTS:
        raise Malformed(f"HubSpot sends a JSON array of 1 to {MAX_EVENTS} events.")
    if not all(isinstance(event, dict) and "eventId" in event for event in events):
        raise Malformed("Every HubSpot event is an object with an eventId.")
    signals = [_signal(event, index, credentials) for index, event in enumerate(events)]
    key = delivery_key("events", (str(event["eventId"]) for event in events))
    return Reading(key, [signal for signal in signals if signal is not None])


PROVIDER = Provider(verify=verify, read=read)
