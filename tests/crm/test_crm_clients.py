"""The CRM API clients against local fakes of HubSpot, Pipedrive and Salesforce (real HTTP servers
on 127.0.0.1 answering in the documented shapes): deals come back complete, in few calls, within
the CRMs' rate limits, and trouble becomes CrmUnavailable (try later) or CrmRefused (a person
must act)."""

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from app.crm.clients import client_for
from app.crm.clients.base import ApiAccess, CrmClient, CrmRefused, CrmUnavailable, moment
from app.crm.clients.http import CrmHttp, crm_http_client
from app.deals.schemas import MAX_LINE_ITEMS
from app.models import CrmSource
from app.settings import Settings
from tests.crm.conftest import TOKEN, local_settings
from tests.crm.fakes import (
    FakeCRM,
    HubSpotFake,
    PipedriveFake,
    RecordedCall,
    SalesforceFake,
    running,
)
from tests.crm.fakes.server import Reply

HUBSPOT_WON = ("closedwon",)
SALESFORCE_WON = ("Closed Won",)
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def loopback_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings that let the clients reach the fakes on 127.0.0.1 over plain http."""
    return local_settings(f"sqlite:///{tmp / 'unused.db'}", **overrides)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return loopback_settings(tmp_path_factory.mktemp("crm-clients"))


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with crm_http_client(settings) as client:
        yield client


def access_to(
    provider: CrmSource, base_url: str, token: str = TOKEN, won_stages: tuple[str, ...] = ()
) -> ApiAccess:
    return ApiAccess(provider, uuid.uuid4(), base_url, token, won_stages)


def client(access: ApiAccess, settings: Settings, http: httpx.AsyncClient) -> CrmClient:
    return client_for(access, CrmHttp(access, settings, http, shared=None))


def calls_counted(access: ApiAccess, outcome: str) -> float:
    labels = {
        "provider": access.provider.value,
        "connection_id": str(access.connection_id),
        "outcome": outcome,
    }
    return REGISTRY.get_sample_value("handover_crm_api_calls_total", labels) or 0.0


def sf_id(prefix: str, number: int) -> str:
    return f"{prefix}{number:012d}AAA"


# -- seeding: one won deal per provider, with everything around it -----------------------------


def seed_hubspot(fake: HubSpotFake, deals: int = 1, currency: str | None = None) -> list[str]:
    for owner in range(3):
        fake.add_owner(100 + owner, f"seller{owner}@example.com", "Sam", f"Seller{owner}")
    ids = []
    for n in range(1, deals + 1):
        fake.add_company(5000 + n, f"Globex {n}", f"globex{n}.example")
        for c in (1, 2):
            fake.add_contact(
                7000 + 2 * n + c, "Ada", f"Buyer{n}-{c}", f"ada{n}-{c}@globex.example", "CTO"
            )
        fake.add_line_item(9000 + 2 * n + 1, "Implementation", 1, "12000.00", sku="IMPL")
        fake.add_line_item(9000 + 2 * n + 2, "Licences", 30, "100.5")
        fake.add_deal(
            1000 + n,
            f"Globex rollout {n}",
            "18015.00",
            closedate="2026-11-20T00:00:00Z",
            hubspot_owner_id=100 + n % 3,
            description="CRM rollout for 300 users",
            deal_currency_code=currency,
            companies=[5000 + n],
            contacts=[7000 + 2 * n + 1, 7000 + 2 * n + 2],
            line_items=[9000 + 2 * n + 1, 9000 + 2 * n + 2],
            updated_at=T0 + timedelta(minutes=n),
        )
        ids.append(str(1000 + n))
    return ids


def seed_pipedrive(fake: PipedriveFake, deals: int = 1) -> list[str]:
    for user in range(3):
        fake.add_user(10 + user, f"Sam Seller{user}", f"seller{user}@example.com")
    fake.add_product(1, "Implementation", code="IMPL")
    fake.add_product(2, "Licences")
    ids = []
    for n in range(1, deals + 1):
        fake.add_organization(300 + n, f"Initech {n}")
        fake.add_person(600 + n, f"Bill Lumbergh{n}", [f"bill{n}@initech.example"], org_id=300 + n)
        fake.add_deal(
            n,
            f"Initech migration {n}",
            24000.0,
            "EUR",
            owner_id=10 + n % 3,
            org_id=300 + n,
            person_id=600 + n,
            close_time="2026-11-18T15:00:00Z",
            products=[(1, 1, 20000.0), (2, 40, 100.0)],
            update_time=T0 + timedelta(minutes=n),
        )
        ids.append(str(n))
    return ids


def seed_salesforce(fake: SalesforceFake, deals: int = 1, currency: str | None = None) -> list[str]:
    fake.add_user(sf_id("005", 1), "Sam Seller", "sam.seller@example.com")
    ids = []
    for n in range(1, deals + 1):
        account, buyer = sf_id("001", n), sf_id("003", n)
        fake.add_account(account, f"Umbrella {n}", website="www.umbrella.example")
        fake.add_contact(buyer, f"Alice Buyer{n}", f"alice{n}@umbrella.example", "CIO", account)
        opportunity = sf_id("006", n)
        fake.add_opportunity(
            opportunity,
            f"Umbrella rollout {n}",
            50000.0,
            close_date="2026-11-25",
            owner_id=sf_id("005", 1),
            account_id=account,
            description="Rollout to three plants",
            currency_iso_code=currency,
            line_items=[("Implementation", "IMPL", 1, 40000.0), ("Training", None, 5, 2000.0)],
            contact_roles=[(buyer, "Decision Maker", True)],
            last_modified_date=T0 + timedelta(minutes=n),
        )
        ids.append(opportunity)
    return ids


# -- HubSpot --------------------------------------------------------------------------------


async def test_hubspot_deal_comes_complete(
    hubspot: HubSpotFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    hubspot.company_currency = "EUR"
    (deal_id,) = seed_hubspot(hubspot)
    hubspot_client = client(
        access_to(CrmSource.hubspot, hubspot.base_url, won_stages=HUBSPOT_WON), settings, http
    )

    completed = await hubspot_client.complete([deal_id, "424242"])

    assert list(completed) == [deal_id]  # an id HubSpot does not know is simply absent
    crm = completed[deal_id]
    deal = crm.deal
    assert (deal.external_id, deal.name) == (deal_id, "Globex rollout 1")
    assert deal.customer.model_dump() == {
        "external_id": "5001",
        "name": "Globex 1",
        "website": "https://globex1.example",
    }
    assert (deal.amount, deal.currency) == (Decimal("18015.00"), "EUR")  # the portal's currency
    assert deal.close_date == date(2026, 11, 20)
    assert (deal.stage, deal.owner_email, deal.owner_name) == (
        "closedwon",
        "seller1@example.com",
        "Sam Seller1",
    )
    assert deal.requirements == "CRM rollout for 300 users"
    assert [(i.name, i.quantity, i.unit_price, i.sku) for i in deal.line_items] == [
        ("Implementation", Decimal(1), Decimal("12000.00"), "IMPL"),
        ("Licences", Decimal(30), Decimal("100.50"), None),
    ]
    assert [(c.name, c.email, c.title) for c in crm.contacts] == [
        ("Ada Buyer1-1", "ada1-1@globex.example", "CTO"),
        ("Ada Buyer1-2", "ada1-2@globex.example", "CTO"),
    ]
    assert (crm.won, crm.lost) == (True, False)
    assert crm.modified_at == T0 + timedelta(minutes=1)

    await hubspot_client.complete([deal_id])
    assert len(hubspot.calls_to("/account-info/v3/details")) == 1  # asked once per client


async def test_hubspot_deal_currency_wins_over_the_portal_and_lost_deals_say_so(
    hubspot: HubSpotFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    (deal_id,) = seed_hubspot(hubspot, currency="GBP")
    hubspot.update_deal(deal_id, dealstage="closedlost")
    hubspot_client = client(
        access_to(CrmSource.hubspot, hubspot.base_url, won_stages=HUBSPOT_WON), settings, http
    )

    crm = (await hubspot_client.complete([deal_id]))[deal_id]

    assert crm.deal.currency == "GBP"
    assert (crm.won, crm.lost) == (False, True)
    assert hubspot.calls_to("/account-info") == []


async def test_hubspot_deal_with_more_associations_than_a_page_comes_complete(
    hubspot: HubSpotFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    """Each v4 batch-read result pages on its own (`paging.next.after`, passed back beside the
    id): a deal with several pages of contacts and line items loses none, and the deal beside it
    in the batch, with one page, is not asked again."""
    hubspot.association_page_size = 2
    big, small = seed_hubspot(hubspot, deals=2)
    contacts = [7100 + n for n in range(7)]
    items = [9100 + n for n in range(5)]
    for n in contacts:
        hubspot.add_contact(n, "Grace", f"Hopper{n}", f"grace{n}@globex.example")
    for n in items:
        hubspot.add_line_item(n, f"Module {n}", 1, "10")
    hubspot.update_deal(big, companies=[5001, 5002, 5003], contacts=contacts, line_items=items)
    hubspot_client = client(
        access_to(CrmSource.hubspot, hubspot.base_url, won_stages=HUBSPOT_WON), settings, http
    )

    completed = await hubspot_client.complete([big, small])

    crm = completed[big]
    assert [c.email for c in crm.contacts] == [f"grace{n}@globex.example" for n in contacts]
    assert [i.name for i in crm.deal.line_items] == [f"Module {n}" for n in items]
    assert crm.deal.customer.external_id == "5001"  # the primary company, on the first page
    assert (len(completed[small].contacts), len(completed[small].deal.line_items)) == (2, 2)
    reads = [call for call in hubspot.calls if "/crm/v4/associations/" in call.path]
    followed = [item for call in reads for item in call.body["inputs"] if "after" in item]
    assert {item["id"] for item in followed} == {big}  # only the deal with more pages
    assert len(reads) == 2 + 4 + 3  # companies, contacts and line items: 2, 4 and 3 pages


async def test_hubspot_deal_in_a_custom_pipelines_closed_lost_stage_is_lost(
    hubspot: HubSpotFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    """Outside the default pipeline a lost stage has its own id: HubSpot's `hs_is_closed_lost`
    (from the stage's probability, 0.0) says it is lost."""
    hubspot.add_deal_pipeline(
        "renewals",
        {"1001": 0.3, "1002": 1.0, "1003": 0.0},  # custom stages have numeric ids
    )
    lost, still_open = seed_hubspot(hubspot, deals=2)
    hubspot.update_deal(lost, pipeline="renewals", dealstage="1003")
    hubspot.update_deal(still_open, pipeline="renewals", dealstage="1001")
    hubspot_client = client(
        access_to(CrmSource.hubspot, hubspot.base_url, won_stages=HUBSPOT_WON), settings, http
    )

    completed = await hubspot_client.complete([lost, still_open])

    assert (completed[lost].deal.stage, completed[lost].won, completed[lost].lost) == (
        "1003",
        False,
        True,
    )
    assert (completed[still_open].won, completed[still_open].lost) == (False, False)


async def test_hubspot_completes_100_deals_in_a_handful_of_calls(
    hubspot: HubSpotFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    ids = seed_hubspot(hubspot, deals=100)
    hubspot_client = client(
        access_to(CrmSource.hubspot, hubspot.base_url, won_stages=HUBSPOT_WON), settings, http
    )

    completed = await hubspot_client.complete(ids)

    assert sorted(completed) == sorted(ids)
    assert all(
        len(crm.contacts) == 2 and len(crm.deal.line_items) == 2 for crm in completed.values()
    )
    assert {crm.deal.owner_email for crm in completed.values()} == {
        f"seller{n}@example.com" for n in range(3)
    }
    assert len(hubspot.calls) <= 20, [call.path for call in hubspot.calls]


async def test_hubspot_changed_since_pages_oldest_first(
    hubspot: HubSpotFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    for n in range(1, 251):
        hubspot.add_deal(n, f"Deal {n}", "10", updated_at=T0 + timedelta(seconds=n))
    hubspot_client = client(
        access_to(CrmSource.hubspot, hubspot.base_url, won_stages=HUBSPOT_WON), settings, http
    )

    seen, pages, page = [], 0, None
    while True:
        changed = await hubspot_client.changed_since(T0 + timedelta(seconds=20), page)
        seen.extend(changed.external_ids)
        pages += 1
        page = changed.next_page
        if page is None:
            break

    assert seen == [str(n) for n in range(21, 251)]
    assert pages == 3
    assert changed.last_modified == T0 + timedelta(seconds=250)


# -- Pipedrive ------------------------------------------------------------------------------


async def test_pipedrive_deal_comes_complete(
    pipedrive: PipedriveFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    (deal_id,) = seed_pipedrive(pipedrive)
    pipedrive_client = client(access_to(CrmSource.pipedrive, pipedrive.base_url), settings, http)

    completed = await pipedrive_client.complete([deal_id, "999"])

    assert list(completed) == [deal_id]
    crm = completed[deal_id]
    deal = crm.deal
    assert deal.customer.model_dump() == {
        "external_id": "301",
        "name": "Initech 1",
        "website": None,
    }
    assert (deal.name, deal.amount, deal.currency) == (
        "Initech migration 1",
        Decimal("24000.00"),
        "EUR",
    )
    assert (deal.close_date, deal.stage) == (date(2026, 11, 18), "1")
    assert (deal.owner_email, deal.owner_name) == ("seller1@example.com", "Sam Seller1")
    assert [(i.name, i.quantity, i.unit_price) for i in deal.line_items] == [
        ("Implementation", Decimal(1), Decimal("20000.00")),
        ("Licences", Decimal(40), Decimal("100.00")),
    ]
    assert [(c.external_id, c.name, c.email) for c in crm.contacts] == [
        ("601", "Bill Lumbergh1", "bill1@initech.example")
    ]
    assert (crm.won, crm.lost) == (True, False)
    assert crm.modified_at == T0 + timedelta(minutes=1)


async def test_pipedrive_completes_100_deals_in_a_handful_of_calls(
    pipedrive: PipedriveFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    ids = seed_pipedrive(pipedrive, deals=100)
    pipedrive_client = client(access_to(CrmSource.pipedrive, pipedrive.base_url), settings, http)

    completed = await pipedrive_client.complete(ids)

    assert sorted(completed) == sorted(ids)
    assert all(len(crm.deal.line_items) == 2 and crm.contacts for crm in completed.values())
    assert len(pipedrive.calls) <= 20, [call.path for call in pipedrive.calls]


async def test_pipedrive_a_deal_with_thousands_of_products_leaves_the_others_theirs(
    pipedrive: PipedriveFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    """The batch's products come sorted across its deals, 500 a page: a deal with more than a
    project keeps (200 line items) must not cut the read short for the deals after it."""
    ids = seed_pipedrive(pipedrive, deals=3)
    many = [(1, 1, 10.0)] * 5_200  # more than ten pages
    pipedrive.update_deal(1, products=many)
    for later in (2, 3):  # attached after deal 1's: their products come last
        pipedrive.update_deal(later, products=[(1, 1, 20000.0), (2, 40, 100.0)])
    pipedrive_client = client(access_to(CrmSource.pipedrive, pipedrive.base_url), settings, http)

    completed = await pipedrive_client.complete(ids)

    kept = {deal_id: len(crm.deal.line_items) for deal_id, crm in completed.items()}
    assert kept == {"1": MAX_LINE_ITEMS, "2": 2, "3": 2}
    assert len(pipedrive.calls) <= 15, [call.path for call in pipedrive.calls]


async def test_pipedrive_changed_since_pages_oldest_first(
    pipedrive: PipedriveFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    for n in range(1, 601):
        pipedrive.add_deal(
            n, f"Deal {n}", 10.0, "EUR", status="open", update_time=T0 + timedelta(seconds=n)
        )
    pipedrive_client = client(access_to(CrmSource.pipedrive, pipedrive.base_url), settings, http)

    seen, page = [], None
    for _ in range(5):
        changed = await pipedrive_client.changed_since(T0 + timedelta(seconds=10), page)
        seen.extend(changed.external_ids)
        page = changed.next_page
        if page is None:
            break

    assert seen == [str(n) for n in range(10, 601)]  # `since` is inclusive, to the second
    assert changed.last_modified == T0 + timedelta(seconds=600)
    # both pages of the deals, and the archive (empty, so read to its end) with the first
    assert [call.path for call in pipedrive.calls] == [
        "/api/v2/deals",
        "/api/v2/deals/archived",
        "/api/v2/deals",
    ]


async def test_pipedrive_completes_an_archived_deal_asking_the_archive_for_it_alone(
    pipedrive: PipedriveFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    """`GET /api/v2/deals` leaves archived deals out; `GET /api/v2/deals/archived` has them."""
    ids = seed_pipedrive(pipedrive, deals=3)
    pipedrive.archive_deal(2)
    pipedrive_client = client(access_to(CrmSource.pipedrive, pipedrive.base_url), settings, http)

    completed = await pipedrive_client.complete(ids)

    assert sorted(completed) == ids
    archived = completed["2"]
    assert archived.deal.customer.model_dump() == {
        "external_id": "302",
        "name": "Initech 2",
        "website": None,
    }
    assert [(c.external_id, c.email) for c in archived.contacts] == [
        ("602", "bill2@initech.example")
    ]
    assert len(archived.deal.line_items) == 2
    assert archived.deal.owner_email == "seller2@example.com"
    assert archived.won
    asked = pipedrive.calls_to("/api/v2/deals/archived")
    assert [call.values("ids") for call in asked] == [["2"]]  # only what the list left out

    pipedrive.reset_calls()
    assert sorted(await pipedrive_client.complete(["1", "3"])) == ["1", "3"]
    assert not pipedrive.calls_to("/api/v2/deals/archived")  # nothing archived: no extra call


@pytest.mark.parametrize(
    "archive",
    [lambda n: n % 3 == 0, lambda n: n % 3 != 0, lambda n: n % 2 == 0],
    ids=["a third archived", "two thirds archived", "half archived"],
)
async def test_pipedrive_changed_since_finds_archived_deals_and_skips_no_change(
    pipedrive: PipedriveFake,
    settings: Settings,
    http: httpx.AsyncClient,
    archive: Callable[[int], bool],
) -> None:
    """Archived deals are a list of their own: both are read, and a sync that stops after any
    page and goes on from its `last_modified` has seen every change before it, whichever list
    runs out first."""
    pipedrive.now = lambda: T0  # archiving moves a deal's `update_time` one second on
    for n in range(1, 1201):  # the lists interleave, over one to two pages of 500 each
        update_time = T0 + timedelta(seconds=n)
        pipedrive.add_deal(n, f"Deal {n}", 10.0, "EUR", status="open", update_time=update_time)
        if archive(n):
            pipedrive.archive_deal(n)
    stamps = {str(n): T0 + timedelta(seconds=n + archive(n)) for n in range(1, 1201)}
    pipedrive_client = client(access_to(CrmSource.pipedrive, pipedrive.base_url), settings, http)

    seen: list[str] = []
    page = None
    for _ in range(5):
        changed = await pipedrive_client.changed_since(T0, page)
        listed = [stamps[deal_id] for deal_id in changed.external_ids]
        assert listed == sorted(listed)  # oldest change first
        seen.extend(changed.external_ids)
        assert changed.last_modified is not None
        unseen = {i for i, stamp in stamps.items() if stamp < changed.last_modified} - set(seen)
        assert not unseen
        page = changed.next_page
        if page is None:
            break

    assert sorted(seen, key=int) == [str(n) for n in range(1, 1201)]


async def test_pipedrive_spent_budget_pauses_the_next_call(
    pipedrive: PipedriveFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    pipedrive.limit_per_window = (1, 1.0)
    pipedrive_client = client(access_to(CrmSource.pipedrive, pipedrive.base_url), settings, http)

    started = time.monotonic()
    await pipedrive_client.changed_since(T0)  # two calls: the deals, then the archived ones

    assert [call.status for call in pipedrive.calls] == [200, 200]  # no 429: we waited first
    assert time.monotonic() - started >= 0.9


# -- Salesforce -----------------------------------------------------------------------------


async def test_salesforce_opportunity_comes_complete_in_a_single_currency_org(
    salesforce: SalesforceFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    salesforce.default_currency = "CHF"
    (opportunity_id,) = seed_salesforce(salesforce)
    access = access_to(CrmSource.salesforce, salesforce.base_url, won_stages=SALESFORCE_WON)
    salesforce_client = client(access, settings, http)

    completed = await salesforce_client.complete([opportunity_id, sf_id("006", 999)])

    assert list(completed) == [opportunity_id]
    crm = completed[opportunity_id]
    deal = crm.deal
    assert deal.customer.model_dump() == {
        "external_id": sf_id("001", 1),
        "name": "Umbrella 1",
        "website": "https://www.umbrella.example",
    }
    assert (deal.amount, deal.currency) == (Decimal("50000.00"), "CHF")  # the org's currency
    assert (deal.close_date, deal.stage) == (date(2026, 11, 25), "Closed Won")
    assert (deal.owner_email, deal.owner_name) == ("sam.seller@example.com", "Sam Seller")
    assert deal.requirements == "Rollout to three plants"
    assert [(i.quantity, i.unit_price, i.sku) for i in deal.line_items] == [
        (Decimal(1), Decimal("40000.00"), "IMPL"),
        (Decimal(5), Decimal("2000.00"), None),
    ]
    assert [(c.name, c.email, c.title) for c in crm.contacts] == [
        ("Alice Buyer1", "alice1@umbrella.example", "CIO")
    ]
    assert (crm.won, crm.lost) == (True, False)
    assert crm.modified_at == T0 + timedelta(minutes=1)

    queries = [call.param("q") or "" for call in salesforce.calls]
    assert len(queries) == 3  # with CurrencyIsoCode (INVALID_FIELD), without, the org's currency
    assert "CurrencyIsoCode" in queries[0]
    assert "CurrencyIsoCode" not in queries[1]
    assert "FROM Organization" in queries[2]

    salesforce.reset_calls()
    await salesforce_client.complete([opportunity_id])
    assert len(salesforce.calls) == 1  # the client remembers the org has one currency


async def test_salesforce_multi_currency_org_gives_each_opportunity_its_currency(
    salesforce: SalesforceFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    salesforce.multi_currency = True
    (opportunity_id,) = seed_salesforce(salesforce, currency="JPY")
    access = access_to(CrmSource.salesforce, salesforce.base_url, won_stages=SALESFORCE_WON)

    crm = (await client(access, settings, http).complete([opportunity_id]))[opportunity_id]

    assert (crm.deal.amount, crm.deal.currency) == (Decimal("50000.00"), "JPY")
    assert len(salesforce.calls) == 1


def _many_children(fake: SalesforceFake, opportunity_id: str, items: int, roles: int) -> None:
    """`items` line items and `roles` contact roles (the last one primary) on the opportunity."""
    for n in range(roles):
        contact_id = sf_id("003", 500 + n)
        fake.add_contact(contact_id, f"Bob Buyer{n}", f"bob{n}@umbrella.example", "Engineer")
    fake.update_opportunity(
        opportunity_id,
        line_items=[(f"Module {n}", f"MOD-{n}", 1, 100.0 + n) for n in range(items)],
        contact_roles=[(sf_id("003", 500 + n), None, n == roles - 1) for n in range(roles)],
    )


async def test_salesforce_opportunity_with_more_children_than_a_subquery_batch_comes_complete(
    salesforce: SalesforceFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    """A subquery with more records than its batch answers `done: false` and its own
    `nextRecordsUrl`: every line item and contact role is read."""
    salesforce.child_batch_size = 3
    (opportunity_id,) = seed_salesforce(salesforce)
    _many_children(salesforce, opportunity_id, items=8, roles=5)
    access = access_to(CrmSource.salesforce, salesforce.base_url, won_stages=SALESFORCE_WON)

    crm = (await client(access, settings, http).complete([opportunity_id]))[opportunity_id]

    assert [i.sku for i in crm.deal.line_items] == [f"MOD-{n}" for n in range(8)]
    assert [c.email for c in crm.contacts] == [  # the primary role first
        f"bob{n}@umbrella.example" for n in (4, 0, 1, 2, 3)
    ]
    more = [call for call in salesforce.calls if call.param("q") is None]
    assert len(more) == 2 + 1  # line items: 3 + 3 + 2; roles: 3 + 2


async def test_salesforce_subqueries_are_read_before_the_next_page_of_opportunities(
    salesforce: SalesforceFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    """Reading the query's next page closes the child cursors of the page before (queryMore
    invalidates them): each page's subqueries are read to the end first."""
    salesforce.page_size, salesforce.child_batch_size = 1, 2
    ids = seed_salesforce(salesforce, deals=3)
    for opportunity_id in ids:
        _many_children(salesforce, opportunity_id, items=5, roles=3)
    access = access_to(CrmSource.salesforce, salesforce.base_url, won_stages=SALESFORCE_WON)

    completed = await client(access, settings, http).complete(ids)

    assert sorted(completed) == sorted(ids)
    assert all(
        (len(crm.deal.line_items), len(crm.contacts)) == (5, 3) for crm in completed.values()
    )
    assert all(call.status == 200 for call in salesforce.calls[1:])  # the first: no currency


async def test_salesforce_completes_100_opportunities_in_a_handful_of_calls(
    salesforce: SalesforceFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    ids = seed_salesforce(salesforce, deals=100)
    access = access_to(CrmSource.salesforce, salesforce.base_url, won_stages=SALESFORCE_WON)

    completed = await client(access, settings, http).complete(ids)

    assert sorted(completed) == sorted(ids)
    assert len(salesforce.calls) <= 20, [call.path for call in salesforce.calls]


async def test_salesforce_changed_since_pages_without_skipping_shared_stamps(
    salesforce: SalesforceFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    for n in range(1, 451):  # three opportunities per second: pages end inside a second
        salesforce.add_opportunity(
            sf_id("006", n),
            f"Opportunity {n}",
            10.0,
            "Prospecting",
            False,
            False,
            last_modified_date=T0 + timedelta(seconds=n // 3),
        )
    access = access_to(CrmSource.salesforce, salesforce.base_url, won_stages=SALESFORCE_WON)
    salesforce_client = client(access, settings, http)

    seen, pages, page = [], 0, None
    while True:
        changed = await salesforce_client.changed_since(T0, page)
        seen.extend(changed.external_ids)
        pages += 1
        page = changed.next_page
        if page is None:
            break

    assert seen == [sf_id("006", n) for n in range(1, 451)]  # from T0 (inclusive), each once
    assert pages == 3
    assert changed.last_modified == T0 + timedelta(seconds=150)


# -- what every provider shares ---------------------------------------------------------------

Seeded = tuple[FakeCRM, CrmSource, list[str]]


@pytest.fixture(params=[CrmSource.hubspot, CrmSource.pipedrive, CrmSource.salesforce])
def seeded(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    """A running fake of each provider with one won deal in it."""
    seeders: dict[CrmSource, tuple[Callable[[str], FakeCRM], Callable[..., list[str]]]] = {
        CrmSource.hubspot: (HubSpotFake, seed_hubspot),
        CrmSource.pipedrive: (PipedriveFake, seed_pipedrive),
        CrmSource.salesforce: (SalesforceFake, seed_salesforce),
    }
    make, seed = seeders[request.param]
    with running(make(TOKEN)) as fake:
        yield fake, request.param, seed(fake)


async def test_a_429_with_a_short_retry_after_is_waited_out(
    seeded: Seeded, settings: Settings, http: httpx.AsyncClient
) -> None:
    fake, provider, ids = seeded
    access = access_to(provider, fake.base_url)
    fake.fail_next(1, 429, retry_after=1)

    started = time.monotonic()
    completed = await client(access, settings, http).complete(ids)

    assert list(completed) == ids
    assert fake.calls[0].status == fake.rate_limited().status  # Salesforce: a 403
    assert time.monotonic() - started >= 0.9
    assert calls_counted(access, "rate_limited") == 1
    answered = calls_counted(access, "ok") + calls_counted(access, "error")  # error: a 400
    assert answered == len(fake.calls) - 1  # Salesforce answers for a single-currency org


async def test_a_429_too_long_to_wait_is_unavailable_with_its_retry_after(
    seeded: Seeded, settings: Settings, http: httpx.AsyncClient
) -> None:
    fake, provider, ids = seeded
    if not fake.says_retry_after:
        pytest.skip("Salesforce never says how long: its limit is waited out a second at a time")
    fake.fail_next(1, 429, retry_after=120)

    with pytest.raises(CrmUnavailable) as raised:
        await client(access_to(provider, fake.base_url), settings, http).complete(ids)

    assert raised.value.retry_after == pytest.approx(120)
    assert len(fake.calls) == 1


async def test_salesforce_concurrent_limit_is_waited_out_its_daily_allowance_is_not(
    salesforce: SalesforceFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    """Both are 403 REQUEST_LIMIT_EXCEEDED: too many long calls at once lifts within seconds
    and is retried; the 24-hour allowance spent is left to the worker to try again later."""
    ids = seed_salesforce(salesforce)
    access = access_to(CrmSource.salesforce, salesforce.base_url)
    salesforce.fail_next(2, 429)  # the concurrent limit, in Salesforce's shape

    completed = await client(access, settings, http).complete(ids)

    assert list(completed) == ids
    assert [call.status for call in salesforce.calls[:2]] == [403, 403]
    assert calls_counted(access, "rate_limited") == 2

    salesforce.reset_calls()
    salesforce.fail_next(1, 403)  # TotalRequests Limit exceeded.
    with pytest.raises(CrmUnavailable) as raised:
        await client(access, settings, http).complete(ids)
    assert "daily API allowance" in raised.value.reason
    assert raised.value.retry_after == 3600  # asked again in an hour, not on the backoff
    assert len(salesforce.calls) == 1


async def test_an_outage_is_unavailable(
    seeded: Seeded, settings: Settings, http: httpx.AsyncClient
) -> None:
    fake, provider, ids = seeded
    fake.down = True
    access = access_to(provider, fake.base_url)

    with pytest.raises(CrmUnavailable):
        await client(access, settings, http).complete(ids)
    assert calls_counted(access, "unavailable") == 1


async def test_a_crm_too_slow_to_answer_is_unavailable(
    seeded: Seeded, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    fake, provider, ids = seeded
    fake.delay_seconds = 2
    impatient = loopback_settings(tmp_path, webhook_timeout_seconds=0.3)

    async with crm_http_client(impatient) as quick:
        with pytest.raises(CrmUnavailable, match="in time"):
            await client(access_to(provider, fake.base_url), impatient, quick).complete(ids)


async def test_a_bad_token_is_refused(
    seeded: Seeded, settings: Settings, http: httpx.AsyncClient
) -> None:
    fake, provider, ids = seeded
    access = access_to(provider, fake.base_url, token="not-the-token")

    with pytest.raises(CrmRefused, match="HTTP 401"):
        await client(access, settings, http).complete(ids)
    assert calls_counted(access, "refused") == 1


@pytest.mark.parametrize(
    "base_url", ["http://10.1.2.3:8080", "http://169.254.169.254", "ftp://127.0.0.1"]
)
async def test_a_base_url_outside_the_allowed_networks_is_refused_before_any_call(
    seeded: Seeded, base_url: str, settings: Settings, http: httpx.AsyncClient
) -> None:
    fake, provider, ids = seeded

    with pytest.raises(CrmRefused, match="unsafe API base URL"):
        await client(access_to(provider, base_url), settings, http).complete(ids)
    assert fake.calls == []


async def test_a_connection_shares_one_budget_whatever_its_clients(
    settings: Settings, http: httpx.AsyncClient
) -> None:
    access = access_to(CrmSource.pipedrive, "https://acme.pipedrive.com")
    first, second = (
        CrmHttp(access, settings, http, shared=None),
        CrmHttp(access, settings, http, shared=None),
    )
    other = CrmHttp(access_to(CrmSource.pipedrive, access.base_url), settings, http, shared=None)

    assert first._budget is second._budget
    assert first._budget is not other._budget


async def test_oversized_values_are_bounded_not_refused(
    hubspot: HubSpotFake, settings: Settings, http: httpx.AsyncClient
) -> None:
    hubspot.add_company(1, "C" * 500, "x" * 300 + ".example")
    for n in range(250):
        hubspot.add_line_item(100 + n, f"Item {n}", 1, 1)
    hubspot.add_deal(
        42,
        "  " + "D" * 500,
        "-5",  # a negative amount: left out, the deal still comes
        description="R" * 20_000,
        companies=[1],
        line_items=[100 + n for n in range(250)],
    )
    hubspot_client = client(access_to(CrmSource.hubspot, hubspot.base_url), settings, http)

    deal = (await hubspot_client.complete(["42"]))["42"].deal

    assert deal.name == "D" * 200
    assert deal.customer.name == "C" * 200
    assert deal.requirements == "R" * 10_000
    assert len(deal.line_items) == 200
    assert (deal.amount, deal.currency) == (None, None)


# -- answers no CRM documents (the base URL is the tenant's choice: anything may answer) -----------
# Each is read as the clients read other malformed answers, never an exception that ends the sync
# round or the write-back batch it arrived in.


class _OvercountingSalesforce(SalesforceFake):
    """Reports its API usage with a number longer than int() reads (4,300 digits)."""

    def rate_limit_headers(
        self, limit: int, remaining: int, window: float, reset_seconds: float
    ) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={'9' * 5000}/{limit}"}


class _OddSearchHubSpot(HubSpotFake):
    """Search answers whose next-page count or modification stamps are not what HubSpot sends."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.after: str | None = None
        self.stamp: str | None = None

    def _search(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        reply = super()._search(call, params)
        body: dict[str, Any] = reply.body
        if self.after is not None:
            body["paging"] = {"next": {"after": self.after}}
        for result in body["results"] if self.stamp is not None else []:
            result["properties"]["hs_lastmodifieddate"] = result["updatedAt"] = self.stamp
        return reply


@pytest.fixture
def odd_hubspot() -> Iterator[_OddSearchHubSpot]:
    with running(_OddSearchHubSpot(TOKEN)) as fake:
        fake.add_deal(1, "Deal 1", "10", updated_at=T0 + timedelta(seconds=1))
        yield fake


async def test_a_salesforce_usage_too_long_to_read_does_not_pause_or_fail_the_call(
    settings: Settings, http: httpx.AsyncClient
) -> None:
    with running(_OvercountingSalesforce(TOKEN)) as salesforce:
        ids = seed_salesforce(salesforce)
        access = access_to(CrmSource.salesforce, salesforce.base_url, won_stages=SALESFORCE_WON)
        salesforce_client = client(access, settings, http)

        assert list(await salesforce_client.complete(ids)) == ids
        assert list(await salesforce_client.complete(ids)) == ids  # not held back either


@pytest.mark.parametrize(
    ("after", "next_page"),
    [
        ("\u00b2", None),  # a digit to isdigit(), not to int(): no next page
        ("9" * 5000, f"GTE:{int((T0 + timedelta(seconds=1)).timestamp() * 1000)}:0"),  # past it
    ],
)
async def test_a_hubspot_next_page_count_int_cannot_read_is_handled(
    odd_hubspot: _OddSearchHubSpot,
    settings: Settings,
    http: httpx.AsyncClient,
    after: str,
    next_page: str | None,
) -> None:
    odd_hubspot.after = after
    hubspot_client = client(access_to(CrmSource.hubspot, odd_hubspot.base_url), settings, http)

    changed = await hubspot_client.changed_since(T0, None)

    assert (changed.external_ids, changed.next_page) == (["1"], next_page)


async def test_a_hubspot_stamp_before_the_first_utc_moment_is_no_stamp(
    odd_hubspot: _OddSearchHubSpot, settings: Settings, http: httpx.AsyncClient
) -> None:
    odd_hubspot.stamp = "0001-01-01T00:00:00+05:00"  # 31 Dec of year 0 in UTC: not a datetime
    hubspot_client = client(access_to(CrmSource.hubspot, odd_hubspot.base_url), settings, http)

    changed = await hubspot_client.changed_since(T0, None)

    assert (changed.external_ids, changed.last_modified) == (["1"], None)
    assert moment("0001-01-01T05:00:00+05:00") == datetime(1, 1, 1, tzinfo=UTC)


class _DeepHubSpot(HubSpotFake):
    """Answers a search with JSON nested deeper than the interpreter's recursion limit."""

    def _search(self, call: RecordedCall, params: dict[str, str]) -> Reply:
        return Reply(200, b"[" * 5_000 + b"]" * 5_000)


async def test_an_answer_nested_too_deep_is_an_answer_without_json(
    settings: Settings, http: httpx.AsyncClient
) -> None:
    with running(_DeepHubSpot(TOKEN)) as deep:
        hubspot_client = client(access_to(CrmSource.hubspot, deep.base_url), settings, http)
        with pytest.raises(CrmUnavailable, match="HTTP 200 without JSON"):
            await hubspot_client.changed_since(T0, None)
