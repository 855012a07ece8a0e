"""Pipedrive: webhooks v2 with HTTP Basic auth (the user and password set on the webhook).

The body is `{"meta": {...}, "data": {...}, "previous": {...}}`; `data` carries the deal's
current fields, so a deal whose `data.status` is `won` is planned at once. Names behind ids
(organization, owner) are not in the payload: the customer is keyed by the organization id.
"""

import base64
import binascii
import hmac
from datetime import datetime
from typing import Any

from app.crm.clients.base import moment
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


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if colon else None


def verify(
    request: Received, credentials: Credentials, _settings: Settings, _now: datetime
) -> None:
    given = _basic(request.headers.get("authorization", ""))
    if given is None:
        raise Rejected("missing_credentials")
    user, password = given
    expected_user = credentials.basic_auth_username or ""
    user_ok = hmac.compare_digest(user.encode(), expected_user.encode())
    # Every live secret is compared (no early exit), so timing tells nothing about which failed.
    password_ok = False
    for secret in credentials.secrets:
        password_ok |= hmac.compare_digest(password.encode(), secret.encode())
    if not (user_ok and password_ok):
        raise Rejected("bad_credentials")


def _deal_values(data: dict[str, Any]) -> dict[str, Any]:
    org_id = data.get("org_id")
    if isinstance(org_id, dict):  # v1 nests {"value": id, "name": …}
        org_id = org_id.get("value")
    title = data.get("title") or f"Pipedrive deal {data['id']}"
    customer: dict[str, Any] = (
        {"external_id": str(org_id), "name": f"Pipedrive organization {org_id}"}
        if org_id is not None
        else {"name": str(title)}
    )
    value = data.get("value")
    currency = data.get("currency")
    close = data.get("close_time") or data.get("won_time") or data.get("expected_close_date")
    return {
        "external_id": str(data["id"]),
        "name": str(title)[:200],
        "customer": customer,
        "amount": None if value is None or currency is None else str(value),
        "currency": None if value is None or currency is None else currency,
        "close_date": None if not close else str(close)[:10],
        "stage": str(data.get("stage_id")) if data.get("stage_id") is not None else None,
    }


def read(request: Received, _credentials: Credentials) -> Reading:
    message = json_body(request.body)
    meta = message.get("meta") if isinstance(message, dict) else None
    data = message.get("data") if isinstance(message, dict) else None
    if not isinstance(meta, dict) or "id" not in meta:
        raise Malformed("A Pipedrive webhook v2 body has `meta` with an `id`.")
    key = delivery_key("pipedrive", [str(meta["id"])])
    if meta.get("entity") != "deal" or meta.get("action") == "delete" or data is None:
        return Reading(key, [])
    if not isinstance(data, dict) or data.get("id") is None:
        raise Malformed("A deal event's `data` is the deal, with its `id`.")
    deal = canonical(_deal_values(data), ["body", "data"])
    won = data.get("status") == "won"
    changes = deal.model_dump(
        include={"name", "amount", "currency", "close_date"}, exclude_none=True
    )
    lost = data.get("status") == "lost"
    signal = DealSignal(
        deal.external_id,
        won,
        deal if won else None,
        changes,
        message,
        lost=lost,
        modified_at=moment(data.get("update_time")),  # the deal's, as the API reports it
    )
    return Reading(key, [signal])


PROVIDER = Provider(verify=verify, read=read)
