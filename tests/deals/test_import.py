"""`handover import-deals`: a CRM export through the same path, with a summary and exit code.

HubSpot and Pipedrive exports are written below as those CRMs write them (see the sources in
`app/deals/exports.py`): every HubSpot cell quoted, labels as headers, datetimes to the minute,
associations at the end; Pipedrive's "Deal - …" columns with its capitalised statuses.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.deals.exports import Layout, parse_amount
from app.deals.importer import CannotImport, count_rows, plan_import
from app.models import CrmSource
from tests.crm.samples import connection
from tests.factories import Tenant

HEADER = (
    "external_id,name,customer_external_id,customer_name,amount,currency,close_date,"
    "owner_email,requirements\n"
)
ROWS = (
    "HS-1,Globex rollout,C-1,Globex,120000,EUR,2026-11-20,sam@example.com,SSO and migration\n"
    "HS-2,Initech pilot,C-2,Initech,15000.50,USD,2026-11-21,,\n"
    "HS-3,Broken amount,C-3,Umbrella,lots,EUR,2026-11-22,,\n"
    ",No id,C-4,Hooli,,,,,\n"
)

HUBSPOT_HEADER = (
    '"Record ID","Deal Name","Deal Stage","Close Date","Deal owner","Amount","Currency",'
    '"Amount in company currency","Pipeline","Create Date","Last Activity Date",'
    '"Deal Description","Associated Company IDs (Primary)","Associated Company (Primary)",'
    '"Associated Contact IDs","Associated Contact"\n'
)
HUBSPOT_ROWS = (
    '"{p}1","Globex rollout","Closed Won","2026-11-20 14:05","Sam Seller","$12,400.50","USD",'
    '"12400.5","Sales Pipeline","2026-09-01 09:30","2026-11-19 16:00","SSO and migration",'
    '"9001","Globex","501;502","Ada Buyer;Bob Buyer"\n'
    '"{p}2","Initech pilot","closedwon","2026-11-21 10:00","Sam Seller","15000","EUR",'
    '"16200.0","Sales Pipeline","2026-09-02 10:00","","","9002","Initech","",""\n'
    '"{p}3","Umbrella upsell","Appointment Scheduled","2026-12-31 00:00","Sam Seller","5000",'
    '"EUR","5400.0","Sales Pipeline","2026-10-01 08:00","","","9003","Umbrella","",""\n'
    '"{p}4","Hooli renewal","Closed Lost","2026-10-31 00:00","","not sure","","",'
    '"Sales Pipeline","2026-08-01 08:00","","","","","",""\n'
)

PIPEDRIVE_HEADER = (
    "Deal - ID,Deal - Title,Deal - Creator,Deal - Owner,Deal - Value,Deal - Currency of Value,"
    "Deal - Weighted value,Deal - Probability,Deal - Organization,Deal - Organization ID,"
    "Deal - Pipeline,Deal - Contact person,Deal - Stage,Deal - Status,Deal - Deal created,"
    "Deal - Won time,Deal - Lost time,Deal - Expected close date,Organization - Name,"
    "Person - Email\n"
)
PIPEDRIVE_ROWS = (
    "{p}1,Globex rollout,Ann Admin,Sam Seller,120000,EUR,120000,100,Globex,77,Sales,"
    "Ada Buyer,Negotiations Started,Won,2026-09-01 09:30:00,2026-11-20 10:15:00,,"
    "2026-11-30,Globex,ada@globex.example\n"
    "{p}2,Initech pilot,Ann Admin,Sam Seller,,EUR,,100,,,Sales,Peter Gibbons,Proposal Made,"
    "Won,2026-09-02 10:00:00,,,2026-12-01,,\n"
    "{p}3,Umbrella upsell,Ann Admin,Sam Seller,5000,EUR,2500,50,Umbrella,78,Sales,,"
    "Proposal Made,Open,2026-10-01 08:00:00,,,2026-12-31,Umbrella,\n"
    "{p}4,Hooli renewal,Ann Admin,,3000,EUR,0,0,Hooli,79,Sales,,Qualified,Lost,"
    "2026-08-01 08:00:00,,2026-10-01 12:00:00,,Hooli,\n"
    "{p}5,Vandelay import,Ann Admin,Sam Seller,900,EUR,900,100,Vandelay,80,Sales,,"
    "Negotiations Started,Won,2026-09-05 08:00:00,20/11/2026,,,Vandelay,\n"
)


def _import(database_url: str, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HANDOVER_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "import-deals", str(path), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _deals(tenant: Tenant, source: str) -> dict[str, dict[str, Any]]:
    deals = (await tenant.get("/v1/deals", params={"source": source})).json()["items"]
    return {deal["external_id"]: deal for deal in deals}


async def _project_names(tenant: Tenant) -> list[str]:
    return sorted(project["name"] for project in (await tenant.get("/v1/projects")).json()["items"])


@pytest.mark.slow
async def test_an_export_is_imported_once_with_rejected_rows_reported(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    manager = await tenant.member(role="project_manager")
    export = tmp_path / "deals.csv"
    export.write_text(HEADER + ROWS)
    org = str(tenant.organization_id)
    options = ["--org", org, "--source", "hubspot", "--project-manager", manager["email"]]

    first = _import(database_url, export, *options)

    assert first.returncode == 1, first.stderr
    assert "created 2, existing 0, skipped 0, rejected 2" in first.stdout
    assert "line 4 (HS-3): amount:" in first.stdout
    assert "line 5 (?): external_id:" in first.stdout
    assert "Importing deals" in first.stderr  # the progress bar
    # Our own columns, without a stage column: every row counts as won.
    assert "canonical columns as source hubspot (won: every row)" in first.stderr
    projects = (await tenant.get("/v1/projects")).json()["items"]
    assert sorted(project["name"] for project in projects) == ["Globex rollout", "Initech pilot"]
    assert {project["project_manager_id"] for project in projects} == {manager["id"]}
    deals = (await tenant.get("/v1/deals", params={"source": "hubspot"})).json()["items"]
    assert len(deals) == 2

    export.write_text(HEADER + ROWS.splitlines(keepends=True)[0])
    again = _import(database_url, export, *options)
    assert again.returncode == 0, again.stderr
    assert "created 0, existing 1, skipped 0, rejected 0" in again.stdout
    assert len((await tenant.get("/v1/projects")).json()["items"]) == 2


@pytest.mark.slow
def test_an_unknown_project_manager_stops_the_import(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "deals.csv"
    export.write_text(HEADER + ROWS)
    result = _import(
        database_url,
        export,
        "--org",
        str(tenant.organization_id),
        "--project-manager",
        "nobody@example.com",
    )
    assert result.returncode == 2
    assert "nobody@example.com" in result.stderr


@pytest.mark.slow
async def test_a_hubspot_export_imports_its_won_deals_and_skips_the_others(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    prefix = f"{uuid.uuid4().int % 10**8}"
    export = tmp_path / "hubspot-crm-exports-all-deals-2026-11-30.csv"
    export.write_text(HUBSPOT_HEADER + HUBSPOT_ROWS.format(p=prefix), encoding="utf-8-sig")

    first = _import(database_url, export, "--org", str(tenant.organization_id))

    assert first.returncode == 0, first.stdout + first.stderr  # skipped rows are no failure
    assert "created 2, existing 0, skipped 2, rejected 0" in first.stdout
    assert f"line 4 ({prefix}3): skipped: stage 'Appointment Scheduled' is not won" in first.stdout
    assert f"line 5 ({prefix}4): skipped: stage 'Closed Lost' is not won" in first.stdout
    assert "HubSpot deals export as source hubspot (won: stage closedwon)" in first.stderr
    assert await _project_names(tenant) == ["Globex rollout", "Initech pilot"]
    deals = await _deals(tenant, "hubspot")
    assert set(deals) == {f"{prefix}1", f"{prefix}2"}  # keyed by HubSpot's Record ID
    globex = deals[f"{prefix}1"]
    assert (globex["amount"], globex["currency"]) == ("12400.50", "USD")  # "$12,400.50"
    assert (globex["close_date"], globex["stage"]) == ("2026-11-20", "Closed Won")
    assert globex["requirements"] == "SSO and migration"
    assert globex["sales_owner_id"] is None  # a name matches no member: only emails do
    assert deals[f"{prefix}2"]["stage"] == "closedwon"  # a stage id is won as well as a label
    customer = (await tenant.get(f"/v1/customers/{globex['customer_id']}")).json()
    assert (customer["name"], customer["crm_source"], customer["crm_external_id"]) == (
        "Globex",
        "hubspot",
        "9001",
    )

    again = _import(database_url, export, "--org", str(tenant.organization_id))
    assert again.returncode == 0, again.stderr
    assert "created 0, existing 2, skipped 2, rejected 0" in again.stdout


@pytest.mark.slow
async def test_a_pipedrive_export_imports_deals_whose_status_is_won(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    prefix = f"{uuid.uuid4().int % 10**8}"
    export = tmp_path / "deals-export.csv"
    export.write_text(PIPEDRIVE_HEADER + PIPEDRIVE_ROWS.format(p=prefix))

    result = _import(database_url, export, "--org", str(tenant.organization_id))

    assert result.returncode == 1, result.stdout + result.stderr  # one won row is rejected
    assert "created 2, existing 0, skipped 2, rejected 1" in result.stdout
    assert f"line 4 ({prefix}3): skipped: status 'Open' is not Won" in result.stdout
    assert f"line 5 ({prefix}4): skipped: status 'Lost' is not Won" in result.stdout
    assert f"line 6 ({prefix}5): close_date: '20/11/2026' is not a date" in result.stdout
    assert "Pipedrive deals export as source pipedrive (won: status Won)" in result.stderr
    assert await _project_names(tenant) == ["Globex rollout", "Initech pilot"]
    deals = await _deals(tenant, "pipedrive")
    assert set(deals) == {f"{prefix}1", f"{prefix}2"}
    globex, initech = deals[f"{prefix}1"], deals[f"{prefix}2"]
    assert (globex["amount"], globex["currency"]) == ("120000.00", "EUR")
    assert globex["close_date"] == "2026-11-20"  # won time, before the expected close date
    # No value: the currency column alone is no amount; no organization: sold to the person.
    assert (initech["amount"], initech["currency"]) == (None, None)
    assert initech["close_date"] == "2026-12-01"
    customer = (await tenant.get(f"/v1/customers/{globex['customer_id']}")).json()
    # Keyed by the organization id, as Pipedrive's webhooks key it.
    assert (customer["crm_source"], customer["crm_external_id"]) == ("pipedrive", "77")
    person = (await tenant.get(f"/v1/customers/{initech['customer_id']}")).json()
    assert person["name"] == "Peter Gibbons"


@pytest.mark.slow
async def test_won_stages_given_decide_which_canonical_rows_are_won(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "deals.csv"
    export.write_text(
        "external_id,name,customer_name,stage\n"
        "W-1,Signed deal,Globex,signed\n"
        "W-2,Closed deal,Initech,closedwon\n"
        "W-3,Open deal,Umbrella,proposal\n"
        "W-4,Sent deal,Hooli,Contract Sent\n"
    )
    org = ["--org", str(tenant.organization_id)]

    given = _import(
        database_url, export, *org, "--won-stage", "signed", "--won-stage", "contract sent"
    )

    assert given.returncode == 0, given.stdout + given.stderr
    assert "created 2, existing 0, skipped 2, rejected 0" in given.stdout
    assert "line 3 (W-2): skipped: stage 'closedwon' is not won" in given.stdout
    assert await _project_names(tenant) == ["Sent deal", "Signed deal"]


@pytest.mark.slow
async def test_canonical_rows_with_a_stage_are_won_in_the_usual_won_stages(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "deals.csv"
    deep = "[" * 5_000 + "]" * 5_000  # past where json.loads gives up
    export.write_text(
        "external_id,name,customer_name,stage,line_items\n"
        "U-1,Labelled deal,Globex,Closed Won,\n"
        "U-2,Won deal,Initech,won,\n"
        "U-3,Open deal,Umbrella,proposal,\n"
        "U-4,Unstaged deal,Hooli,,\n"
        f"U-5,Nested deal,Acme,won,{deep}\n"
    )

    result = _import(database_url, export, "--org", str(tenant.organization_id))

    assert result.returncode == 1, result.stdout + result.stderr  # a rejected row, not a crash
    assert "created 2, existing 0, skipped 2, rejected 1" in result.stdout
    assert "line 5 (U-4): skipped: no stage" in result.stdout
    assert "line 6 (U-5): not JSON nested at most 32 deep" in result.stdout
    assert await _project_names(tenant) == ["Labelled deal", "Won deal"]


@pytest.mark.slow
async def test_a_connection_gives_the_source_and_its_won_stages(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    hubspot = await connection(tenant, "hubspot", won_stages=["closedwon", "contractsigned"])
    prefix = f"{uuid.uuid4().int % 10**8}"
    export = tmp_path / "deals.csv"
    export.write_text(  # an older export: every associated company, names and IDs apart
        "Record ID,Deal Name,Deal Stage,Amount,Associated Company IDs,Associated Company\n"
        f"{prefix}1,Globex rollout,Contract Signed,2500,9101;9102,Globex;Globex Labs\n"
        f"{prefix}2,Initech pilot,Closed Won,,9103,Initech\n"
        f"{prefix}3,Umbrella upsell,Proposal Sent,,9104,Umbrella\n"
    )
    org = ["--org", str(tenant.organization_id)]

    result = _import(database_url, export, *org, "--connection", hubspot["id"], "--currency", "chf")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "created 2, existing 0, skipped 1, rejected 0" in result.stdout
    assert "(won: stage closedwon, contractsigned)" in result.stderr
    deals = await _deals(tenant, "hubspot")
    assert set(deals) == {f"{prefix}1", f"{prefix}2"}
    globex = deals[f"{prefix}1"]
    assert (globex["amount"], globex["currency"]) == ("2500.00", "CHF")  # --currency
    assert globex["connection_id"] == hubspot["id"]  # its project writes back there
    customer = (await tenant.get(f"/v1/customers/{globex['customer_id']}")).json()
    assert (customer["name"], customer["crm_external_id"]) == ("Globex", "9101")

    contradicted = _import(
        database_url, export, *org, "--connection", hubspot["id"], "--source", "pipedrive"
    )
    assert contradicted.returncode == 2
    assert "contradicts the connection" in contradicted.stderr
    unknown = _import(database_url, export, *org, "--connection", str(uuid.uuid4()))
    assert unknown.returncode == 2
    assert "No CRM connection" in unknown.stderr
    assert len(await _deals(tenant, "hubspot")) == 2


@pytest.mark.slow
async def test_an_export_without_its_stage_column_is_not_read(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "deals.csv"
    export.write_text('"Record ID","Deal Name","Amount"\n"1","Globex rollout","100"\n')

    result = _import(database_url, export, "--org", str(tenant.organization_id))

    assert result.returncode == 2
    assert "HubSpot deals export without the column(s) Deal Stage" in result.stderr
    assert await _project_names(tenant) == []


def test_a_file_that_cannot_be_read_to_its_end_is_refused_before_any_row(tmp_path: Path) -> None:
    export = tmp_path / "deals.csv"
    export.write_bytes(b"external_id,name,stage\nU-1,Globex rollout,won\nU-2,Caf\xe9 deal,won\n")
    with pytest.raises(CannotImport, match="not UTF-8: save the export as CSV UTF-8"):
        count_rows(export)  # Excel's "CSV" is Windows-1252
    export.write_text(f'external_id,name,stage\nU-1,"{"x" * 200_000}",won\n')
    with pytest.raises(CannotImport, match="line 2: field larger than field limit"):
        count_rows(export)
    export.write_text("external_id,name,stage\nU-1,Globex rollout,won\nU-2,Initech pilot,won\n")
    assert count_rows(export) == 2


@pytest.mark.parametrize(
    ("cell", "parsed"),
    [
        ("117.0", ("117.0", None)),
        ("$12,400.50", ("12400.50", None)),
        ("1,234,567", ("1234567", None)),
        ("EUR 1.234,50", ("1234.50", "EUR")),
        ("1 234,5 €", ("1234.5", "EUR")),
        ("12'400.50", ("12400.50", None)),
        ("£99", ("99", "GBP")),
        ("12,5", ("12.5", None)),
    ],
)
def test_export_amounts_are_read_with_their_separators_and_marks(
    cell: str, parsed: tuple[str, str | None]
) -> None:
    assert parse_amount(cell) == parsed


@pytest.mark.parametrize("cell", ["lots", "-5", "(5)", "12,34,56", "1 2 3", "USD 5 EUR", "5 k"])
def test_an_amount_that_is_not_plainly_a_number_is_refused(cell: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        parse_amount(cell)


def test_the_header_row_tells_the_layout_and_its_won_rule() -> None:
    hubspot = plan_import(["dealname", "dealstage", "hs_object_id", "amount"])  # internal names
    assert (hubspot.layout, hubspot.source, hubspot.won_stages) == (
        Layout.hubspot,
        CrmSource.hubspot,
        frozenset({"closedwon"}),
    )
    assert plan_import(["external_id", "name"], source=CrmSource.pipedrive).layout == (
        Layout.canonical  # our own columns, whichever CRM the deals live in
    )
    with pytest.raises(CannotImport, match="Pipedrive"):
        plan_import(["Deal - ID", "Deal - Title", "Deal - Status"], won_stages=["won"])
    with pytest.raises(CannotImport, match="source is pipedrive"):
        plan_import(["Record ID", "Deal Name", "Deal Stage"], source=CrmSource.pipedrive)
