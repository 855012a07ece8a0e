"""Salesforce (REST API, SOQL): opportunities completed with one query per 100 ids.

The query reads the opportunity with its owner and account, and its line items and contact
roles as child subqueries; `nextRecordsUrl` is followed for the rest of a long answer, and a
subquery's own `nextRecordsUrl` for the rest of its records, before the query's next page (which
invalidates the child cursors of the page before). An opportunity's currency is
`CurrencyIsoCode`, which exists only in multi-currency orgs: the first query asks for it, and an
INVALID_FIELD answer naming it means a single-currency org, whose one currency is
`Organization.DefaultCurrencyIsoCode` (both remembered per client), so an amount is never dropped
for want of a currency.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

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
    logger,
    moment,
    money,
    text,
    website,
)
from app.crm.clients.http import CrmCallFailed, CrmHttp
from app.deals.schemas import MAX_LINE_ITEMS
from app.models import CrmSource

API_VERSION = "v62.0"
QUERY_PATH = f"/services/data/{API_VERSION}/query"
BATCH = 100  # opportunity ids per query (the SOQL text stays far below its length limit)
CHANGED_LIMIT = 200
MAX_QUERY_PAGES = 20
SALESFORCE_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")

OPPORTUNITY_FIELDS = (
    "Id, Name, Amount, CloseDate, StageName, IsWon, IsClosed, Description, LastModifiedDate, "
    "Owner.Email, Owner.Name, Account.Id, Account.Name, Account.Website, "
    "(SELECT Name, Product2.Name, ProductCode, Quantity, UnitPrice FROM OpportunityLineItems), "
    "(SELECT ContactId, Role, IsPrimary, Contact.Name, Contact.Email, Contact.Title "
    "FROM OpportunityContactRoles)"
)
CHILDREN = {"OpportunityLineItems": MAX_LINE_ITEMS, "OpportunityContactRoles": MAX_CONTACTS}


def _soql_datetime(moment_: datetime) -> str:
    """A SOQL dateTime literal (to the second, UTC, unquoted)."""
    aware = moment_ if moment_.tzinfo else moment_.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lacks_currency_field(exc: CrmCallFailed) -> bool:
    return exc.status_code == 400 and any(
        isinstance(error, dict)
        and error.get("errorCode") == "INVALID_FIELD"
        and "CurrencyIsoCode" in str(error.get("message"))
        for error in (exc.body if isinstance(exc.body, list) else [])
    )


def _product_name(item: dict[str, Any]) -> Any:
    """The product's own name: a line item's `Name` is Salesforce's "<opportunity> <product>"."""
    product = item.get("Product2")
    if isinstance(product, dict) and product.get("Name"):
        return product["Name"]
    return item.get("Name")


def _children(record: dict[str, Any], relationship: str) -> dict[str, Any]:
    children = record.get(relationship)
    return children if isinstance(children, dict) else {}


def _child_records(record: dict[str, Any], relationship: str) -> list[dict[str, Any]]:
    return [r for r in _children(record, relationship).get("records") or [] if isinstance(r, dict)]


class SalesforceClient:
    def __init__(self, access: ApiAccess, http: CrmHttp) -> None:
        self.access = access
        self.http = http
        self._multi_currency: bool | None = None  # None: not known yet
        self._org_currency: str | None = None
        self._org_currency_known = False

    async def _records(
        self, soql: str, children: Mapping[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """Every record of a query, following `nextRecordsUrl`. The subqueries named in
        `children` (relationship: records kept at most) are read whole on each page before the
        next one is asked for: reading the next page invalidates the page's child cursors."""
        answer = await self.http.call("GET", f"{QUERY_PATH}/", params={"q": soql})
        records: list[dict[str, Any]] = []
        for _ in range(MAX_QUERY_PAGES):
            answer = answer if isinstance(answer, dict) else {}
            page = [r for r in answer.get("records") or [] if isinstance(r, dict)]
            for record in page:
                for relationship, cap in (children or {}).items():
                    found = await self._children_of(record, relationship, cap)
                    record[relationship] = {"totalSize": len(found), "done": True, "records": found}
            records.extend(page)
            following = answer.get("nextRecordsUrl")
            if answer.get("done", True) or not _our_path(following):
                break
            answer = await self.http.call("GET", str(following))
        return records

    async def _children_of(self, record: dict[str, Any], relationship: str, cap: int) -> list[Any]:
        """A child subquery's records, following its own `nextRecordsUrl` up to `cap`."""
        children = _children(record, relationship)
        found = [r for r in children.get("records") or [] if isinstance(r, dict)]
        while not children.get("done", True) and len(found) < cap:
            following = children.get("nextRecordsUrl")
            if not _our_path(following):
                break
            children = await self.http.call("GET", str(following)) or {}
            found.extend(r for r in children.get("records") or [] if isinstance(r, dict))
        return found[:cap]

    async def _organization_currency(self) -> str | None:
        if not self._org_currency_known:
            rows = await self._records("SELECT DefaultCurrencyIsoCode FROM Organization LIMIT 1")
            self._org_currency = currency(rows[0].get("DefaultCurrencyIsoCode")) if rows else None
            self._org_currency_known = True
            if self._org_currency is None:
                logger.warning(
                    "the Salesforce org has no default currency: amounts are left out",
                    connection=str(self.access.connection_id),
                )
        return self._org_currency

    async def _opportunities(self, ids: list[str]) -> list[dict[str, Any]]:
        quoted = ", ".join(f"'{opportunity_id}'" for opportunity_id in ids)
        where = f"FROM Opportunity WHERE Id IN ({quoted})"
        if self._multi_currency is not False:
            try:
                records = await self._records(
                    f"SELECT {OPPORTUNITY_FIELDS}, CurrencyIsoCode {where}", CHILDREN
                )
            except CrmCallFailed as exc:
                if not _lacks_currency_field(exc):
                    raise
                self._multi_currency = False
            else:
                self._multi_currency = True
                return records
        return await self._records(f"SELECT {OPPORTUNITY_FIELDS} {where}", CHILDREN)

    async def complete(self, external_ids: Sequence[str]) -> dict[str, CrmDeal]:
        ids = list(dict.fromkeys(i for i in map(str, external_ids) if SALESFORCE_ID.match(i)))
        completed: dict[str, CrmDeal] = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            asked = {opportunity_id[:15]: opportunity_id for opportunity_id in chunk}
            records = await self._opportunities(chunk)
            needs_org_currency = not self._multi_currency and any(
                money(record.get("Amount")) is not None for record in records
            )
            org_currency = await self._organization_currency() if needs_org_currency else None
            for record in records:
                requested = asked.get(str(record.get("Id"))[:15])
                if requested is None:
                    continue
                built = self._deal(requested, record, org_currency)
                if built is not None:
                    completed[requested] = built
        return completed

    def _deal(
        self, opportunity_id: str, record: dict[str, Any], org_currency: str | None
    ) -> CrmDeal | None:
        """The opportunity, its subqueries already read whole by `_records`."""
        name = text(record.get("Name")) or f"Salesforce opportunity {opportunity_id}"
        roles = _child_records(record, "OpportunityContactRoles")
        roles.sort(key=lambda role: not role.get("IsPrimary"))
        contacts = [found for role in roles if (found := _contact(role))]
        items = _child_records(record, "OpportunityLineItems")
        account = record.get("Account") if isinstance(record.get("Account"), dict) else None
        owner = record.get("Owner") if isinstance(record.get("Owner"), dict) else {}
        stage = text(record.get("StageName"))
        won = record.get("IsWon") is True or stage in self.access.won_stages
        values = {
            "external_id": opportunity_id,
            "name": name,
            "customer": _customer(account, contacts, name),
            "amount": money(record.get("Amount")),
            "currency": currency(record.get("CurrencyIsoCode")) or org_currency,
            "close_date": day(record.get("CloseDate")),
            "stage": stage,
            "owner_email": email((owner or {}).get("Email")),
            "owner_name": text((owner or {}).get("Name")),
            "requirements": text(record.get("Description"), LONG_TEXT_LENGTH),
            "line_items": [
                built
                for item in items
                if (
                    built := line_item(
                        _product_name(item),
                        item.get("Quantity"),
                        item.get("UnitPrice"),
                        item.get("ProductCode"),
                        "Salesforce opportunity product",
                    )
                )
            ],
        }
        return crm_deal(
            values,
            contacts=contacts,
            won=won,
            lost=record.get("IsClosed") is True and not won,
            modified_at=moment(record.get("LastModifiedDate")),
            provider=CrmSource.salesforce,
        )

    async def changed_since(self, since: datetime, page: str | None = None) -> ChangedPage:
        """Opportunities by `LastModifiedDate`, then `Id`, ascending, 200 a page. The page token
        is the last (stamp, id) seen, so opportunities sharing a stamp are never skipped. Stamps
        are to the second: `since` is inclusive, so one changed in the cursor's own second is
        found again rather than lost (app/crm/sync.py drops what lies only at the cursor)."""
        where = f"LastModifiedDate >= {_soql_datetime(since)}"
        if page:
            stamp, _, last_id = page.partition("|")
            at = moment(stamp)
            if at is None or not SALESFORCE_ID.match(last_id):
                raise ValueError(f"not a Salesforce page token: {page[:60]!r}")
            literal = _soql_datetime(at)
            where = (
                f"LastModifiedDate > {literal} OR "
                f"(LastModifiedDate = {literal} AND Id > '{last_id}')"
            )
        records = await self._records(  # the id matched SALESFORCE_ID, the stamp is ours
            f"SELECT Id, LastModifiedDate FROM Opportunity WHERE {where} "  # noqa: S608
            f"ORDER BY LastModifiedDate ASC, Id ASC LIMIT {CHANGED_LIMIT}"
        )
        rows = [
            (str(record["Id"]), moment(record.get("LastModifiedDate")))
            for record in records
            if SALESFORCE_ID.match(str(record.get("Id")))
        ]
        stamps = [stamp for _, stamp in rows if stamp is not None]
        following = None
        last_id, last_stamp = rows[-1] if rows else ("", None)
        if len(records) >= CHANGED_LIMIT and last_stamp is not None:
            following = f"{_soql_datetime(last_stamp)}|{last_id}"
        return ChangedPage(
            [opportunity_id for opportunity_id, _ in rows],
            max(stamps) if stamps else None,
            following,
        )


def _our_path(path: Any) -> bool:
    """`nextRecordsUrl` is a path on the instance: never a URL to somewhere else."""
    return isinstance(path, str) and path.startswith("/services/data/") and "//" not in path


def _contact(role: dict[str, Any]) -> Contact | None:
    person = role.get("Contact") if isinstance(role.get("Contact"), dict) else {}
    return contact(
        role.get("ContactId"),
        (person or {}).get("Name"),
        (person or {}).get("Email"),
        (person or {}).get("Title") or role.get("Role"),
    )


def _customer(
    account: dict[str, Any] | None, contacts: list[Contact], deal_name: str
) -> dict[str, Any]:
    """The account (by its id), else the first contact, else the opportunity's own name."""
    if account is not None and account.get("Id"):
        return {
            "external_id": str(account["Id"]),
            "name": text(account.get("Name")) or f"Salesforce account {account['Id']}",
            "website": website(account.get("Website")),
        }
    return {"name": contacts[0].name if contacts else deal_name}
