"""Pipedrive (API v2, users from v1): deals completed with list reads by ids.

Per up to 100 deals: the deals (`GET /api/v2/deals?ids=`, which leaves archived deals out, then
`GET /api/v2/deals/archived?ids=` for the ids it did not answer), their organizations and persons
(`?ids=` likewise), their products (`GET /api/v2/deals/products?deal_ids=`, 500 a page) and the
owners (`/api/v1/users/{id}` for one, else `/api/v1/users`: users have no v2). A deal's contact
is its person; the customer is its organization, keyed by the organization's id.
"""

import asyncio
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.crm.clients.base import (
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
)
from app.crm.clients.http import CrmCallFailed, CrmHttp
from app.deals.schemas import MAX_LINE_ITEMS
from app.models import CrmSource

BATCH = 100  # ids per list read (Pipedrive's limit)
PAGE_LIMIT = 500  # Pipedrive's largest page
DEALS, ARCHIVED = "/api/v2/deals", "/api/v2/deals/archived"  # not archived deals; archived ones


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    return [list(ids[start : start + BATCH]) for start in range(0, len(ids), BATCH)]


def _data(answer: Any) -> list[dict[str, Any]]:
    data = answer.get("data") if isinstance(answer, dict) else None
    return [item for item in data or [] if isinstance(item, dict) and item.get("id") is not None]


def _next_cursor(answer: Any) -> str | None:
    extra = answer.get("additional_data") if isinstance(answer, dict) else None
    cursor = extra.get("next_cursor") if isinstance(extra, dict) else None
    return str(cursor) if cursor else None


class PipedriveClient:
    def __init__(self, access: ApiAccess, http: CrmHttp) -> None:
        self.access = access
        self.http = http
        self._users: dict[str, tuple[str | None, str | None]] = {}

    async def _by_ids(self, path: str, ids: set[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(sorted(ids)):
            answer = await self.http.call(
                "GET", path, params={"ids": ",".join(chunk), "limit": BATCH}
            )
            found.update({str(item["id"]): item for item in _data(answer)})
        return found

    async def _products(self, deal_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The deals' products, read for the batch: Pipedrive pages them across all its deals.
        As many pages are read as the deals can keep (`MAX_LINE_ITEMS` each); a batch with more
        (a deal with thousands of products) would leave the deals after it short, so each deal
        is then read on its own, one page, which holds all a deal keeps."""
        products: dict[str, list[dict[str, Any]]] = {deal_id: [] for deal_id in deal_ids}
        cursor: str | None = None
        for _ in range(math.ceil(len(deal_ids) * MAX_LINE_ITEMS / PAGE_LIMIT)):
            params: dict[str, Any] = {"deal_ids": ",".join(deal_ids), "limit": PAGE_LIMIT}
            if cursor:
                params["cursor"] = cursor
            answer = await self.http.call("GET", "/api/v2/deals/products", params=params)
            for product in _data(answer):
                products.setdefault(str(product.get("deal_id")), []).append(product)
            cursor = _next_cursor(answer)
            if cursor is None:
                return products
        for deal_id in deal_ids:
            path = f"/api/v2/deals/{deal_id}/products"
            products[deal_id] = _data(
                await self.http.call("GET", path, params={"limit": PAGE_LIMIT})
            )
        return products

    async def _owners(self, user_ids: set[str]) -> dict[str, tuple[str | None, str | None]]:
        """Email and name per user: one call for one new user, else the whole (unpaged) list."""
        missing = user_ids - self._users.keys()
        if len(missing) == 1:
            (user_id,) = missing
            try:
                answer = await self.http.call("GET", f"/api/v1/users/{user_id}")
            except CrmCallFailed as exc:
                if exc.status_code != 404:
                    raise
                answer = None
            user = answer.get("data") if isinstance(answer, dict) else None
            self._users[user_id] = _user(user)
        elif missing:
            for user in _data(await self.http.call("GET", "/api/v1/users")):
                self._users[str(user["id"])] = _user(user)
        return {user_id: self._users.get(user_id, (None, None)) for user_id in user_ids}

    async def complete(self, external_ids: Sequence[str]) -> dict[str, CrmDeal]:
        ids = list(
            dict.fromkeys(str(deal_id) for deal_id in external_ids if str(deal_id).isdigit())
        )
        completed: dict[str, CrmDeal] = {}
        for chunk in _chunks(ids):
            completed.update(await self._complete(chunk))
        return completed

    async def _complete(self, ids: list[str]) -> dict[str, CrmDeal]:
        deals = await self._by_ids(DEALS, set(ids))
        if missing := set(ids) - deals.keys():
            deals.update(await self._by_ids(ARCHIVED, missing))
        if not deals:
            return {}

        def linked(field: str) -> set[str]:
            return {str(deal[field]) for deal in deals.values() if _id(deal.get(field))}

        organizations, persons, products, owners = await asyncio.gather(
            self._by_ids("/api/v2/organizations", linked("org_id")),
            self._by_ids("/api/v2/persons", linked("person_id")),
            self._products(sorted(deals.keys() & set(ids))),  # digits: ids we asked for
            self._owners(linked("owner_id")),
        )
        completed: dict[str, CrmDeal] = {}
        for deal_id, deal in deals.items():
            person = persons.get(str(deal.get("person_id")))
            contacts = [found] if person and (found := _person(person)) else []
            built = self._deal(
                deal,
                organizations.get(str(deal.get("org_id"))),
                contacts,
                products.get(deal_id, []),
                owners.get(str(deal.get("owner_id")), (None, None)),
            )
            if built is not None:
                completed[deal_id] = built
        return completed

    def _deal(
        self,
        deal: dict[str, Any],
        organization: dict[str, Any] | None,
        contacts: list[Contact],
        products: list[dict[str, Any]],
        owner: tuple[str | None, str | None],
    ) -> CrmDeal | None:
        deal_id = str(deal["id"])
        name = text(deal.get("title")) or f"Pipedrive deal {deal_id}"
        if organization is not None:
            customer: dict[str, Any] = {
                "external_id": str(organization["id"]),
                "name": text(organization.get("name"))
                or f"Pipedrive organization {organization['id']}",
            }
        else:
            customer = {"name": contacts[0].name if contacts else name}
        status = deal.get("status")
        values = {
            "external_id": deal_id,
            "name": name,
            "customer": customer,
            "amount": money(deal.get("value")),
            "currency": currency(deal.get("currency")),
            "close_date": day(deal.get("close_time"))
            or day(deal.get("won_time"))
            or day(deal.get("expected_close_date")),
            "stage": str(deal["stage_id"]) if _id(deal.get("stage_id")) else None,
            "owner_email": owner[0],
            "owner_name": owner[1],
            "line_items": [
                built
                for product in products
                if product.get("is_enabled", True) is not False
                and (
                    built := line_item(
                        product.get("name"),
                        product.get("quantity"),
                        product.get("item_price"),
                        None,
                        f"Pipedrive product {product.get('product_id')}",
                    )
                )
            ],
        }
        return crm_deal(
            values,
            contacts=contacts,
            won=status == "won",
            lost=status == "lost",
            modified_at=moment(deal.get("update_time")),
            provider=CrmSource.pipedrive,
        )

    async def changed_since(self, since: datetime, page: str | None = None) -> ChangedPage:
        """Deals by `update_time`, ascending, from both of Pipedrive's lists: `/api/v2/deals`
        (not archived) and `/api/v2/deals/archived`. `updated_since` is inclusive and to the
        second, and so is this: a deal changed in the cursor's own second is found again rather
        than lost (app/crm/sync.py drops what lies only at the cursor).

        A page reads the next page of each list not yet at its end. Its `last_modified` is a
        moment both lists have been read up to: while a list has more, its later deals changed
        at or after its page's newest, so the page says the oldest such newest. A sync that
        stops after any page and goes on from there skips no change; the deals of the list that
        was ahead are listed again, which is harmless. The page token carries `since` and each
        list's cursor (empty once that list is read to its end)."""
        cursors: list[str | None] = [None, None]  # None: from the start
        if page:
            start, _, rest = page.partition("|")
            deals_cursor, _, archived_cursor = rest.partition("|")
            cursors = [deals_cursor, archived_cursor]
            since = moment(start) or since
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        changed: list[tuple[str, datetime | None]] = []
        following: list[str] = []
        read_up_to: list[datetime | None] = []  # per list with more: its page's newest change
        for path, cursor in zip((DEALS, ARCHIVED), cursors, strict=True):
            if cursor == "":  # read to its end
                following.append("")
                continue
            listed, more = await self._changed_list(path, since, cursor)
            changed.extend(listed)
            following.append(more or "")
            if more:
                stamps = [stamp for _, stamp in listed if stamp is not None]
                read_up_to.append(max(stamps) if stamps else None)
        changed.sort(key=lambda item: item[1] or since)
        stamps = [stamp for _, stamp in changed if stamp is not None]
        bounds = [stamp for stamp in read_up_to if stamp is not None]
        if len(bounds) < len(read_up_to):  # a page without stamps says nothing of its list
            last_modified = None
        else:
            last_modified = min(bounds) if bounds else max(stamps, default=None)
        return ChangedPage(
            [deal_id for deal_id, _ in changed],
            last_modified,
            f"{since.isoformat()}|{'|'.join(following)}" if any(following) else None,
        )

    async def _changed_list(
        self, path: str, since: datetime, cursor: str | None
    ) -> tuple[list[tuple[str, datetime | None]], str | None]:
        """One page of a deal list changed since `since`: (id, `update_time`) oldest first, and
        the list's next cursor (None at its end)."""
        params: dict[str, Any] = {
            "updated_since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sort_by": "update_time",
            "sort_direction": "asc",
            "limit": PAGE_LIMIT,
        }
        if cursor:
            params["cursor"] = cursor
        answer = await self.http.call("GET", path, params=params)
        listed = [
            (str(deal["id"]), stamp)
            for deal in _data(answer)
            if (stamp := moment(deal.get("update_time"))) is None or stamp >= since
        ]
        return listed, _next_cursor(answer)


def _id(value: Any) -> bool:
    return value is not None and not isinstance(value, bool) and str(value).isdigit()


def _user(user: Any) -> tuple[str | None, str | None]:
    if not isinstance(user, dict):
        return None, None
    return email(user.get("email")), text(user.get("name"))


def _person(person: dict[str, Any]) -> Contact | None:
    emails = [entry for entry in person.get("emails") or [] if isinstance(entry, dict)]
    primary = next((entry for entry in emails if entry.get("primary")), emails[0] if emails else {})
    return contact(person["id"], person.get("name"), primary.get("value"), person.get("job_title"))
