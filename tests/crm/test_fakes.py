"""The CRM fakes answer in their providers' documented shapes over HTTP, and misbehave on cue."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.crm.fakes import HubSpotFake, PipedriveFake, SalesforceFake, running

HUBSPOT_TOKEN = "pat-na1-00000000-0000-0000-0000-000000000000"
PIPEDRIVE_TOKEN = "pipedrive-api-token-0123"
SALESFORCE_TOKEN = "00D000000000001!session"
OPPORTUNITY, OWNER, ACCOUNT, CONTACT = (
    "006000000000001AAA",
    "005000000000001AAA",
    "001000000000001AAA",
    "003000000000001AAA",
)


@pytest.fixture
def hubspot() -> Iterator[HubSpotFake]:
    with running(HubSpotFake(HUBSPOT_TOKEN)) as fake:
        fake.add_owner(11, "sam@globex.example", "Sam", "Seller")
        fake.add_company(21, "Globex", "globex.example")
        fake.add_company(22, "Globex Holding", "holding.globex.example")
        fake.add_contact(31, "Ada", "Lovelace", "ada@globex.example", "CTO")
        fake.add_line_item(41, "Implementation", 2, "1500.50", "IMP-1")
        fake.add_deal(
            51,
            "Globex rollout",
            3001,
            closedate="2026-12-01T00:00:00Z",
            hubspot_owner_id=11,
            companies=[21, 22],
            contacts=[31],
            line_items=[41],
        )
        yield fake


@pytest.fixture
def pipedrive() -> Iterator[PipedriveFake]:
    with running(PipedriveFake(PIPEDRIVE_TOKEN)) as fake:
        fake.add_user(7, "Sam Seller", "sam@globex.example")
        fake.add_organization(3, "Globex", "1 Main St, Springfield")
        fake.add_person(5, "Ada Lovelace", ["ada@globex.example", "ada@home.example"], org_id=3)
        fake.add_product(9, "Implementation", "IMP-1")
        yield fake


@pytest.fixture
def salesforce() -> Iterator[SalesforceFake]:
    with running(SalesforceFake(SALESFORCE_TOKEN)) as fake:
        fake.add_user(OWNER, "Sam Seller", "sam@globex.example")
        fake.add_account(ACCOUNT, "Globex", "https://globex.example")
        fake.add_contact(CONTACT, "Ada Lovelace", "ada@globex.example", "CTO", ACCOUNT)
        fake.add_opportunity(
            OPPORTUNITY,
            "Globex rollout",
            120000,
            close_date="2026-11-20",
            owner_id=OWNER,
            account_id=ACCOUNT,
            line_items=[("Implementation", "IMP-1", 2, 60000)],
            contact_roles=[(CONTACT, "Decision Maker", True)],
            last_modified_date=datetime(2026, 12, 5, 10, 0, tzinfo=UTC),
        )
        yield fake


def _client(fake: HubSpotFake | PipedriveFake | SalesforceFake, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=fake.base_url, headers=headers, timeout=5)


def test_a_fake_starts_and_stops_within_a_second() -> None:
    started = time.monotonic()
    with running(HubSpotFake(HUBSPOT_TOKEN)) as fake, _client(fake) as client:
        client.get("/account-info/v3/details")  # a kept-alive connection must not hold the stop
    assert time.monotonic() - started < 1


# -- HubSpot ----------------------------------------------------------------------------------


def test_hubspot_batch_read_answers_207_for_ids_that_do_not_exist(hubspot: HubSpotFake) -> None:
    with _client(hubspot, authorization=f"Bearer {HUBSPOT_TOKEN}") as client:
        response = client.post(
            "/crm/v3/objects/deals/batch/read",
            json={
                "inputs": [{"id": "51"}, {"id": "404"}],
                "properties": ["dealname", "amount", "deal_currency_code", "not_a_property"],
                "propertiesWithHistory": [],
            },
        )

    assert response.status_code == 207
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert {"startedAt", "completedAt"} <= body.keys()
    [deal] = body["results"]
    assert deal["id"] == "51"
    assert deal["properties"] == {
        "amount": "3001",
        "createdate": deal["createdAt"],
        "deal_currency_code": None,
        "dealname": "Globex rollout",
        "hs_lastmodifieddate": deal["updatedAt"],
        "hs_object_id": "51",
    }
    assert deal["archived"] is False
    assert body["numErrors"] == 1
    assert body["errors"] == [
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": "Could not get some DEAL objects, they may be deleted or not exist."
            " Check that ids are valid.",
            "context": {"ids": ["404"]},
        }
    ]


def test_hubspot_batch_read_refuses_more_than_100_inputs(hubspot: HubSpotFake) -> None:
    with _client(hubspot, authorization=f"Bearer {HUBSPOT_TOKEN}") as client:
        inputs = [{"id": str(n)} for n in range(101)]
        response = client.post("/crm/v3/objects/deals/batch/read", json={"inputs": inputs})

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert response.json()["correlationId"] == response.headers["x-hubspot-correlation-id"]


def test_hubspot_associations_carry_the_documented_type_ids(hubspot: HubSpotFake) -> None:
    with _client(hubspot, authorization=f"Bearer {HUBSPOT_TOKEN}") as client:
        companies = client.post(
            "/crm/v4/associations/deals/companies/batch/read",
            json={"inputs": [{"id": "51"}, {"id": "52"}]},
        )
        items = client.post(
            "/crm/v4/associations/deals/line_items/batch/read", json={"inputs": [{"id": "51"}]}
        )
        deal = client.get(
            "/crm/v3/objects/deals/51",
            params={"associations": "companies,contacts", "properties": "dealname"},
        )

    assert companies.status_code == 207
    [result] = companies.json()["results"]
    assert result["from"] == {"id": "51"}
    primary, other = result["to"]
    assert primary["toObjectId"] == 21
    assert [(t["category"], t["typeId"]) for t in primary["associationTypes"]] == [
        ("HUBSPOT_DEFINED", 5),
        ("HUBSPOT_DEFINED", 341),
    ]
    assert other["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 341, "label": None}
    ]
    [missing] = companies.json()["errors"]
    assert missing["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert missing["context"]["fromObjectId"] == ["52"]
    assert items.status_code == 200
    assert items.json()["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 19
    assert deal.json()["associations"] == {
        "companies": {
            "results": [
                {"id": "21", "type": "deal_to_company"},
                {"id": "21", "type": "deal_to_company_unlabeled"},
                {"id": "22", "type": "deal_to_company_unlabeled"},
            ]
        },
        "contacts": {"results": [{"id": "31", "type": "deal_to_contact"}]},
    }


def test_hubspot_association_results_page_each_on_its_own(hubspot: HubSpotFake) -> None:
    hubspot.association_page_size = 2
    for n in (32, 33):
        hubspot.add_contact(n, "Grace", f"Hopper{n}", f"grace{n}@globex.example")
    hubspot.update_deal(51, contacts=[31, 32, 33])
    hubspot.add_deal(52, "Globex renewal", 10, contacts=[31])
    path = "/crm/v4/associations/deals/contacts/batch/read"
    with _client(hubspot, authorization=f"Bearer {HUBSPOT_TOKEN}") as client:
        first = client.post(path, json={"inputs": [{"id": "51"}, {"id": "52"}]}).json()
        after = first["results"][0]["paging"]["next"]["after"]
        rest = client.post(path, json={"inputs": [{"id": "51", "after": after}]}).json()
        unreadable = client.post(path, json={"inputs": [{"id": "51", "after": "12"}]})

    paged, single = first["results"]
    assert [to["toObjectId"] for to in paged["to"]] == [31, 32]
    assert "paging" not in single  # only present while there are more pages
    [last] = rest["results"]
    assert (last["from"], [to["toObjectId"] for to in last["to"]]) == ({"id": "51"}, [33])
    assert "paging" not in last
    assert unreadable.status_code == 400


def test_hubspot_deals_closed_flags_follow_their_pipeline_stage(hubspot: HubSpotFake) -> None:
    hubspot.add_deal_pipeline("renewals", {"1001": 0.3, "1002": 1.0, "1003": 0.0})
    hubspot.add_deal(52, "Renewal", 10, pipeline="renewals", dealstage="1003")
    hubspot.add_deal(53, "Lost", 10, dealstage="closedlost")
    hubspot.add_deal(54, "Open", 10, dealstage="contractsent")
    names = ["hs_is_closed", "hs_is_closed_won", "hs_is_closed_lost"]

    def flags(deal_id: int) -> list[str | None]:
        return [hubspot.deal_property(deal_id, name) for name in names]

    assert flags(51) == ["true", "true", "false"]  # closedwon, the default
    assert flags(52) == flags(53) == ["true", "false", "true"]
    assert flags(54) == ["false", "false", "false"]
    hubspot.update_deal(52, dealstage="1002")
    assert flags(52) == ["true", "true", "false"]


def test_hubspot_search_pages_with_after_until_no_paging_is_left(hubspot: HubSpotFake) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    for n in range(52, 57):
        hubspot.add_deal(n, f"Deal {n}", 100 * n, dealstage="closedwon")
    hubspot.add_deal(60, "Lost", 1, dealstage="closedlost")
    request = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"},
                    {
                        "propertyName": "hs_lastmodifieddate",
                        "operator": "GTE",
                        "value": str(int(since.timestamp() * 1000)),
                    },
                ]
            }
        ],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["dealname"],
        "limit": 4,
    }
    with _client(hubspot, authorization=f"Bearer {HUBSPOT_TOKEN}") as client:
        first = client.post("/crm/v3/objects/deals/search", json=request).json()
        after = first["paging"]["next"]["after"]
        second = client.post("/crm/v3/objects/deals/search", json={**request, "after": after})

    assert first["total"] == 6
    assert [deal["id"] for deal in first["results"]] == ["51", "52", "53", "54"]
    assert second.json()["total"] == 6
    assert [deal["id"] for deal in second.json()["results"]] == ["55", "56"]
    assert "paging" not in second.json()


def test_hubspot_checks_the_token_and_answers_429_on_cue(hubspot: HubSpotFake) -> None:
    hubspot.fail_next(1, retry_after=2)
    with _client(hubspot, authorization=f"Bearer {HUBSPOT_TOKEN}") as client:
        limited = client.get("/crm/v3/owners/11")
        owner = client.get("/crm/v3/owners/11")
    anonymous = httpx.get(f"{hubspot.base_url}/crm/v3/owners/11")

    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["errorType"] == "RATE_LIMIT"
    assert limited.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert owner.status_code == 200
    assert owner.json()["email"] == "sam@globex.example"
    assert owner.headers["x-hubspot-ratelimit-max"] == "100"
    assert owner.headers["x-hubspot-ratelimit-interval-milliseconds"] == "10000"
    assert anonymous.status_code == 401
    assert anonymous.json()["category"] == "INVALID_AUTHENTICATION"
    assert [call.status for call in hubspot.calls_to("/crm/v3/owners")] == [429, 200, 401]


# -- Pipedrive --------------------------------------------------------------------------------


def test_pipedrive_lists_deals_by_cursor_in_the_v2_envelope(pipedrive: PipedriveFake) -> None:
    now = datetime.now(UTC)
    pipedrive.add_deal(1, "Old", 10, "EUR", add_time=now - timedelta(days=30))
    for deal_id in (2, 3, 4):
        pipedrive.add_deal(deal_id, f"Deal {deal_id}", 100.0, "EUR", org_id=3, person_id=5)
    pipedrive.add_deal(5, "Open", 5, "EUR", status="open")
    since = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {"updated_since": since, "status": "won", "limit": "2"}
    with _client(pipedrive, **{"x-api-token": PIPEDRIVE_TOKEN}) as client:
        first = client.get("/api/v2/deals", params=params).json()
        cursor = first["additional_data"]["next_cursor"]
        second = client.get("/api/v2/deals", params={**params, "cursor": cursor}).json()

    assert first["success"] is True
    assert [deal["id"] for deal in first["data"]] == [2, 3]
    assert [deal["id"] for deal in second["data"]] == [4]
    assert second["additional_data"] == {"next_cursor": None}
    deal = second["data"][0]
    assert (deal["owner_id"], deal["org_id"], deal["person_id"]) == (7, 3, 5)
    assert deal["won_time"].endswith("Z")


def test_pipedrive_lists_archived_deals_apart(pipedrive: PipedriveFake) -> None:
    added = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for deal_id in (2, 3, 4):
        pipedrive.add_deal(deal_id, f"Deal {deal_id}", 100.0, "EUR", add_time=added)
    pipedrive.archive_deal(3)
    pipedrive.archive_deal(4)
    params = {"ids": "2,3,4", "limit": "1", "sort_by": "id"}
    with _client(pipedrive, **{"x-api-token": PIPEDRIVE_TOKEN}) as client:
        listed = client.get("/api/v2/deals", params=params).json()
        first = client.get("/api/v2/deals/archived", params=params).json()
        cursor = first["additional_data"]["next_cursor"]
        second = client.get("/api/v2/deals/archived", params={**params, "cursor": cursor}).json()

    assert [deal["id"] for deal in listed["data"]] == [2]
    assert listed["additional_data"] == {"next_cursor": None}
    assert [deal["id"] for deal in first["data"]] == [3]
    assert [deal["id"] for deal in second["data"]] == [4]
    assert second["additional_data"] == {"next_cursor": None}
    assert first["data"][0]["is_archived"] is True
    assert first["data"][0]["update_time"] > "2026-01-05T09:00:00Z"  # archiving is an update


def test_pipedrive_answers_products_persons_and_users(pipedrive: PipedriveFake) -> None:
    pipedrive.add_deal(2, "Globex", 1000.0, "EUR", products=[(9, 2, 500.0)])
    with _client(pipedrive, **{"x-api-token": PIPEDRIVE_TOKEN}) as client:
        products = client.get("/api/v2/deals/products", params={"deal_ids": "2"}).json()
        person = client.get("/api/v2/persons/5").json()
        user = client.get("/api/v1/users/7").json()
        missing = client.get("/api/v2/deals/99")

    [attached] = products["data"]
    assert (attached["deal_id"], attached["product_id"], attached["name"]) == (
        2,
        9,
        "Implementation",
    )
    assert (attached["quantity"], attached["item_price"], attached["sum"]) == (2, 500.0, 1000.0)
    assert person["data"]["emails"] == [
        {"value": "ada@globex.example", "primary": True, "label": "work"},
        {"value": "ada@home.example", "primary": False, "label": "work"},
    ]
    assert user["data"]["email"] == "sam@globex.example"
    assert missing.status_code == 404
    assert missing.json()["success"] is False


def test_pipedrive_checks_the_token_and_enforces_its_own_limit(pipedrive: PipedriveFake) -> None:
    pipedrive.limit_per_window = (2, 60.0)
    with _client(pipedrive) as client:
        by_query = client.get("/api/v2/persons/5", params={"api_token": PIPEDRIVE_TOKEN})
        by_header = client.get("/api/v2/persons/5", headers={"x-api-token": PIPEDRIVE_TOKEN})
        over = client.get("/api/v2/persons/5", headers={"x-api-token": PIPEDRIVE_TOKEN})
        wrong = client.get("/api/v2/persons/5", headers={"x-api-token": "stolen"})

    assert (by_query.status_code, by_header.status_code) == (200, 200)
    assert by_header.headers["x-ratelimit-limit"] == "2"
    assert by_header.headers["x-ratelimit-remaining"] == "0"
    assert over.status_code == 429
    assert 0 < float(over.headers["retry-after"]) <= 60
    assert wrong.status_code == 401
    assert wrong.json() == {
        "success": False,
        "error": "unauthorized access",
        "errorCode": 401,
        "error_info": "Please check developers.pipedrive.com",
    }


# -- Salesforce -------------------------------------------------------------------------------


def test_salesforce_answers_soql_with_relationships_and_subqueries(
    salesforce: SalesforceFake,
) -> None:
    query = (
        "SELECT Id, Name, Amount, Owner.Name, Owner.Email, Account.Name, CloseDate,"
        " (SELECT Quantity, UnitPrice, TotalPrice, ProductCode, Product2.Name"
        " FROM OpportunityLineItems),"
        " (SELECT Role, IsPrimary, Contact.Email FROM OpportunityContactRoles)"
        " FROM Opportunity WHERE Id IN ('006000000000001AAA') AND IsWon = true"
        " AND LastModifiedDate > 2026-12-05T09:59:59Z"
    )
    with _client(salesforce, authorization=f"Bearer {SALESFORCE_TOKEN}") as client:
        response = client.get("/services/data/v62.0/query", params={"q": query})

    assert response.status_code == 200
    assert response.headers["sforce-limit-info"] == "api-usage=1/15000"
    body = response.json()
    assert (body["totalSize"], body["done"]) == (1, True)
    [record] = body["records"]
    assert record["attributes"] == {
        "type": "Opportunity",
        "url": f"/services/data/v62.0/sobjects/Opportunity/{OPPORTUNITY}",
    }
    assert (record["Amount"], record["CloseDate"]) == (120000.0, "2026-11-20")
    assert record["Owner"]["attributes"]["type"] == "User"
    assert (record["Owner"]["Name"], record["Account"]["Name"]) == ("Sam Seller", "Globex")
    items = record["OpportunityLineItems"]
    assert (items["totalSize"], items["done"]) == (1, True)
    [item] = items["records"]
    assert (item["Quantity"], item["UnitPrice"], item["TotalPrice"]) == (2.0, 60000.0, 120000.0)
    assert item["Product2"]["Name"] == "Implementation"
    [role] = record["OpportunityContactRoles"]["records"]
    assert (role["Role"], role["IsPrimary"]) == ("Decision Maker", True)
    assert role["Contact"]["Email"] == "ada@globex.example"


def test_salesforce_pages_with_next_records_url(salesforce: SalesforceFake) -> None:
    salesforce.page_size = 2
    for n in range(2, 6):
        salesforce.add_opportunity(f"00600000000000{n}AAA"[:18], f"Deal {n}", 10.0 * n)
    query = "SELECT Id, Name, (SELECT Id FROM OpportunityLineItems) FROM Opportunity ORDER BY Name"
    with _client(salesforce, authorization=f"Bearer {SALESFORCE_TOKEN}") as client:
        pages = [client.get("/services/data/v60.0/query/", params={"q": query}).json()]
        while not pages[-1]["done"]:
            pages.append(client.get(pages[-1]["nextRecordsUrl"]).json())

    assert [len(page["records"]) for page in pages] == [2, 2, 1]
    assert {page["totalSize"] for page in pages} == {5}
    assert pages[0]["nextRecordsUrl"].startswith("/services/data/v60.0/query/01g")
    names = [record["Name"] for page in pages for record in page["records"]]
    assert names == ["Deal 2", "Deal 3", "Deal 4", "Deal 5", "Globex rollout"]
    assert pages[0]["records"][0]["OpportunityLineItems"] is None


def test_salesforce_subqueries_page_and_the_next_page_closes_their_cursors(
    salesforce: SalesforceFake,
) -> None:
    salesforce.page_size, salesforce.child_batch_size = 1, 2
    items = [("Implementation", "IMP-1", 1, 10.0 * n) for n in range(1, 6)]
    salesforce.update_opportunity(OPPORTUNITY, line_items=items)
    salesforce.add_opportunity("006000000000002AAA", "Globex renewal", 10.0, line_items=items)
    query = "SELECT Id, (SELECT UnitPrice FROM OpportunityLineItems) FROM Opportunity ORDER BY Id"
    with _client(salesforce, authorization=f"Bearer {SALESFORCE_TOKEN}") as client:
        page = client.get("/services/data/v62.0/query", params={"q": query}).json()
        children = page["records"][0]["OpportunityLineItems"]
        more = client.get(children["nextRecordsUrl"]).json()
        client.get(page["nextRecordsUrl"])  # the opportunities' next page
        stale = client.get(more["nextRecordsUrl"])

    assert (children["totalSize"], children["done"]) == (5, False)
    assert [r["UnitPrice"] for r in children["records"]] == [10.0, 20.0]
    assert children["nextRecordsUrl"].startswith("/services/data/v62.0/query/")
    assert (more["totalSize"], more["done"], len(more["records"])) == (5, False, 2)
    assert "attributes" not in more  # a query result, as the first batch
    assert stale.status_code == 400
    assert stale.json() == [
        {"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}
    ]


def test_salesforce_currency_is_a_field_only_in_multi_currency_orgs(
    salesforce: SalesforceFake,
) -> None:
    query = "SELECT Id, CurrencyIsoCode FROM Opportunity"
    with _client(salesforce, authorization=f"Bearer {SALESFORCE_TOKEN}") as client:
        single = client.get("/services/data/v62.0/query", params={"q": query})
        salesforce.multi_currency = True
        multi = client.get("/services/data/v62.0/query", params={"q": query})
        organization = client.get(
            "/services/data/v62.0/query",
            params={"q": "SELECT DefaultCurrencyIsoCode FROM Organization"},
        )

    assert single.status_code == 400
    [error] = single.json()
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'CurrencyIsoCode' on entity 'Opportunity'" in error["message"]
    assert "ERROR at Row:1:Column:12" in error["message"]
    assert multi.json()["records"][0]["CurrencyIsoCode"] == "USD"
    assert organization.json()["records"][0]["DefaultCurrencyIsoCode"] == "USD"


def test_salesforce_session_limits_and_outages(salesforce: SalesforceFake) -> None:
    query = {"q": "SELECT Id FROM Opportunity"}
    with _client(salesforce, authorization="Bearer expired") as client:
        expired = client.get("/services/data/v62.0/query", params=query)
    with _client(salesforce, authorization=f"Bearer {SALESFORCE_TOKEN}") as client:
        salesforce.request_limit_exceeded = True
        limited = client.get("/services/data/v62.0/query", params=query)
        salesforce.request_limit_exceeded = False
        salesforce.down = True
        outage = client.get("/services/data/v62.0/query", params=query)
        salesforce.down = False
        salesforce.delay_seconds = 0.2
        started = time.monotonic()
        slow = client.get("/services/data/v62.0/query", params=query)
        waited = time.monotonic() - started

    assert expired.status_code == 401
    assert expired.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    assert limited.status_code == 403
    assert limited.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert outage.status_code == 503
    assert slow.status_code == 200
    assert waited >= 0.2
    assert len(salesforce.calls_to("/services/data/v62.0/query")) == 4
