"""CRM connections: secrets shown once and kept encrypted, provider rules, intake URLs."""

from uuid import UUID

from sqlmodel import select

from app.models import CrmConnection
from tests.crm.samples import SALESFORCE_ORG, connection
from tests.factories import Tenant
from tests.problems import assert_problem, locations


async def test_a_generated_secret_is_shown_once_and_stored_encrypted(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    assert generic["intake_url"].endswith(f"/v1/integrations/generic/{generic['id']}/webhooks")
    read = (await tenant.get(f"/v1/crm-connections/{generic['id']}")).json()
    listed = (await tenant.get("/v1/crm-connections")).json()["items"]
    assert "secret" not in read
    assert all("secret" not in item for item in listed)
    async with tenant.database.transaction(write=False) as session:
        stored = (
            await session.exec(select(CrmConnection).where(CrmConnection.id == UUID(generic["id"])))
        ).one()
    assert stored.secret_encrypted is not None
    assert generic["secret"].encode() not in stored.secret_encrypted


async def test_each_provider_gets_its_defaults_and_requires_its_credentials(
    tenant: Tenant,
) -> None:
    hub = await connection(tenant, "hubspot")
    assert (hub["won_stages"], hub["secret"]) == (["closedwon"], None)
    sales = await connection(tenant, "salesforce")
    assert (sales["won_stages"], sales["salesforce_organization_id"]) == (
        ["Closed Won"],
        SALESFORCE_ORG,
    )
    pipe = await connection(tenant, "pipedrive", basic_auth_username="pd-hooks")
    assert pipe["basic_auth_username"] == "pd-hooks"
    assert len(pipe["secret"]) >= 40

    manager = await tenant.member()
    base = {"name": "X", "default_project_manager_id": manager["id"]}
    for body in (
        {**base, "provider": "hubspot"},
        {**base, "provider": "salesforce"},
        {**base, "provider": "generic", "app_secret": "abcdefgh"},
        {**base, "provider": "salesforce", "salesforce_organization_id": "nope"},
    ):
        assert_problem(await tenant.post("/v1/crm-connections", json=body), 422)
    unknown = {**base, "provider": "generic", "default_project_manager_id": hub["id"]}
    problem = assert_problem(await tenant.post("/v1/crm-connections", json=unknown), 422)
    assert locations(problem) == {("body", "default_project_manager_id")}


async def test_changes_keep_to_the_provider_and_honour_if_match(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    path = f"/v1/crm-connections/{generic['id']}"
    wrong = await tenant.patch(path, json={"salesforce_organization_id": SALESFORCE_ORG})
    assert locations(assert_problem(wrong, 422)) == {("body", "salesforce_organization_id")}
    stale = await tenant.patch(path, json={"name": "B"}, headers={"If-Match": '"99"'})
    assert_problem(stale, 412)
    changed = await tenant.patch(path, json={"won_stages": ["won"], "name": "Zapier"})
    assert (changed.json()["won_stages"], changed.json()["version"]) == (["won"], 2)


async def test_hubspot_needs_the_new_secret_to_rotate(tenant: Tenant) -> None:
    hub = await connection(tenant, "hubspot")
    path = f"/v1/crm-connections/{hub['id']}/rotate-secret"
    assert_problem(await tenant.post(path, json={}), 422)
    rotated = await tenant.post(path, json={"app_secret": "the-new-app-secret"})
    assert rotated.json()["secret"] is None
    assert rotated.json()["previous_secret_expires_at"] is not None


async def test_a_template_in_use_stays_and_deleting_a_connection_keeps_its_deals(
    tenant: Tenant,
) -> None:
    template = (await tenant.post("/v1/project-templates", json={"name": "Lean"})).json()
    generic = await connection(tenant, "generic", project_template_id=template["id"])
    deleted = await tenant.delete(f"/v1/project-templates/{template['id']}")
    assert_problem(deleted, 409, "template-in-use")
    assert (await tenant.delete(f"/v1/crm-connections/{generic['id']}")).status_code == 204
    assert (await tenant.delete(f"/v1/project-templates/{template['id']}")).status_code == 204


async def test_the_token_is_called_only_where_it_was_given(tenant: Tenant) -> None:
    token = "0123456789abcdef0123456789abcdef01234567"
    pipe = await connection(tenant, "pipedrive", api_token=token, company_domain="acme")
    path = f"/v1/crm-connections/{pipe['id']}"
    for move in ({"api_base_url": "http://127.0.0.1:9"}, {"company_domain": "elsewhere"}):
        refused = await tenant.patch(path, json=move)
        assert_problem(refused, 422)
        assert refused.json()["errors"][0]["loc"] == ["body", "api_token"]
    assert (await tenant.get(path)).json()["api_base_url"] == "https://acme.pipedrive.com"
    # the same address again moves nothing; with the token, the connection moves
    assert (await tenant.patch(path, json={"company_domain": "acme"})).status_code == 200
    moved = await tenant.patch(path, json={"company_domain": "elsewhere", "api_token": token})
    assert moved.status_code == 200, moved.text
    assert moved.json()["api_base_url"] == "https://elsewhere.pipedrive.com"
    # without a token there is nothing to follow the address
    assert (await tenant.patch(path, json={"api_token": None})).status_code == 200
    assert (await tenant.patch(path, json={"company_domain": "acme"})).status_code == 200
    assert (await tenant.get(path)).json()["api_base_url"] == "https://acme.pipedrive.com"


async def test_api_access_is_write_only_and_fits_the_provider(tenant: Tenant) -> None:
    token = "pat-na1-0123456789abcdef"
    hub = await connection(tenant, "hubspot", api_token=token)
    assert hub["api_access"] is True
    assert hub["api_base_url"] == "https://api.hubapi.com"  # HubSpot's public API by default
    assert hub["next_sync_at"] is not None  # a first sync is due at once
    read = (await tenant.get(f"/v1/crm-connections/{hub['id']}")).text
    assert token not in read
    assert "api_token" not in read
    async with tenant.database.transaction(write=False) as session:
        stored = (
            await session.exec(select(CrmConnection).where(CrmConnection.id == UUID(hub["id"])))
        ).one()
    assert stored.api_token_encrypted is not None
    assert token.encode() not in stored.api_token_encrypted

    pipe = await connection(tenant, "pipedrive", api_token=token, company_domain="acme")
    assert pipe["api_base_url"] == "https://acme.pipedrive.com"
    manager = await tenant.member()
    base = {"name": "X", "default_project_manager_id": manager["id"], "api_token": token}
    for body in (
        {**base, "provider": "generic"},  # nothing to call
        {**base, "provider": "pipedrive"},  # whose company?
        {**base, "provider": "salesforce", "salesforce_organization_id": SALESFORCE_ORG},
        {**base, "provider": "hubspot", "app_secret": "abcdefgh", "company_domain": "acme"},
        {**base, "provider": "hubspot", "app_secret": "abcdefgh", "api_base_url": "ftp://x"},
    ):
        assert_problem(await tenant.post("/v1/crm-connections", json=body), 422)
    # the API's address obeys the webhook rules: nothing private unless allowed
    private = {**base, "provider": "hubspot", "app_secret": "abcdefgh"}
    for url in ("https://169.254.169.254", "https://10.0.0.1", "https://[::ffff:127.0.0.1]"):
        response = await tenant.post("/v1/crm-connections", json={**private, "api_base_url": url})
        assert_problem(response, 422)

    path = f"/v1/crm-connections/{hub['id']}"
    removed = await tenant.patch(path, json={"api_token": None})
    assert (removed.json()["api_access"], removed.json()["next_sync_at"]) == (False, None)
    assert_problem(await tenant.post(f"{path}/sync"), 409, "no-api-access")
    again = await tenant.patch(path, json={"api_token": token})
    assert again.json()["api_access"] is True
    sync = await tenant.post(f"{path}/sync")
    assert sync.status_code == 202
    assert sync.json()["next_sync_at"] is not None


async def test_an_api_base_url_with_a_control_character_is_refused_on_create_and_patch(
    tenant: Tenant,
) -> None:
    """It matches the contract's pattern and passes the address check, but httpx cannot build a
    request for it: refused here rather than failing every sync and write-back."""
    fine = "https://93.184.216.34/api"  # a public literal: no DNS, nothing sent
    url = fine + "\x7f"
    token = "pd-token-0123456789"
    pipe = await connection(tenant, "pipedrive", api_token=token, api_base_url=fine)
    manager_id = pipe["default_project_manager_id"]
    body = {"provider": "pipedrive", "name": "P", "default_project_manager_id": manager_id}
    body |= {"api_token": token, "api_base_url": url}
    created = await tenant.post("/v1/crm-connections", json=body)
    assert locations(assert_problem(created, 422)) == {("body", "api_base_url")}
    moved = {"api_base_url": url, "api_token": token}  # the token goes with a new address
    patched = await tenant.patch(f"/v1/crm-connections/{pipe['id']}", json=moved)
    assert locations(assert_problem(patched, 422)) == {("body", "api_base_url")}
    read = await tenant.get(f"/v1/crm-connections/{pipe['id']}")
    assert read.json()["api_base_url"] == fine
