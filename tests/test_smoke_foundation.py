from tests.factories import BuyerFactory


def test_me_after_login(login_as):
    buyer = BuyerFactory()
    client = login_as(buyer)
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 200
    assert response.json["email"] == buyer.email
    assert response.json["supplier_id"] is None


def test_readyz(client):
    assert client.get("/readyz").json == {"status": "ready", "database": "ok"}
