"""Every validation rule of a product: a bad value of each field is a 422 naming that field,
and nothing is written."""

from __future__ import annotations

import pytest

from marketplace.catalog.models import Product
from tests.catalog.conftest import product_payload
from tests.catalog.support import catalog_rows, count
from tests.factories import SupplierOwnerFactory, SupplierStaffFactory

TIERS = [
    {"min_qty": 1000, "unit_price": "1.20"},
    {"min_qty": 5000, "unit_price": "1.05"},
]
NINE_TIERS = [{"min_qty": 1000 * (i + 1), "unit_price": f"{2 - i / 10:.2f}"} for i in range(9)]
CARTON = {"length": 60, "width": 40, "height": 35}

BAD_VALUES = [
    # sku: format and length
    ("sku", ""),
    ("sku", "has space"),
    ("sku", "-leading-dash"),
    ("sku", "A" * 65),
    ("sku", "拖鞋-01"),
    ("sku", "a;drop"),
    ("sku", None),
    ("sku", 12345),
    # name, description
    ("name", "ab"),
    ("name", "   "),
    ("name", "x" * 201),
    ("name", None),
    ("name", ["a list"]),
    ("description", "x" * 5001),
    ("description", None),
    # vocabularies
    ("category", "no-such-category"),
    ("category", ""),
    ("category", "c" * 61),
    ("materials", ["unobtainium"]),
    ("materials", ["EVA", ""]),
    ("materials", "EVA"),
    ("materials", ["EVA"] * 11),
    # sizes
    ("sizes", {"system": "US", "from": 7, "to": 11}),
    ("sizes", {"system": "EU", "from": 36}),
    ("sizes", {"system": "EU", "from": 42, "to": 36}),
    ("sizes", {"system": "EU", "from": 10, "to": 40}),
    ("sizes", {"system": "EU", "from": 36, "to": 60}),
    ("sizes", {"system": "EU", "from": 36.3, "to": 41}),
    ("sizes", {"system": "EU", "from": "NaN", "to": 41}),
    ("sizes", {"system": "EU", "from": 36, "to": 41, "extra": 1}),
    ("sizes", {"system": "EU", "from": {"x": 1}, "to": 41}),
    ("sizes", [36, 36.7]),
    ("sizes", []),
    ("sizes", [True]),
    ("sizes", ["abc"]),
    ("sizes", [36 + i / 2 for i in range(41)]),
    ("sizes", "36-41"),
    # colors
    ("colors", ["red", "red"]),
    ("colors", ["x" * 41]),
    ("colors", [""]),
    ("colors", [5]),
    ("colors", [f"color {i}" for i in range(31)]),
    ("colors", "red"),
    # moq
    ("moq", 0),
    ("moq", -1),
    ("moq", 10_000_001),
    ("moq", 2**31),
    ("moq", 2**63),
    ("moq", "1000"),
    ("moq", 1000.5),
    ("moq", True),
    ("moq", None),
    # currency
    ("currency", "XYZ"),
    ("currency", "US"),
    ("currency", "USDD"),
    ("currency", "123"),
    ("currency", 840),
    ("currency", None),
    # lead time
    ("lead_time_days", 0),
    ("lead_time_days", 366),
    ("lead_time_days", "30"),
    ("lead_time_days", 30.5),
    # samples
    ("sample_price", 0),
    ("sample_price", "-1"),
    ("sample_price", "abc"),
    ("sample_price", "1.23456"),
    ("sample_price", "10000.01"),
    ("sample_price", True),
    ("sample_available", "maybe"),
    ("sample_available", 2),
    ("sample_lead_time_days", 0),
    ("sample_lead_time_days", 121),
    # customization
    ("customization", ["engraving"]),
    ("customization", ["logo", "logo"]),
    ("customization", "logo"),
    ("customization", [5]),
    # packing
    ("pairs_per_carton", 0),
    ("pairs_per_carton", 10_001),
    ("pairs_per_carton", "60"),
    ("carton_dimensions_cm", {**CARTON, "length": 0}),
    ("carton_dimensions_cm", {**CARTON, "width": 301}),
    ("carton_dimensions_cm", {**CARTON, "height": "35.55"}),
    ("carton_dimensions_cm", {"length": 60, "width": 40}),
    ("carton_dimensions_cm", {**CARTON, "depth": 10}),
    ("carton_dimensions_cm", "60x40x35"),
    ("carton_dimensions_cm", [60, 40, 35]),
    ("carton_weight_kg", 0),
    ("carton_weight_kg", 501),
    ("carton_weight_kg", "9.555"),
    ("carton_weight_kg", "heavy"),
    ("carton_weight_kg", True),
    ("port_of_loading", "x" * 101),
    ("port_of_loading", 5),
    # Incoterms 2020 only (DAT and DEQ were dropped in 2020)
    ("incoterms", ["DAT"]),
    ("incoterms", ["DEQ"]),
    ("incoterms", ["fob"]),
    ("incoterms", ["FOB", "FOB"]),
    ("incoterms", "FOB"),
    # HS code: chapter 64 (footwear), "6402.20" shape
    ("hs_code", "1234.56"),
    ("hs_code", "6402"),
    ("hs_code", "640220"),
    ("hs_code", "6402.2"),
    ("hs_code", "64a2.20"),
    ("hs_code", "6402.20.00.00"),
    ("hs_code", 6402.20),
    # capacity
    ("monthly_capacity_pairs", 0),
    ("monthly_capacity_pairs", -5),
    ("monthly_capacity_pairs", 1_000_000_001),
    ("monthly_capacity_pairs", "300000"),
]

BAD_TIERS = [
    ("empty", []),
    ("more than 8", NINE_TIERS),
    ("not a list", {"min_qty": 1000, "unit_price": "1.20"}),
    ("not ascending", [TIERS[1], TIERS[0]]),
    ("repeated min_qty", [TIERS[0], {"min_qty": 1000, "unit_price": "1.10"}]),
    ("first is not the MOQ", [{"min_qty": 500, "unit_price": "1.30"}, TIERS[1]]),
    ("first above the MOQ", [{"min_qty": 2000, "unit_price": "1.30"}]),
    ("price increasing", [TIERS[0], {"min_qty": 5000, "unit_price": "1.25"}]),
    ("price zero", [{"min_qty": 1000, "unit_price": "0"}]),
    ("price negative", [{"min_qty": 1000, "unit_price": -1.2}]),
    ("5 decimals", [{"min_qty": 1000, "unit_price": "1.23456"}]),
    ("5 decimals as number", [{"min_qty": 1000, "unit_price": 1.23456}]),
    ("not a number", [{"min_qty": 1000, "unit_price": "one twenty"}]),
    ("comma decimal", [{"min_qty": 1000, "unit_price": "1,20"}]),
    ("exponent string", [{"min_qty": 1000, "unit_price": "1E+1"}]),
    ("signed string", [{"min_qty": 1000, "unit_price": "+1.20"}]),
    ("NaN", [{"min_qty": 1000, "unit_price": "NaN"}]),
    ("Infinity", [{"min_qty": 1000, "unit_price": "Infinity"}]),
    ("boolean price", [{"min_qty": 1000, "unit_price": True}]),
    ("null price", [{"min_qty": 1000, "unit_price": None}]),
    ("huge price", [{"min_qty": 1000, "unit_price": "100000.01"}]),
    ("boolean min_qty", [{"min_qty": True, "unit_price": "1.20"}]),
    ("string min_qty", [{"min_qty": "1000", "unit_price": "1.20"}]),
    ("zero min_qty", [{"min_qty": 0, "unit_price": "1.20"}]),
    ("missing price", [{"min_qty": 1000}]),
    ("unknown key", [{"min_qty": 1000, "unit_price": "1.20", "discount": "5%"}]),
]


@pytest.fixture
def owner():
    return SupplierOwnerFactory()


@pytest.fixture
def client(login_as, owner):
    return login_as(owner)


def assert_refused(response, field, rows_before):
    assert response.status_code == 422, response.json
    assert response.json["code"] == 422
    assert field in response.json["errors"], response.json
    assert catalog_rows() == rows_before


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_bad_value_is_refused_naming_the_field(client, field, value):
    before = catalog_rows()
    response = client.post("/api/v1/products", json=product_payload(**{field: value}))
    assert_refused(response, field, before)


@pytest.mark.parametrize(("case", "tiers"), BAD_TIERS, ids=[case for case, _ in BAD_TIERS])
def test_bad_price_tiers_are_refused(client, case, tiers):
    before = catalog_rows()
    response = client.post("/api/v1/products", json=product_payload(price_tiers=tiers))
    assert_refused(response, "price_tiers", before)


@pytest.mark.parametrize("field", ["sku", "name", "category", "moq", "currency", "price_tiers"])
def test_required_fields(client, field):
    body = product_payload()
    del body[field]
    before = catalog_rows()
    assert_refused(client.post("/api/v1/products", json=body), field, before)


def test_sample_price_needs_sample_available(client):
    before = catalog_rows()
    response = client.post(
        "/api/v1/products", json=product_payload(sample_available=False, sample_price="3.00")
    )
    assert_refused(response, "sample_price", before)


@pytest.mark.parametrize(
    "field", ["status", "supplier_id", "id", "rejection_reason", "published_at", "is_verified"]
)
def test_mass_assignment_is_refused(client, field):
    before = catalog_rows()
    response = client.post("/api/v1/products", json=product_payload(**{field: "published"}))
    assert_refused(response, field, before)
    response = client.post("/api/v1/products", json=product_payload(**{field: 1}))
    assert_refused(response, field, before)


def test_unknown_field_is_refused(client):
    before = catalog_rows()
    assert_refused(
        client.post("/api/v1/products", json=product_payload(discount="10%")), "discount", before
    )


def test_mass_assignment_on_patch_changes_nothing(client, owner):
    product = client.post("/api/v1/products", json=product_payload()).json
    for field, value in [
        ("status", "published"),
        ("supplier_id", owner.supplier_id + 1),
        ("id", product["id"] + 100),
        ("rejection_reason", "x"),
    ]:
        response = client.patch(
            f"/api/v1/products/{product['id']}", json={"name": "A new name", field: value}
        )
        assert response.status_code == 422
        assert field in response.json["errors"]
    again = client.get(f"/api/v1/products/{product['id']}").json
    assert again["name"] == product["name"]
    assert again["status"] == "draft"
    assert again["supplier_id"] == owner.supplier_id


@pytest.mark.parametrize(("field", "value"), BAD_VALUES[::3])
def test_patch_validates_like_create(client, field, value):
    product = client.post("/api/v1/products", json=product_payload()).json
    response = client.patch(f"/api/v1/products/{product['id']}", json={field: value})
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert client.get(f"/api/v1/products/{product['id']}").json == product


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"moq": 2000}, "price_tiers"),  # the first tier no longer starts at the MOQ
        ({"price_tiers": [{"min_qty": 500, "unit_price": "1"}]}, "price_tiers"),
        ({"sample_available": False}, "sample_price"),  # a sample price without samples
        ({"name": None}, "name"),
        ({"price_tiers": None}, "price_tiers"),
    ],
)
def test_patch_checks_the_whole_product(client, change, field):
    product = client.post("/api/v1/products", json=product_payload()).json
    response = client.patch(f"/api/v1/products/{product['id']}", json=change)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert client.get(f"/api/v1/products/{product['id']}").json == product


def test_moq_and_tiers_change_together(client):
    product = client.post("/api/v1/products", json=product_payload()).json
    response = client.patch(
        f"/api/v1/products/{product['id']}",
        json={"moq": 2000, "price_tiers": [{"min_qty": 2000, "unit_price": "1.10"}]},
    )
    assert response.status_code == 200, response.json
    assert response.json["moq"] == 2000
    assert response.json["price_tiers"] == [{"min_qty": 2000, "unit_price": "1.10"}]


def test_sku_is_unique_per_supplier(client, owner, login_as):
    assert client.post("/api/v1/products", json=product_payload(sku="EVA-1")).status_code == 201
    before = catalog_rows()
    assert_refused(
        client.post("/api/v1/products", json=product_payload(sku="EVA-1")), "sku", before
    )

    # A colleague of the same company hits the same rule.
    staff = SupplierStaffFactory(supplier=owner.supplier)
    response = login_as(staff).post("/api/v1/products", json=product_payload(sku="EVA-1"))
    assert_refused(response, "sku", before)

    # Another supplier may use the same SKU.
    other = login_as(SupplierOwnerFactory())
    assert other.post("/api/v1/products", json=product_payload(sku="EVA-1")).status_code == 201
    assert count(Product, Product.sku == "EVA-1") == 2


def test_patch_to_a_taken_sku_is_refused(client):
    client.post("/api/v1/products", json=product_payload(sku="EVA-1"))
    second = client.post("/api/v1/products", json=product_payload(sku="EVA-2")).json
    response = client.patch(f"/api/v1/products/{second['id']}", json={"sku": "EVA-1"})
    assert response.status_code == 422
    assert "sku" in response.json["errors"]
    assert client.get(f"/api/v1/products/{second['id']}").json["sku"] == "EVA-2"
    # Keeping its own SKU is not a clash.
    response = client.patch(f"/api/v1/products/{second['id']}", json={"sku": "EVA-2"})
    assert response.status_code == 200


@pytest.mark.parametrize("hs_code", ["6402.20", "6404.19", "6405.90", "6402.99.10", None])
def test_good_hs_codes(client, hs_code):
    response = client.post("/api/v1/products", json=product_payload(hs_code=hs_code))
    assert response.status_code == 201, response.json
    assert response.json["hs_code"] == hs_code


@pytest.mark.parametrize(
    "incoterm", ["EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"]
)
def test_every_incoterm_2020_is_accepted(client, incoterm):
    response = client.post("/api/v1/products", json=product_payload(incoterms=[incoterm]))
    assert response.status_code == 201, response.json
    assert response.json["incoterms"] == [incoterm]


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        ("1.20", "1.20"),
        (1.2, "1.20"),
        (1, "1.00"),
        ("0.0850", "0.085"),
        (0.0001, "0.0001"),
        ("12.3456", "12.3456"),
        (1e1, "10.00"),
    ],
)
def test_money_as_number_or_string_comes_back_as_string(client, sent, returned):
    body = product_payload(
        moq=100,
        price_tiers=[{"min_qty": 100, "unit_price": sent}],
        sample_price=sent,
    )
    response = client.post("/api/v1/products", json=body)
    assert response.status_code == 201, response.json
    assert response.json["price_tiers"] == [{"min_qty": 100, "unit_price": returned}]
    assert response.json["sample_price"] == returned
    again = client.get(f"/api/v1/products/{response.json['id']}").json
    assert again["price_tiers"][0]["unit_price"] == returned


def test_every_field_round_trips(client):
    body = product_payload(sizes=[36, 36.5, 37], carton_weight_kg="12.25", currency="EUR")
    response = client.post("/api/v1/products", json=body)
    assert response.status_code == 201, response.json
    product = client.get(f"/api/v1/products/{response.json['id']}").json
    for field in (
        "sku",
        "name",
        "description",
        "category",
        "materials",
        "colors",
        "moq",
        "currency",
        "price_tiers",
        "lead_time_days",
        "sample_available",
        "sample_price",
        "customization",
        "pairs_per_carton",
        "port_of_loading",
        "hs_code",
        "monthly_capacity_pairs",
    ):
        assert product[field] == body[field], field
    assert product["sizes"] == [36, 36.5, 37]
    assert [row["eu"] for row in product["size_chart"]] == ["36", "36.5", "37"]
    assert product["carton_dimensions_cm"] == {"length": 60.0, "width": 40.0, "height": 35.0}
    assert product["carton_weight_kg"] == 12.25
    assert sorted(product["incoterms"]) == ["EXW", "FOB"]
    assert product["status"] == "draft" and product["rejection_reason"] is None


def test_lower_case_currency_and_category_are_normalised(client):
    response = client.post(
        "/api/v1/products", json=product_payload(currency="cny", category="EVA-Slippers")
    )
    assert response.status_code == 201, response.json
    assert response.json["currency"] == "CNY"
    assert response.json["category"] == "eva-slippers"


def test_materials_match_the_vocabulary_case_insensitively(client):
    response = client.post("/api/v1/products", json=product_payload(materials=["eva", "Rubber"]))
    assert response.status_code == 201, response.json
    assert sorted(response.json["materials"]) == ["EVA", "rubber"]


def test_cjk_and_emoji_round_trip(client):
    body = product_payload(
        name="女士EVA浴室拖鞋 🩴 防滑",
        description="一体成型EVA，漏水孔设计，速干。😀 Ünïcödé ✓",  # noqa: RUF001
        colors=["粉红色", "白色", "🩷"],
        port_of_loading="厦门 Xiamen",
    )
    response = client.post("/api/v1/products", json=body)
    assert response.status_code == 201, response.json
    product = client.get(f"/api/v1/products/{response.json['id']}").json
    assert product["name"] == body["name"]
    assert product["description"] == body["description"]
    assert product["colors"] == body["colors"]
    assert product["port_of_loading"] == body["port_of_loading"]


def test_text_is_trimmed(client):
    response = client.post("/api/v1/products", json=product_payload(name="  Beach flip-flops  "))
    assert response.status_code == 201
    assert response.json["name"] == "Beach flip-flops"


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ({"system": "EU", "from": 36, "to": 38}, ["36", "37", "38"]),
        ({"from": 20, "to": 21}, ["20", "21"]),
        ([41, 40, 40.5], ["40", "40.5", "41"]),
    ],
)
def test_good_sizes_and_their_chart(client, sizes, expected):
    response = client.post("/api/v1/products", json=product_payload(sizes=sizes))
    assert response.status_code == 201, response.json
    assert [row["eu"] for row in response.json["size_chart"]] == expected
