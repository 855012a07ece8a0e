"""A local Salesforce REST API: SOQL queries over opportunities and what hangs off them.

Base URL = the instance URL; `Authorization: Bearer <access token>` (the older `OAuth <token>` is
accepted too). Where each shape comes from (REST API Developer Guide unless said otherwise):

- `GET /services/data/`: "List Available REST API Versions" (`label`, `url`, `version`; no
  authentication). Versions 31.0 to 66.0 and the `latest` alias; another version is a 404.
- `GET /services/data/vXX.X/query?q=` (also `query/` and `queryAll`): "Execute a SOQL Query" and the
  Query resource: `{"totalSize", "done", "nextRecordsUrl"?, "records"}`; each record starts with
  `"attributes": {"type", "url"}`, parent relationships are nested records (or null), child
  subqueries `{"totalSize", "done", "records"}` (or null when empty). Pages hold `page_size`
  records (2000 by default) or the `batchSize` of a `Sforce-Query-Options` header;
  `nextRecordsUrl` is `/services/data/vXX.X/query/01g...-2000` and is read with
  `GET /services/data/vXX.X/query/{locator}`. The evaluator is `soql.py`.
- Child subqueries page like queries ("Understanding Query Results" in the SOQL and SOSL
  Reference: a subquery result may need queryMore to get all its records): past
  `child_batch_size` children (200 by default, the smallest batch the Query Options header
  allows; Salesforce states none for subqueries) a subquery answers its first batch with
  `"done": false` and its own `nextRecordsUrl`, read like any other. Reading the parent's next
  page invalidates the child cursors of the page before, as the SOAP API Developer Guide says of
  queryMore() (QueryLocator): following one then is `INVALID_QUERY_LOCATOR`.
- Values as the REST API prints them: numbers as JSON numbers, dates `2026-12-01`, date-times
  `2026-12-05T10:00:00.000+0000`. `OpportunityLineItem.Name` is the opportunity's name and the
  product's, as Salesforce derives it.
- Objects and fields: the Object Reference (Opportunity, OpportunityLineItem,
  OpportunityContactRole, Product2, Account, Contact, User, Organization). `CurrencyIsoCode` exists
  only when `multi_currency` is on, as in a single-currency org, where selecting it is
  `INVALID_FIELD`.
- Errors: "Status Codes and Error Responses": a list of `{"message", "errorCode"}`; 401
  `INVALID_SESSION_ID` "Session expired or invalid"; 403 `REQUEST_LIMIT_EXCEEDED` when the org's
  API limit is used up (`request_limit_exceeded`, or `limit_per_window`); 400 for the SOQL errors.
  The bodies of 429 and 503 are not documented: they follow the same list shape.
- Usage: the `Sforce-Limit-Info: api-usage=N/M` header of "Limit Info Header", on every answer.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.crm.fakes import soql
from tests.crm.fakes.salesforce_writes import SalesforceWrites
from tests.crm.fakes.server import Endpoint, FakeCRM, Handler, RecordedCall, Reply

OLDEST_VERSION, LATEST_VERSION = 31, 66
PAGE_SIZE_DEFAULT, PAGE_SIZE_MIN = 2000, 200
CHILD_BATCH_DEFAULT = 200
SEASONS = ("Summer", "Winter", "Spring")  # of version 31.0, 32.0, 33.0, then again
ID_PREFIXES = {
    "Organization": "00D",
    "User": "005",
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "OpportunityLineItem": "00k",
    "OpportunityContactRole": "00K",
    "Product2": "01t",
}
STAMPS = "CreatedDate:datetime LastModifiedDate:datetime SystemModstamp:datetime"
FIELDS = {
    "Organization": "Id:id Name DefaultCurrencyIsoCode TimeZoneSidKey LanguageLocaleKey"
    " IsSandbox:boolean OrganizationType InstanceName",
    "User": f"Id:id Name FirstName LastName Email Username Title IsActive:boolean {STAMPS}",
    "Account": "Id:id Name Website Phone Industry Type BillingCity BillingCountry OwnerId:id"
    f" {STAMPS}",
    "Contact": f"Id:id Name FirstName LastName Email Title Phone AccountId:id {STAMPS}",
    "Opportunity": "Id:id Name Amount:number StageName IsWon:boolean IsClosed:boolean"
    " CloseDate:date OwnerId:id AccountId:id Description Probability:number Type LeadSource"
    f" ForecastCategoryName HasOpportunityLineItem:boolean IsDeleted:boolean {STAMPS}",
    "OpportunityLineItem": "Id:id OpportunityId:id Product2Id:id Name ProductCode Quantity:number"
    f" UnitPrice:number TotalPrice:number ListPrice:number Description SortOrder:number {STAMPS}",
    "OpportunityContactRole": "Id:id OpportunityId:id ContactId:id Role IsPrimary:boolean"
    f" {STAMPS}",
    "Product2": f"Id:id Name ProductCode Family Description IsActive:boolean {STAMPS}",
}
PARENTS = {
    "Account": "Owner:OwnerId:User",
    "Contact": "Account:AccountId:Account",
    "Opportunity": "Account:AccountId:Account Owner:OwnerId:User",
    "OpportunityLineItem": "Opportunity:OpportunityId:Opportunity Product2:Product2Id:Product2",
    "OpportunityContactRole": "Opportunity:OpportunityId:Opportunity Contact:ContactId:Contact",
}
CHILDREN = {
    "Account": "Opportunities:Opportunity:AccountId Contacts:Contact:AccountId",
    "Opportunity": "OpportunityLineItems:OpportunityLineItem:OpportunityId"
    " OpportunityContactRoles:OpportunityContactRole:OpportunityId",
}
MULTI_CURRENCY_OBJECTS = ("Account", "Contact", "Opportunity", "OpportunityLineItem", "Product2")


def schema(multi_currency: bool) -> dict[str, soql.SObjectType]:
    """The objects the fake knows, keyed by lower-cased name."""
    types = {}
    for name, spec in FIELDS.items():
        if multi_currency and name in MULTI_CURRENCY_OBJECTS:
            spec += " CurrencyIsoCode"
        fields = [soql.FieldDef(*(f"{item}:string".split(":")[:2])) for item in spec.split()]
        parents = [soql.Parent(*item.split(":")) for item in PARENTS.get(name, "").split()]
        children = [soql.Child(*item.split(":")) for item in CHILDREN.get(name, "").split()]
        types[name.lower()] = soql.SObjectType(
            name,
            {f.name.lower(): f for f in fields},
            {p.name.lower(): p for p in parents},
            {c.name.lower(): c for c in children},
        )
    return types


def version_label(version: int) -> str:
    step = version - OLDEST_VERSION
    season = SEASONS[step % 3]
    year = 14 + step // 3 if season == "Summer" else 15 + step // 3
    return f"{season} '{year:02d}"


class SalesforceFake(SalesforceWrites, FakeCRM):
    media_type = "application/json;charset=UTF-8"
    nominal_limit = (15_000, 86_400.0)  # a Developer Edition org: 15,000 calls per 24 hours
    says_retry_after = False

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.init_writes()
        self.multi_currency = False
        self.default_currency = "USD"
        self.organization_id = "00D000000000001AAA"
        self.organization_name = "Handover Test Org"
        self.page_size = PAGE_SIZE_DEFAULT
        self.child_batch_size = CHILD_BATCH_DEFAULT
        self.request_limit_exceeded = False  # the org's daily API limit is used up: 403s
        self._rows: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in FIELDS}
        self._cursors: dict[str, tuple[list[dict[str, Any]], int]] = {}  # records, page size
        self._child_cursors: dict[str, list[str]] = {}  # opened by the query's page last read
        self._counter = 0

    # -- state helpers --------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, email: str, title: str | None = None) -> None:
        first, _, last = name.rpartition(" ")
        self._put(
            "User",
            user_id,
            {
                "Name": name,
                "FirstName": first or None,
                "LastName": last,
                "Email": email,
                "Username": email,
                "Title": title,
                "IsActive": True,
            },
        )

    def add_account(
        self, account_id: str, name: str, website: str | None = None, owner_id: str | None = None
    ) -> None:
        self._put("Account", account_id, {"Name": name, "Website": website, "OwnerId": owner_id})

    def add_contact(
        self,
        contact_id: str,
        name: str,
        email: str | None,
        title: str | None = None,
        account_id: str | None = None,
    ) -> None:
        first, _, last = name.rpartition(" ")
        fields = {"Name": name, "FirstName": first or None, "LastName": last, "Email": email}
        self._put("Contact", contact_id, {**fields, "Title": title, "AccountId": account_id})

    def add_opportunity(
        self,
        opportunity_id: str,
        name: str,
        amount: float | None,
        stage_name: str = "Closed Won",
        is_won: bool = True,
        is_closed: bool = True,
        close_date: date | str | None = None,
        owner_id: str | None = None,
        account_id: str | None = None,
        description: str | None = None,
        currency_iso_code: str | None = None,
        line_items: Sequence[tuple[str, str | None, float, float]] = (),
        contact_roles: Sequence[tuple[str, str | None, bool]] = (),
        created_date: datetime | None = None,
        last_modified_date: datetime | None = None,
    ) -> None:
        """An opportunity with line items as (product name, product code, quantity, unit price)
        and contact roles as (contact id, role, is primary). `close_date` defaults to the day it
        was created."""
        with self.lock:
            created = created_date or self.now()
            self._put(
                "Opportunity",
                opportunity_id,
                {
                    "Name": name,
                    "Amount": None if amount is None else float(amount),
                    "StageName": stage_name,
                    "IsWon": is_won,
                    "IsClosed": is_closed,
                    "CloseDate": _day(close_date) or created.date(),
                    "OwnerId": owner_id,
                    "AccountId": account_id,
                    "Description": description,
                    "Probability": 100.0 if is_won else None,
                    "Type": None,
                    "LeadSource": None,
                    "ForecastCategoryName": "Closed" if is_won else "Pipeline",
                    "HasOpportunityLineItem": bool(line_items),
                    "IsDeleted": False,
                    "CurrencyIsoCode": currency_iso_code or self.default_currency,
                },
                created,
                last_modified_date,
            )
            self._set_line_items(opportunity_id, line_items)
            self._set_contact_roles(opportunity_id, contact_roles)

    def update_opportunity(self, opportunity_id: str, **fields: Any) -> None:
        """Changes fields, named as in the API (`StageName`) or as in `add_opportunity`
        (`stage_name`), or `line_items` / `contact_roles`; bumps `LastModifiedDate`."""
        with self.lock:
            row = self._rows["Opportunity"][opportunity_id]
            if "line_items" in fields:
                self._set_line_items(opportunity_id, fields.pop("line_items"))
                row["HasOpportunityLineItem"] = bool(self._children("OpportunityLineItem", row))
            if "contact_roles" in fields:
                self._set_contact_roles(opportunity_id, fields.pop("contact_roles"))
            known = schema(multi_currency=True)["opportunity"].fields
            for given, value in fields.items():
                name = known[given.replace("_", "").lower()].name  # KeyError: no such field
                row[name] = _day(value) if name == "CloseDate" else value
            moment = max(self.now(), row["LastModifiedDate"] + timedelta(milliseconds=1))
            row["LastModifiedDate"] = row["SystemModstamp"] = moment

    # -- the harness's hooks ----------------------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        data = "/services/data/{version}"
        query_paths = [
            f"{data}/{resource}" for resource in ("query", "query/", "queryAll", "queryAll/")
        ]
        return [
            Endpoint("GET", "/services/data", self._versions, needs_token=False),
            Endpoint("GET", "/services/data/", self._versions, needs_token=False),
            Endpoint("GET", f"{data}/", self._limited(self._resources)),
            *(Endpoint("GET", path, self._limited(self._query)) for path in query_paths),
            Endpoint("GET", f"{data}/query/{{locator}}", self._limited(self._query_more)),
            Endpoint("GET", f"{data}/queryAll/{{locator}}", self._limited(self._query_more)),
            *self.write_endpoints(),
        ]

    def authorized(self, call: RecordedCall) -> bool:
        given = call.headers.get("authorization", "")
        return given in (f"Bearer {self.token}", f"OAuth {self.token}")

    def unauthorized(self) -> Reply:
        return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def rate_limited(self) -> Reply:
        """Too many long calls at once: Salesforce has no 429; its limits are 403
        REQUEST_LIMIT_EXCEEDED, this one named by its message, without `Retry-After`."""
        message = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
        return _errors(403, "REQUEST_LIMIT_EXCEEDED", message)

    def failure(self, status: int) -> Reply:
        if status == 403:
            return _errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        if status == 404:
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        if status == 503:
            return _errors(503, "SERVER_UNAVAILABLE", "Server is temporarily unavailable.")
        error_id = (
            f"{secrets.randbelow(10**9)}-{secrets.randbelow(10**5)} ({secrets.randbelow(10**9)})"
        )
        message = (
            "An unexpected error occurred. Please include this ErrorId if you contact support:"
            f" {error_id}"
        )
        return _errors(status, "UNKNOWN_EXCEPTION", message)

    def over_limit(self, retry_after: float) -> Reply:
        return self.failure(403)

    def not_found(self, call: RecordedCall) -> Reply:
        return self.failure(404)

    def rate_limit_headers(
        self, limit: int, remaining: int, window: float, reset_seconds: float
    ) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={limit - remaining}/{limit}"}

    # -- endpoints --------------------------------------------------------------------------------

    def _versions(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        versions = [
            {"label": version_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
            for v in range(OLDEST_VERSION, LATEST_VERSION + 1)
        ]
        return Reply(200, versions)

    def _resources(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        version = _version(params["version"])
        if version is None:
            return self.failure(404)
        base = f"/services/data/v{version}"
        names = ("sobjects", "query", "queryAll", "limits")
        return Reply(200, {name: f"{base}/{name}" for name in names})

    def _query(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        version, text = _version(params["version"]), call.param("q")
        if version is None:
            return self.failure(404)
        if not text:
            return _errors(400, "MALFORMED_QUERY", "A query string has to be specified")
        try:
            total, records = soql.run(text, schema(self.multi_currency), _Rows(self), version)
        except soql.SoqlError as invalid:
            return _errors(400, invalid.code, invalid.message)
        size = self.page_size
        if match := re.search(r"batchSize=(\d+)", call.headers.get("sforce-query-options", "")):
            size = min(max(int(match[1]), PAGE_SIZE_MIN), PAGE_SIZE_DEFAULT)
        locator = _locator()
        self._cursors[locator] = (records, size)
        return self._page(version, locator, total, 0)

    def _query_more(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        version = _version(params["version"])
        locator, _, start = params["locator"].partition("-")
        if version is None or locator not in self._cursors or not start.isdigit():
            return _errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(version, locator, len(self._cursors[locator][0]), int(start))

    def _page(self, version: str, locator: str, total: int, offset: int) -> Reply:
        return Reply(200, self._batch(version, locator, total, offset))

    def _batch(self, version: str, locator: str, total: int, offset: int) -> dict[str, Any]:
        """One batch of a cursor's records, their subqueries cut to their first batch; the child
        cursors the cursor's previous batch opened are closed."""
        records, size = self._cursors[locator]
        for stale in self._child_cursors.pop(locator, []):
            self._cursors.pop(stale, None)
        end = offset + max(size, 1)
        answer: dict[str, Any] = {"totalSize": total, "done": end >= len(records)}
        if end < len(records):
            answer["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
        opened: list[str] = []
        answer["records"] = [self._first_children(version, r, opened) for r in records[offset:end]]
        if opened:
            self._child_cursors[locator] = opened
        return answer

    def _first_children(
        self, version: str, record: dict[str, Any], opened: list[str]
    ) -> dict[str, Any]:
        """The record with each subquery longer than a batch cut to its first one."""
        shown = dict(record)
        for name, value in record.items():
            if not isinstance(value, dict) or "attributes" in value:
                continue  # a field, or a parent record
            children = value.get("records")
            if not isinstance(children, list):
                continue
            if len(children) > max(self.child_batch_size, 1):
                locator = _locator()
                self._cursors[locator] = (children, self.child_batch_size)
                opened.append(locator)
                shown[name] = self._batch(version, locator, len(children), 0)
        return shown

    def _limited(self, handler: Handler) -> Handler:
        def answer(call: RecordedCall, params: dict[str, str]) -> Reply:
            return self.failure(403) if self.request_limit_exceeded else handler(call, params)

        return answer

    # -- rows -------------------------------------------------------------------------------------

    def rows(self, sobject: str) -> list[dict[str, Any]]:
        if sobject != "Organization":
            return list(self._rows[sobject].values())
        organization = {
            "Id": self.organization_id,
            "Name": self.organization_name,
            "DefaultCurrencyIsoCode": self.default_currency,
            "TimeZoneSidKey": "America/Los_Angeles",
            "LanguageLocaleKey": "en_US",
            "IsSandbox": False,
            "OrganizationType": "Developer Edition",
            "InstanceName": "NA1",
        }
        return [organization]

    def _put(
        self,
        sobject: str,
        record_id: str,
        given: Mapping[str, Any],
        created: datetime | None = None,
        modified: datetime | None = None,
    ) -> None:
        with self.lock:
            created = created or self.now()
            stamps = {"CreatedDate": created, "LastModifiedDate": modified or created}
            stamps["SystemModstamp"] = stamps["LastModifiedDate"]
            fields = dict(given)
            if sobject in MULTI_CURRENCY_OBJECTS:
                fields.setdefault("CurrencyIsoCode", self.default_currency)
            self._rows[sobject][record_id] = {"Id": record_id, **fields, **stamps}

    def _new_id(self, sobject: str) -> str:
        self._counter += 1
        return f"{ID_PREFIXES[sobject]}{self._counter:012d}AAA"

    def _children(self, sobject: str, opportunity: dict[str, Any]) -> list[dict[str, Any]]:
        return [r for r in self._rows[sobject].values() if r["OpportunityId"] == opportunity["Id"]]

    def _set_line_items(
        self, opportunity_id: str, line_items: Sequence[tuple[str, str | None, float, float]]
    ) -> None:
        opportunity = self._rows["Opportunity"][opportunity_id]
        for old in self._children("OpportunityLineItem", opportunity):
            del self._rows["OpportunityLineItem"][old["Id"]]
        for order, (product_name, code, quantity, unit_price) in enumerate(line_items, start=1):
            product_id = self._product(product_name, code, opportunity["CurrencyIsoCode"])
            self._put(
                "OpportunityLineItem",
                self._new_id("OpportunityLineItem"),
                {
                    "OpportunityId": opportunity_id,
                    "Product2Id": product_id,
                    "Name": f"{opportunity['Name']} {product_name}",
                    "ProductCode": code,
                    "Quantity": float(quantity),
                    "UnitPrice": float(unit_price),
                    "TotalPrice": float(quantity) * float(unit_price),
                    "ListPrice": float(unit_price),
                    "Description": None,
                    "SortOrder": float(order),
                    "CurrencyIsoCode": opportunity["CurrencyIsoCode"],
                },
            )

    def _set_contact_roles(
        self, opportunity_id: str, roles: Sequence[tuple[str, str | None, bool]]
    ) -> None:
        opportunity = self._rows["Opportunity"][opportunity_id]
        for old in self._children("OpportunityContactRole", opportunity):
            del self._rows["OpportunityContactRole"][old["Id"]]
        for contact_id, role, is_primary in roles:
            fields = {"ContactId": contact_id, "Role": role, "IsPrimary": is_primary}
            role_id = self._new_id("OpportunityContactRole")
            self._put(
                "OpportunityContactRole", role_id, {"OpportunityId": opportunity_id, **fields}
            )

    def _product(self, name: str, code: str | None, currency: str) -> str:
        for product in self._rows["Product2"].values():
            if (product["Name"], product["ProductCode"]) == (name, code):
                return str(product["Id"])
        product_id = self._new_id("Product2")
        fields = {"Name": name, "ProductCode": code, "Family": None, "Description": None}
        self._put("Product2", product_id, {**fields, "IsActive": True, "CurrencyIsoCode": currency})
        return product_id


class _Rows:
    """The fake's rows as the SOQL evaluator reads them (under the fake's lock)."""

    def __init__(self, fake: SalesforceFake) -> None:
        self.fake = fake

    def rows(self, sobject: str) -> list[dict[str, Any]]:
        return self.fake.rows(sobject)

    def row(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        return next((r for r in self.rows(sobject) if r["Id"][:15] == record_id[:15]), None)


def _locator() -> str:
    return "01g" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(15))


def _version(given: str) -> str | None:
    if given == "latest":
        return f"{LATEST_VERSION}.0"
    match = re.fullmatch(r"v(\d+)\.0", given)
    if match and OLDEST_VERSION <= int(match[1]) <= LATEST_VERSION:
        return f"{match[1]}.0"
    return None


def _day(value: date | str | None) -> date | None:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    return value


def _errors(status: int, code: str, message: str) -> Reply:
    return Reply(status, [{"message": message, "errorCode": code}])
