from tests.factories import BuyerFactory, SupplierOwnerFactory


def test_create_submit_and_read_back(login_as, payload, api):
    owner = SupplierOwnerFactory()
    client = login_as(owner)
    response = client.post("/api/v1/products", json=payload())
    assert response.status_code == 201, response.json
    product = response.json
    assert product["status"] == "draft"
    assert product["supplier_id"] == owner.supplier_id
    assert product["price_tiers"][0] == {"min_qty": 1000, "unit_price": "1.20"}
    assert product["size_chart"][0]["eu"] == "36"
    assert product["size_chart"][0]["cn_mm"] == 230

    # A draft is invisible to the public.
    assert api.get(f"/api/v1/products/{product['id']}").status_code == 404
    submitted = client.post(f"/api/v1/products/{product['id']}/submit")
    assert submitted.status_code == 200
    assert submitted.json["status"] == "pending_review"
    assert client.post(f"/api/v1/products/{product['id']}/submit").status_code == 409


def test_buyer_cannot_create(login_as, payload):
    response = login_as(BuyerFactory()).post("/api/v1/products", json=payload())
    assert response.status_code == 403


def test_categories_listed(api):
    slugs = [c["slug"] for c in api.get("/api/v1/categories").json]
    assert "eva-slippers" in slugs and "clogs" in slugs
