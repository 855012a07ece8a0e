"""A local Pipedrive: API v2 deals, deal products, organizations and persons; v1 users; what it
takes in (deal updates, notes) is in `pipedrive_writes`.

Base URL like https://{companydomain}.pipedrive.com; the API token in the `x-api-token` header (as
the v2 OpenAPI spec and the official SDK send it), also accepted as the older `api_token` query
parameter or an OAuth `Authorization: Bearer` token. Where each shape comes from:

- Deals, deal products, organizations, persons: the v2 models of Pipedrive's generated Node client
  (pipedrive/client-nodejs, `src/versions/v2/models`: `Deal`, `GetDealsProductsResponseDataInner`,
  `OrganizationItem` and `OrganizationItemAddress`, and `Person` as fixed in the client's 2026-04
  commit "fix api v2 person types"), with the list parameters of `DealsApi.getDeals` and
  `getDealsProducts`: `ids` (up to 100), `owner_id`, `person_id`, `org_id`, `pipeline_id`,
  `stage_id`, `status` (comma list; without it, every deal that is not deleted),
  `updated_since` / `updated_until` (RFC 3339), `sort_by` (`id`, `update_time`, `add_time`),
  `sort_direction`, `limit` (default 100, at most 500) and `cursor`.
- Archived deals (client 26.0.0: `is_archived` on the `Deal`, `GET /v2/deals/archived` added, and
  `GET /v2/deals` documented to leave archived deals out): `GET /api/v2/deals` "returns data about
  all not archived deals", `GET /api/v2/deals/archived` (`DealsApi.getArchivedDeals`) those
  archived, with the same list parameters and the same `GetDealsResponse`. A deal is archived by
  setting `is_archived` (`UpdateDealRequest`): an update like any other, so here it moves the
  deal's `update_time`.
- v2 envelope: `{"success": true, "data": ..., "additional_data": {"next_cursor": ...}}`, the cursor
  null on the last page; v2 times are RFC 3339 (`2026-12-05T10:00:00Z`), dates `YYYY-MM-DD`.
- Users (v1 only, the v2 spec has none): `BaseUser` of the client's v1 models, times as
  `YYYY-MM-DD HH:MM:SS`; `/users/me` adds the company fields.
- Errors: the envelope of "Responses" in Pipedrive's API concepts
  (`{"success": false, "error", "error_info", "data": null, "additional_data": null}`); 401 is the
  gateway's own body (`"unauthorized access"`, `errorCode` 401), as captured from the live API.
  The 429 body is not documented: it repeats the gateway's form with `errorCode` 429.
- Usage headers as "Rate limiting" documents them: `x-ratelimit-limit`, `x-ratelimit-remaining`,
  `x-ratelimit-reset` (seconds left in the window), for a 2-second window.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.crm.fakes.pipedrive_writes import PipedriveWrites
from tests.crm.fakes.server import Endpoint, FakeCRM, RecordedCall, Reply

LIMIT_DEFAULT, LIMIT_MAX, IDS_MAX = 100, 500, 100
ERROR_INFO = "Please check developers.pipedrive.com"
DEAL_STATUSES = ("open", "won", "lost", "deleted")


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _moment(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return _time(value)


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(value: date | str | None) -> str | None:
    return value.isoformat()[:10] if isinstance(value, date) else value


class PipedriveFake(PipedriveWrites, FakeCRM):
    nominal_limit = (40, 2.0)  # an API token on the Advanced plan: 40 requests per 2 seconds

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.init_writes()
        self.company_domain = "handover-test"
        self._users: dict[int, dict[str, Any]] = {}
        self._organizations: dict[int, dict[str, Any]] = {}
        self._persons: dict[int, dict[str, Any]] = {}
        self._products: dict[int, dict[str, Any]] = {}
        self._deals: dict[int, dict[str, Any]] = {}
        self._deal_products: dict[int, list[dict[str, Any]]] = {}
        self._next_attachment = 1

    # -- state helpers --------------------------------------------------------------------------

    def add_user(self, user_id: int, name: str, email: str, default_currency: str = "EUR") -> None:
        with self.lock:
            moment = v1_time(self.now())
            self._users[user_id] = {
                "id": user_id,
                "name": name,
                "default_currency": default_currency,
                "locale": "en_US",
                "lang": 1,
                "email": email,
                "phone": None,
                "activated": True,
                "last_login": moment,
                "created": moment,
                "modified": moment,
                "has_created_company": not self._users,
                "access": [{"app": "sales", "admin": not self._users, "permission_set_id": "1"}],
                "active_flag": True,
                "timezone_name": "Europe/Berlin",
                "timezone_offset": "+01:00",
                "role_id": 1,
                "icon_url": None,
                "is_you": not self._users,  # the first user is the token's owner
                "is_deleted": False,
            }

    def add_organization(
        self, org_id: int, name: str, address: str | None = None, owner_id: int | None = None
    ) -> None:
        with self.lock:
            moment = rfc3339(self.now())
            self._organizations[org_id] = {
                "id": org_id,
                "name": name,
                "owner_id": owner_id if owner_id is not None else self._first_user(),
                "add_time": moment,
                "update_time": moment,
                "is_deleted": False,
                "visible_to": 3,
                "address": _address(address),
                "label_ids": [],
                "custom_fields": {},
            }

    def add_person(
        self,
        person_id: int,
        name: str,
        emails: Sequence[str] = (),
        org_id: int | None = None,
        owner_id: int | None = None,
        phones: Sequence[str] = (),
        job_title: str | None = None,
    ) -> None:
        """A person; the first email and phone are primary. `job_title` only appears when given
        (Pipedrive sends it only to companies with Contact Sync)."""
        with self.lock:
            moment = rfc3339(self.now())
            first, _, last = name.partition(" ")
            person: dict[str, Any] = {
                "id": person_id,
                "name": name,
                "first_name": first,
                "last_name": last or None,
                "owner_id": owner_id if owner_id is not None else self._first_user(),
                "org_id": org_id,
                "add_time": moment,
                "update_time": moment,
                "emails": [
                    {"value": e, "primary": n == 0, "label": "work"} for n, e in enumerate(emails)
                ],
                "phones": [
                    {"value": p, "primary": n == 0, "label": "work"} for n, p in enumerate(phones)
                ],
                "is_deleted": False,
                "visible_to": 3,
                "label_ids": [],
                "picture_id": None,
                "custom_fields": {},
            }
            if job_title is not None:
                person["job_title"] = job_title
            self._persons[person_id] = person

    def add_product(self, product_id: int, name: str, code: str | None = None) -> None:
        with self.lock:
            self._products[product_id] = {"id": product_id, "name": name, "code": code}

    def add_deal(
        self,
        deal_id: int,
        title: str,
        value: float,
        currency: str,
        status: str = "won",
        owner_id: int | None = None,
        org_id: int | None = None,
        person_id: int | None = None,
        stage_id: int = 1,
        won_time: datetime | str | None = None,
        close_time: datetime | str | None = None,
        expected_close_date: date | str | None = None,
        products: Sequence[tuple[int, float, float]] = (),
        pipeline_id: int = 1,
        add_time: datetime | None = None,
        update_time: datetime | None = None,
    ) -> None:
        """A deal with its products as (product_id, quantity, item_price). A won deal without
        `won_time` was won when it was added; `close_time` defaults to the won time."""
        with self.lock:
            added = add_time or self.now()
            updated = update_time or added
            won = _moment(won_time) or (added if status == "won" else None)
            closed = _moment(close_time) or (won if status in ("won", "lost") else None)
            self._deals[deal_id] = {
                "id": deal_id,
                "title": title,
                "owner_id": owner_id if owner_id is not None else self._first_user(),
                "person_id": person_id,
                "org_id": org_id,
                "pipeline_id": pipeline_id,
                "stage_id": stage_id,
                "value": value,
                "currency": currency,
                "add_time": rfc3339(added),
                "update_time": rfc3339(updated),
                "stage_change_time": rfc3339(updated),
                "is_deleted": status == "deleted",
                "is_archived": False,
                "status": status,
                "probability": None,
                "lost_reason": None,
                "visible_to": 3,
                "close_time": rfc3339(closed) if closed else None,
                "won_time": rfc3339(won) if won else None,
                "lost_time": None,
                "expected_close_date": _day(expected_close_date),
                "label_ids": [],
                "origin": "API",
                "origin_id": None,
                "channel": None,
                "channel_id": None,
                "arr": None,
                "mrr": None,
                "acv": None,
                "custom_fields": {},
            }
            self._set_products(deal_id, products, added)

    def update_deal(self, deal_id: int, **fields: Any) -> None:
        """Changes v2 fields (or `products`) and bumps `update_time` past its last value."""
        with self.lock:
            deal = self._deals[deal_id]
            moment = max(self.now(), _time(deal["update_time"]) + timedelta(seconds=1))
            if "products" in fields:
                self._set_products(deal_id, fields.pop("products"), moment)
            for name, given in fields.items():
                value = rfc3339(given) if isinstance(given, datetime) else given
                deal[name] = _day(value) if name == "expected_close_date" else value
            status = fields.get("status")
            if status in ("won", "lost") and f"{status}_time" not in fields:
                deal[f"{status}_time"] = rfc3339(moment)
                deal["close_time"] = deal[f"{status}_time"]
            if "stage_id" in fields:
                deal["stage_change_time"] = rfc3339(moment)
            deal["update_time"] = rfc3339(moment)

    def archive_deal(self, deal_id: int, archived: bool = True) -> None:
        """What a user archiving the deal in Pipedrive (or taking it out of the archive) does."""
        self.update_deal(deal_id, is_archived=archived)

    # -- the harness's hooks ----------------------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("GET", "/api/v2/deals", self._list_deals),
            Endpoint("GET", "/api/v2/deals/archived", self._list_archived_deals),
            Endpoint("GET", "/api/v2/deals/products", self._products_of_deals),
            Endpoint("GET", "/api/v2/deals/{deal_id:int}", self._get_deal),
            Endpoint("GET", "/api/v2/deals/{deal_id:int}/products", self._products_of_deal),
            Endpoint("GET", "/api/v2/organizations", self._list_organizations),
            Endpoint("GET", "/api/v2/organizations/{org_id:int}", self._get_organization),
            Endpoint("GET", "/api/v2/persons", self._list_persons),
            Endpoint("GET", "/api/v2/persons/{person_id:int}", self._get_person),
            *(
                endpoint
                for prefix in ("/api/v1", "/v1")
                for endpoint in (
                    Endpoint("GET", f"{prefix}/users", self._list_users),
                    Endpoint("GET", f"{prefix}/users/me", self._me),
                    Endpoint("GET", f"{prefix}/users/{{user_id:int}}", self._get_user),
                )
            ),
            *self.write_endpoints(),
        ]

    def authorized(self, call: RecordedCall) -> bool:
        given = (
            call.headers.get("x-api-token"),
            call.param("api_token"),
            call.headers.get("authorization", "").removeprefix("Bearer "),
        )
        return self.token in given

    def unauthorized(self) -> Reply:
        return Reply(401, _gateway_error("unauthorized access", 401))

    def rate_limited(self) -> Reply:
        return Reply(429, _gateway_error("Request over limit", 429))

    def failure(self, status: int) -> Reply:
        if status >= 500:
            return Reply(status, _error("Requested service is not available"))
        return Reply(status, _error(f"Request failed with status {status}"))

    def not_found(self, call: RecordedCall) -> Reply:
        return Reply(404, _error("Not found"))

    def rate_limit_headers(
        self, limit: int, remaining: int, window: float, reset_seconds: float
    ) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(
                math.ceil(reset_seconds) if reset_seconds else math.ceil(window)
            ),
        }

    # -- endpoints --------------------------------------------------------------------------------

    def _get_deal(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        deal = self._deals.get(int(params["deal_id"]))
        return _data(deal) if deal else Reply(404, _error("Deal not found"))

    def _list_deals(
        self, call: RecordedCall, params: dict[str, str], archived: bool = False
    ) -> Reply:
        statuses = call.values("status") or ["open", "won", "lost"]
        if any(s not in DEAL_STATUSES for s in statuses):
            return _bad_request(f"Invalid status: {','.join(statuses)}")
        filters = _id_filters(call, "owner_id", "person_id", "org_id", "pipeline_id", "stage_id")
        deals = [
            d
            for d in self._deals.values()
            if d["status"] in statuses and bool(d["is_archived"]) == archived
        ]
        return self._page(call, deals, filters, ("id", "update_time", "add_time"), updated=True)

    def _list_archived_deals(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        return self._list_deals(call, params, archived=True)

    def _get_organization(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        found = self._organizations.get(int(params["org_id"]))
        return _data(found) if found else Reply(404, _error("Organization not found"))

    def _list_organizations(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        filters = _id_filters(call, "owner_id")
        items = [o for o in self._organizations.values() if not o["is_deleted"]]
        return self._page(call, items, filters, ("id", "update_time", "add_time"), updated=True)

    def _get_person(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        found = self._persons.get(int(params["person_id"]))
        return _data(found) if found else Reply(404, _error("Person not found"))

    def _list_persons(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        filters = _id_filters(call, "owner_id", "org_id")
        items = [p for p in self._persons.values() if not p["is_deleted"]]
        if (deal_id := call.param("deal_id")) is not None:
            deal = self._deals.get(int(deal_id)) if deal_id.isdigit() else None
            items = [p for p in items if deal and p["id"] == deal["person_id"]]
        return self._page(call, items, filters, ("id", "update_time", "add_time"), updated=True)

    def _products_of_deal(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        deal_id = int(params["deal_id"])
        if deal_id not in self._deals:
            return Reply(404, _error("Deal not found"))
        items = self._deal_products.get(deal_id, [])
        return self._page(call, items, [], ("id", "add_time", "update_time", "order_nr"))

    def _products_of_deals(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        wanted = call.values("deal_ids") + call.values("deal_ids[]")
        if not wanted or not all(w.isdigit() for w in wanted):
            return _bad_request("deal_ids is required and must be a list of integers")
        if len(wanted) > IDS_MAX:
            return _bad_request(f"A maximum of {IDS_MAX} deal_ids is allowed")
        items = [p for w in dict.fromkeys(wanted) for p in self._deal_products.get(int(w), [])]
        return self._page(call, items, [], ("id", "deal_id", "add_time", "update_time", "order_nr"))

    def _list_users(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        return _data(list(self._users.values()))

    def _get_user(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        user = self._users.get(int(params["user_id"]))
        return _data(user) if user else Reply(404, _error("User not found"))

    def _me(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        user = next(iter(self._users.values()), None)
        if user is None:
            return Reply(404, _error("User not found"))
        company = {
            "company_id": 1,
            "company_name": self.company_domain,
            "company_domain": self.company_domain,
            "company_country": "DE",
            "company_industry": None,
            "language": {"language_code": "en", "country_code": "US"},
        }
        return _data({**user, **company})

    # -- paging -----------------------------------------------------------------------------------

    def _page(
        self,
        call: RecordedCall,
        items: list[dict[str, Any]],
        filters: list[Check],
        sortable: tuple[str, ...],
        updated: bool = False,
    ) -> Reply:
        """One page of `items` in the v2 envelope, under v2's list parameters and cursor."""
        ids = call.values("ids")
        sort_by, direction = call.param("sort_by") or "id", call.param("sort_direction") or "asc"
        try:
            limit = int(call.param("limit") or LIMIT_DEFAULT)
            since, until = (
                _moment(call.param("updated_since")),
                _moment(call.param("updated_until")),
            )
            after = _decode_cursor(call.param("cursor"), sort_by)
        except ValueError as invalid:
            return _bad_request(str(invalid))
        if sort_by not in sortable or direction not in ("asc", "desc"):
            return _bad_request(f"Invalid sort: {sort_by} {direction}")
        if not 0 < limit <= LIMIT_MAX or len(ids) > IDS_MAX:
            return _bad_request(f"limit must be 1..{LIMIT_MAX} and ids at most {IDS_MAX}")
        if ids:
            filters = [*filters, lambda item: str(item["id"]) in ids]
        if updated and since is not None:
            filters.append(_updated_from(since))
        if updated and until is not None:
            filters.append(_updated_before(until))
        chosen = [item for item in items if all(check(item) for check in filters)]
        chosen.sort(key=lambda item: (_sort_value(item, sort_by), item["id"]))
        if direction == "desc":
            chosen.reverse()
        if after is not None:
            chosen = [
                i for i in chosen if _beyond((_sort_value(i, sort_by), i["id"]), after, direction)
            ]
        page = chosen[:limit]
        more = len(chosen) > limit
        cursor = (
            _encode_cursor(sort_by, _sort_value(page[-1], sort_by), page[-1]["id"])
            if more
            else None
        )
        return Reply(
            200, {"success": True, "data": page, "additional_data": {"next_cursor": cursor}}
        )

    def _set_products(
        self, deal_id: int, products: Sequence[tuple[int, float, float]], moment: datetime
    ) -> None:
        deal = self._deals[deal_id]
        attached = []
        for order, (product_id, quantity, item_price) in enumerate(products, start=1):
            product = self._products.get(product_id, {"name": f"Product {product_id}"})
            attached.append(
                {
                    "id": self._next_attachment,
                    "sum": quantity * item_price,
                    "tax": 0,
                    "deal_id": deal_id,
                    "name": product["name"],
                    "product_id": product_id,
                    "product_variation_id": None,
                    "order_nr": order,
                    "add_time": rfc3339(moment),
                    "update_time": rfc3339(moment),
                    "comments": None,
                    "currency": deal["currency"],
                    "discount": 0,
                    "discount_type": "percentage",
                    "quantity": quantity,
                    "item_price": item_price,
                    "tax_method": "inclusive",
                    "is_enabled": True,
                    "billing_frequency": "one-time",
                    "billing_frequency_cycles": None,
                    "billing_start_date": None,
                }
            )
            self._next_attachment += 1
        self._deal_products[deal_id] = attached

    def _first_user(self) -> int | None:
        return next(iter(self._users), None)


def _address(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    parts = ("country", "admin_area_level_1", "admin_area_level_2", "locality", "sublocality")
    more = ("route", "street_number", "subpremise", "postal_code")
    return {"value": value, **dict.fromkeys((*parts, *more))}


Check = Callable[[dict[str, Any]], bool]


def _id_filters(call: RecordedCall, *names: str) -> list[Check]:
    return [_equals(name, wanted) for name in names if (wanted := call.param(name)) is not None]


def _equals(name: str, wanted: str) -> Check:
    return lambda item: str(item.get(name)) == wanted


def _updated_from(since: datetime) -> Check:
    return lambda item: _time(item["update_time"]) >= since


def _updated_before(until: datetime) -> Check:
    return lambda item: _time(item["update_time"]) < until


def _sort_value(item: dict[str, Any], sort_by: str) -> Any:
    value = item.get(sort_by)
    return "" if value is None else value


def _beyond(key: tuple[Any, int], after: tuple[Any, int], direction: str) -> bool:
    return key > after if direction == "asc" else key < after


def _encode_cursor(field: str, value: Any, last_id: int) -> str:
    raw = json.dumps({"field": field, "fieldValue": value, "id": last_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, sort_by: str) -> tuple[Any, int] | None:
    if not cursor:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if decoded["field"] != sort_by:
            raise ValueError("the cursor belongs to another sort")
        return decoded["fieldValue"], int(decoded["id"])
    except (binascii.Error, KeyError, TypeError, json.JSONDecodeError) as broken:
        raise ValueError(f"Invalid cursor: {cursor}") from broken


def _data(data: Any) -> Reply:
    return Reply(200, {"success": True, "data": data})


def _error(message: str) -> dict[str, Any]:
    return {
        "success": False,
        "error": message,
        "error_info": ERROR_INFO,
        "data": None,
        "additional_data": None,
    }


def _gateway_error(message: str, code: int) -> dict[str, Any]:
    return {"success": False, "error": message, "errorCode": code, "error_info": ERROR_INFO}


def _bad_request(message: str) -> Reply:
    return Reply(400, _error(message))
