from tests.factories import Tenant


async def test_created_member_can_be_read_back(tenant: Tenant) -> None:
    created = await tenant.member(name="Grace Hopper", email="Grace@Navy.example", role="sales")
    assert created["email"] == "grace@navy.example"
    response = await tenant.get(f"/v1/members/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"1"'
