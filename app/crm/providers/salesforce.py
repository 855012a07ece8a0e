"""Salesforce: Outbound Messaging (SOAP) for Opportunity.

Outbound Messages carry no signature and no credentials, and the organization id they name is
no secret: the endpoint URL configured in Salesforce carries the connection's secret token
(`?token=…`), compared in constant time with each live secret before anything is parsed. The
XML is parsed without DTDs, entities or external references (defusedxml). A message is accepted
only from the Salesforce organization the connection names; each notification is an
Opportunity, won when `IsWon` is true or its stage is one of the connection's won stages. The
answer is the acknowledgement Salesforce waits for (otherwise it resends for 24 hours).
"""

import hmac
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

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
)
from app.settings import Settings

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
MAX_NOTIFICATIONS = 100
CREDENTIAL_PARAMETER = "token"  # the query parameter of the endpoint URL
ACKNOWLEDGEMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP}">'
    "<soapenv:Body>"
    f'<notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body>"
    "</soapenv:Envelope>"
).encode()


def _notifications(body: bytes) -> Element:
    try:
        envelope = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise Malformed("The body is not a SOAP envelope we can read safely.") from exc
    notifications = envelope.find(f"{{{SOAP}}}Body/{{{OUTBOUND}}}notifications")
    if notifications is None:
        raise Malformed("The SOAP body has no outbound `notifications`.")
    return notifications


def _same_organization(sent: str, expected: str) -> bool:
    """Salesforce ids come in 15 (case-sensitive) and 18 characters (with a checksum)."""
    return len(sent) >= 15 and len(expected) >= 15 and sent[:15] == expected[:15]


def _token_proven(request: Received, credentials: Credentials) -> None:
    if not credentials.secrets:  # a connection made before Salesforce ones had a secret
        raise Rejected("no_secret")
    given = parse_qs(urlsplit(request.path).query).get(CREDENTIAL_PARAMETER)
    if not given:
        raise Rejected("missing_token")
    if len(given) != 1:
        raise Rejected("bad_token")
    # Every live secret is compared (no early exit), so timing tells nothing about which failed.
    proven = False
    for secret in credentials.secrets:
        proven |= hmac.compare_digest(given[0].encode(), secret.encode())
    if not proven:
        raise Rejected("bad_token")


def verify(
    request: Received, credentials: Credentials, _settings: Settings, _now: datetime
) -> None:
    _token_proven(request, credentials)
    try:
        notifications = _notifications(request.body)
    except Malformed as exc:
        raise Rejected("unreadable_envelope") from exc
    organization_id = notifications.findtext(f"{{{OUTBOUND}}}OrganizationId") or ""
    if not _same_organization(
        organization_id.strip(), credentials.salesforce_organization_id or ""
    ):
        raise Rejected("wrong_organization")


def _fields(sobject: Element) -> dict[str, str]:
    return {
        child.tag.rsplit("}", 1)[-1]: (child.text or "").strip()
        for child in sobject
        if child.text is not None
    }


def _signal(notification: Element, index: int, credentials: Credentials) -> DealSignal:
    sobject = notification.find(f"{{{OUTBOUND}}}sObject")
    if sobject is None:
        raise Malformed(f"notification {index} has no sObject")
    fields = _fields(sobject)
    if not fields.get("Id"):
        raise Malformed(f"notification {index}: the Opportunity has no Id")
    stage = fields.get("StageName")
    won = fields.get("IsWon", "").lower() == "true" or (stage in credentials.won_stages)
    account = fields.get("AccountId")
    amount = fields.get("Amount") or None
    currency = fields.get("CurrencyIsoCode") or None
    values: dict[str, Any] = {
        "external_id": fields["Id"],
        "name": (fields.get("Name") or f"Salesforce opportunity {fields['Id']}")[:200],
        "customer": (
            {"external_id": account, "name": f"Salesforce account {account}"}
            if account
            else {"name": fields.get("Name") or fields["Id"]}
        ),
        "amount": amount if amount and currency else None,
        "currency": currency if amount and currency else None,
        "close_date": fields.get("CloseDate") or None,
        "stage": stage,
        "requirements": fields.get("Description") or None,
    }
    deal = canonical(values, ["body", "notifications", index])
    changes = deal.model_dump(
        include={"name", "amount", "currency", "close_date", "stage"}, exclude_none=True
    )
    lost = not won and fields.get("IsClosed", "").lower() == "true"
    return DealSignal(
        deal.external_id,
        won,
        deal if won else None,
        changes,
        {"sObject": fields},
        lost=lost,
        modified_at=moment(fields.get("LastModifiedDate")),  # when the message includes it
    )


def read(request: Received, credentials: Credentials) -> Reading:
    notifications = _notifications(request.body)
    items = notifications.findall(f"{{{OUTBOUND}}}Notification")
    if not items or len(items) > MAX_NOTIFICATIONS:
        raise Malformed(f"An outbound message carries 1 to {MAX_NOTIFICATIONS} notifications.")
    signals = [_signal(item, index, credentials) for index, item in enumerate(items)]
    ids = [item.findtext(f"{{{OUTBOUND}}}Id") or "" for item in items]
    return Reading(delivery_key("notifications", ids), signals)


# A message set to "Send Session ID" carries a live session of the Salesforce user who sends
# it. Handover calls the API with the connection's own token and never needs it.
SESSION_ID = re.compile(rb"(<(?:[\w.-]+:)?SessionId\b[^>/]*>)[^<]*(</(?:[\w.-]+:)?SessionId>)")


def kept_body(body: bytes) -> bytes:
    """The message as it came, its session id left out (the element stays, empty).

    The bytes are edited where Salesforce's own form allows it, so that the rest is kept to the
    byte; then the result is read as XML, and a session id still in it (in a form the edit did
    not foresee: CDATA, a comment inside, another namespace) empties it in the tree, which is
    kept as read. A body that is not XML keeps nothing from its first `SessionId` on."""
    if b"SessionId" not in body:
        return body
    edited = SESSION_ID.sub(rb"\1\2", body)
    try:
        envelope = fromstring(edited, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        return edited[: edited.index(b"SessionId")]
    sessions = [
        element
        for element in envelope.iter()
        if isinstance(element.tag, str)
        and element.tag.rpartition("}")[2] == "SessionId"
        and (element.text or len(element))
    ]
    if not sessions:
        return edited
    for element in sessions:
        element.text = None
        for child in list(element):
            element.remove(child)
    kept: bytes = tostring(envelope, encoding="utf-8")
    return kept


PROVIDER = Provider(verify=verify, read=read, kept_body=kept_body)
