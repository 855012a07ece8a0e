"""HubSpot (CRM API v3, associations v4): deals completed with batch reads.

Per up to 100 deals: the deals, their associations to companies, contacts and line items (three
v4 batch reads), those records (a batch read each, 100 ids a call), the owners (one call for one
owner, else the owners list) and, once per client, the portal's currency for a deal that has an
amount but no `deal_currency_code` (single-currency portals leave it empty). A batch answered
207 (multi-status) lists unknown ids under `errors`: those deals are simply absent.
"""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from app.crm.clients.base import (
    LONG_TEXT_LENGTH,
    MAX_CONTACTS,
    ApiAccess,
    ChangedPage,
    Contact,
    CrmDeal,
    contact,
    crm_deal,
    currency,
    day,
    email,
    line_item,
    moment,
    money,
    text,
    website,
)
from app.crm.clients.http import CrmCallFailed, CrmHttp
from app.deals.schemas import MAX_LINE_ITEMS
from app.models import CrmSource

BATCH = 100  # ids per batch read (HubSpot's limit)
SEARCH_LIMIT = 100
SEARCH_WINDOW = 10_000  # HubSpot's search returns at most this many results per query
MAX_ASSOCIATION_PAGES = 5
MAX_OWNER_PAGES = 10  # 500 owners a page
LOST_STAGE = "closedlost"  # the default pipeline's lost stage
PRIMARY_COMPANY_TYPE = 5  # HUBSPOT_DEFINED "deal to primary company"

DEAL_PROPERTIES = [
    "dealname",
    "amount",
    "deal_currency_code",
    "closedate",
    "dealstage",
    "pipeline",
    "hubspot_owner_id",
    "description",
    "hs_lastmodifieddate",
    "hs_is_closed_won",
    "hs_is_closed_lost",
]
COMPANY_PROPERTIES = ["name", "domain", "website"]
CONTACT_PROPERTIES = ["firstname", "lastname", "email", "jobtitle"]
LINE_ITEM_PROPERTIES = ["name", "quantity", "price", "hs_sku"]

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = BATCH) -> list[list[T]]:
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


class HubSpotClient:
    def __init__(self, access: ApiAccess, http: CrmHttp) -> None:
        self.access = access
        self.http = http
        self._portal_currency: str | None = None
        self._portal_currency_known = False
        self._owners: dict[str, tuple[str | None, str | None]] = {}

    async def _read(
        self, object_type: str, ids: Sequence[str], properties: list[str]
    ) -> dict[str, dict[str, Any]]:
        """Records by id (those HubSpot does not know are absent), 100 ids a call."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(ids))):
            answer = await self.http.call(
                "POST",
                f"/crm/v3/objects/{object_type}/batch/read",
                json={
                    "properties": properties,
                    "propertiesWithHistory": [],
                    "inputs": [{"id": record_id} for record_id in chunk],
                },
            )
            for record in (answer or {}).get("results") or []:
                if isinstance(record, dict) and record.get("id") is not None:
                    found[str(record["id"])] = record
        return found

    async def _associations(
        self, to_type: str, deal_ids: Sequence[str], want: int
    ) -> dict[str, list[dict[str, Any]]]:
        """Each deal's associated records of one type (`toObjectId`, `associationTypes`), up to
        `want` each, following `paging.next.after` for deals that have more."""
        linked: dict[str, list[dict[str, Any]]] = {deal_id: [] for deal_id in deal_ids}
        inputs: list[dict[str, str]] = [{"id": deal_id} for deal_id in deal_ids]
        for _ in range(MAX_ASSOCIATION_PAGES):
            following: list[dict[str, str]] = []
            for chunk in _chunks(inputs):
                answer = await self.http.call(
                    "POST",
                    f"/crm/v4/associations/deals/{to_type}/batch/read",
                    json={"inputs": chunk},
                )
                for result in (answer or {}).get("results") or []:
                    deal_id = str((result.get("from") or {}).get("id"))
                    if deal_id not in linked:
                        continue
                    linked[deal_id].extend(
                        to for to in result.get("to") or [] if isinstance(to, dict)
                    )
                    after = ((result.get("paging") or {}).get("next") or {}).get("after")
                    if after and len(linked[deal_id]) < want:
                        following.append({"id": deal_id, "after": str(after)})
            if not following:
                break
            inputs = following
        return {deal_id: records[:want] for deal_id, records in linked.items()}

    async def _owners_by_id(self, owner_ids: set[str]) -> dict[str, tuple[str | None, str | None]]:
        """Email and name per owner: one GET for a single new owner, else the owners list (one
        call for up to 500 owners) until all are found."""
        missing = owner_ids - self._owners.keys()
        if len(missing) == 1:
            (owner_id,) = missing
            try:
                owner = await self.http.call("GET", f"/crm/v3/owners/{owner_id}")
            except CrmCallFailed as exc:
                if exc.status_code != 404:
                    raise
                owner = None
            self._owners[owner_id] = _owner(owner)
        elif missing:
            after: str | None = None
            for _ in range(MAX_OWNER_PAGES):
                params = {"limit": 500, **({"after": after} if after else {})}
                answer = await self.http.call("GET", "/crm/v3/owners", params=params) or {}
                for owner in answer.get("results") or []:
                    if isinstance(owner, dict) and owner.get("id") is not None:
                        self._owners[str(owner["id"])] = _owner(owner)
                        missing.discard(str(owner["id"]))
                after = ((answer.get("paging") or {}).get("next") or {}).get("after")
                if not after or not missing:
                    break
            for owner_id in missing:
                self._owners[owner_id] = (None, None)
        return {owner_id: self._owners.get(owner_id, (None, None)) for owner_id in owner_ids}

    async def _company_currency(self) -> str | None:
        """The portal's currency (asked at most once per client)."""
        if not self._portal_currency_known:
            details = await self.http.call("GET", "/account-info/v3/details") or {}
            self._portal_currency = currency(details.get("companyCurrency"))
            self._portal_currency_known = True
        return self._portal_currency

    async def complete(self, external_ids: Sequence[str]) -> dict[str, CrmDeal]:
        ids = list(
            dict.fromkeys(str(deal_id) for deal_id in external_ids if str(deal_id).isdigit())
        )
        completed: dict[str, CrmDeal] = {}
        for chunk in _chunks(ids):
            completed.update(await self._complete(chunk))
        return completed

    async def _complete(self, ids: list[str]) -> dict[str, CrmDeal]:
        deals = await self._read("deals", ids, DEAL_PROPERTIES)
        if not deals:
            return {}
        known = sorted(deals)
        companies_of, contacts_of, items_of = await asyncio.gather(
            self._associations("companies", known, 20),
            self._associations("contacts", known, MAX_CONTACTS),
            self._associations("line_items", known, MAX_LINE_ITEMS),
        )
        company_of = {deal_id: _primary(links) for deal_id, links in companies_of.items()}
        owner_ids = {
            str(owner_id)
            for deal in deals.values()
            if (owner_id := _props(deal).get("hubspot_owner_id")) and str(owner_id).isdigit()
        }
        companies, contacts, items, owners = await asyncio.gather(
            self._read("companies", [c for c in company_of.values() if c], COMPANY_PROPERTIES),
            self._read("contacts", _ids(contacts_of), CONTACT_PROPERTIES),
            self._read("line_items", _ids(items_of), LINE_ITEM_PROPERTIES),
            self._owners_by_id(owner_ids),
        )
        needs_currency = any(
            money(_props(deal).get("amount")) is not None
            and currency(_props(deal).get("deal_currency_code")) is None
            for deal in deals.values()
        )
        portal_currency = await self._company_currency() if needs_currency else None
        completed: dict[str, CrmDeal] = {}
        for deal_id in known:
            deal_contacts = [
                found
                for link in contacts_of.get(deal_id, [])
                if (record := contacts.get(str(link.get("toObjectId"))))
                and (found := _contact(record))
            ]
            company = companies.get(company_of.get(deal_id) or "")
            deal_items = [items.get(str(link.get("toObjectId"))) for link in items_of[deal_id]]
            owner = owners.get(str(_props(deals[deal_id]).get("hubspot_owner_id")), (None, None))
            built = self._deal(
                deals[deal_id],
                company,
                deal_contacts,
                [item for item in deal_items if item],
                owner,
                portal_currency,
            )
            if built is not None:
                completed[deal_id] = built
        return completed

    def _deal(
        self,
        record: dict[str, Any],
        company: dict[str, Any] | None,
        contacts: list[Contact],
        items: list[dict[str, Any]],
        owner: tuple[str | None, str | None],
        portal_currency: str | None,
    ) -> CrmDeal | None:
        deal_id = str(record["id"])
        props = _props(record)
        name = text(props.get("dealname")) or f"HubSpot deal {deal_id}"
        amount = money(props.get("amount"))
        stage = text(props.get("dealstage"))
        won = stage in self.access.won_stages
        values = {
            "external_id": deal_id,
            "name": name,
            "customer": _customer(company, contacts, name),
            "amount": amount,
            "currency": currency(props.get("deal_currency_code")) or portal_currency,
            "close_date": day(props.get("closedate")),
            "stage": stage,
            "owner_email": owner[0],
            "owner_name": owner[1],
            "requirements": text(props.get("description"), LONG_TEXT_LENGTH),
            "line_items": [
                built
                for item in items
                if (
                    built := line_item(
                        _props(item).get("name"),
                        _props(item).get("quantity"),
                        _props(item).get("price"),
                        _props(item).get("hs_sku"),
                        f"HubSpot line item {item.get('id')}",
                    )
                )
            ],
        }
        lost = not won and (stage == LOST_STAGE or props.get("hs_is_closed_lost") == "true")
        modified = moment(props.get("hs_lastmodifieddate")) or moment(record.get("updatedAt"))
        return crm_deal(
            values,
            contacts=contacts,
            won=won,
            lost=lost,
            modified_at=modified,
            provider=CrmSource.hubspot,
        )

    async def changed_since(self, since: datetime, page: str | None = None) -> ChangedPage:
        """Deals by `hs_lastmodifieddate` (search, ascending). The page token carries the window
        start and HubSpot's `after`; near the search's 10,000-result cap the window restarts at
        the last stamp seen (inclusive: a deal may come twice, never not at all)."""
        operator, start_ms, after = "GT", _epoch_ms(since), 0
        if page:
            operator, start_ms, after = _page(page)
        body: dict[str, Any] = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "hs_lastmodifieddate",
                            "operator": operator,
                            "value": str(start_ms),
                        }
                    ]
                }
            ],
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "properties": ["hs_lastmodifieddate"],
            "limit": SEARCH_LIMIT,
        }
        if after:
            body["after"] = str(after)
        answer = await self.http.call("POST", "/crm/v3/objects/deals/search", json=body) or {}
        results = [r for r in answer.get("results") or [] if isinstance(r, dict) and r.get("id")]
        stamps = [
            stamp
            for r in results
            if (stamp := moment(_props(r).get("hs_lastmodifieddate")) or moment(r.get("updatedAt")))
        ]
        last = max(stamps) if stamps else None
        offset = _offset(((answer.get("paging") or {}).get("next") or {}).get("after"))
        next_page = None
        if offset is not None:
            if offset + SEARCH_LIMIT <= SEARCH_WINDOW:
                next_page = f"{operator}:{start_ms}:{offset}"
            elif last is not None:
                next_page = f"GTE:{_epoch_ms(last)}:0"
        return ChangedPage([str(r["id"]) for r in results], last, next_page)


def _props(record: dict[str, Any]) -> dict[str, Any]:
    props = record.get("properties")
    return props if isinstance(props, dict) else {}


def _ids(links: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [
        str(link["toObjectId"])
        for found in links.values()
        for link in found
        if "toObjectId" in link
    ]


def _primary(links: list[dict[str, Any]]) -> str | None:
    """The deal's primary company, else the first one associated."""
    for link in links:
        for kind in link.get("associationTypes") or []:
            if isinstance(kind, dict) and kind.get("typeId") == PRIMARY_COMPANY_TYPE:
                return str(link.get("toObjectId"))
    return str(links[0].get("toObjectId")) if links else None


def _owner(owner: Any) -> tuple[str | None, str | None]:
    if not isinstance(owner, dict):
        return None, None
    name = " ".join(part for part in (owner.get("firstName"), owner.get("lastName")) if part)
    return email(owner.get("email")), text(name)


def _contact(record: dict[str, Any]) -> Contact | None:
    props = _props(record)
    name = " ".join(str(part) for part in (props.get("firstname"), props.get("lastname")) if part)
    return contact(record.get("id"), name, props.get("email"), props.get("jobtitle"))


def _customer(
    company: dict[str, Any] | None, contacts: list[Contact], deal_name: str
) -> dict[str, Any]:
    """The company (by its id), else the first contact, else the deal's own name."""
    if company is not None:
        props = _props(company)
        return {
            "external_id": str(company["id"]),
            "name": text(props.get("name"))
            or text(props.get("domain"))
            or f"HubSpot company {company['id']}",
            "website": website(props.get("website")) or website(props.get("domain")),
        }
    return {"name": contacts[0].name if contacts else deal_name}


def _offset(after: Any) -> int | None:
    """Search's `paging.next.after`: a count of results, None when there is no usable one (the
    last page). `isdigit()` alone takes "²", which int() refuses; any number longer than the
    window's is past it, and int() refuses past 4,300 digits."""
    text = str(after or "")
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text) <= len(str(SEARCH_WINDOW)) else SEARCH_WINDOW


def _page(token: str) -> tuple[str, int, int]:
    """The window and offset a page token of ours carries."""
    operator, start, offset = [*token.split(":"), "", "", ""][:3]
    if operator not in ("GT", "GTE") or not start.isdigit() or not offset.isdigit():
        raise ValueError(f"not a HubSpot page token: {token[:50]!r}")
    return operator, int(start), int(offset)


def _epoch_ms(moment_: datetime) -> int:
    aware = moment_ if moment_.tzinfo else moment_.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)
