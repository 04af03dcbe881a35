"""The automatic checks on submit: they flag (never refuse) and the admins see why."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.moderation.checks import term_pattern
from marketplace.moderation.models import ProductCheck, ProhibitedTerm
from tests.catalog.support import make_product
from tests.factories import SupplierFactory
from tests.moderation.conftest import audit_rows

S = ProductStatus


def submit(owner_api, product):
    response = owner_api.post(f"/api/v1/products/{product.id}/submit")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "pending_review"  # flagged, never refused


def flags_of(admin_api, product) -> list[dict]:
    items = admin_api.get("/api/v1/admin/products?limit=100").json["items"]
    return next(item["flags"] for item in items if item["id"] == product.id)


# Prohibited terms ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term", "hit"),
    [
        ("NIKE style slides", "Nike", True),
        ("nike-inspired", "Nike", True),
        ("Slides (Crocs)", "Crocs", True),
        ("Under Armour logo", "Under Armour", True),
        ("under-armour", "Under Armour", True),
        ("New  Balance", "New Balance", True),
        ("Nikex slides", "Nike", False),
        ("Pumpkin print plush", "Puma", False),
        ("Vansville hotel", "Vans", False),
        ("Dr. Martens style", "Dr. Martens", True),
        ("Hermès orange", "Hermès", True),
        ("HERMÈS", "Hermès", True),
    ],
)
def test_terms_match_whole_words_case_insensitively(text, term, hit):
    assert bool(term_pattern(term).search(text)) is hit


def test_the_seeded_list_holds_the_footwear_brands(admin_api):
    terms = {
        item["term"]
        for item in admin_api.get("/api/v1/admin/prohibited-terms?limit=100").json["items"]
    }
    expected = {"Nike", "Adidas", "Crocs", "Havaianas", "Birkenstock", "Under Armour", "UGG"}
    assert expected <= terms


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("name", "Unisex slides, Havaianas type strap", "name"),
        ("description", "Soft EVA like the famous birkenstock footbed.", "description"),
    ],
)
def test_a_prohibited_term_flags_the_product_with_where_it_was_found(
    owner_api, admin_api, supplier, field, value, where
):
    product = make_product(supplier, **{field: value})
    submit(owner_api, product)
    (flag,) = flags_of(admin_api, product)
    assert flag["code"] == "prohibited_term"
    assert f"in the {where}" in flag["reason"]


def test_flags_are_stored_and_recomputed_at_each_submission(owner_api, admin_api, supplier, admin):
    product = make_product(supplier, name="Reebok style slides")
    submit(owner_api, product)
    check = db.session.get(ProductCheck, product.id)
    assert check.flag_count == 1
    admin_api.post(
        f"/api/v1/admin/products/{product.id}/reject", json={"reason": "Brand name in the title."}
    )
    owner_api.patch(f"/api/v1/products/{product.id}", json={"name": "Plain EVA slides"})
    submit(owner_api, product)
    db.session.expire_all()
    assert db.session.get(ProductCheck, product.id).flags == []
    assert flags_of(admin_api, product) == []


def test_admins_manage_the_list_with_audit_rows(admin_api, owner_api, supplier):
    response = admin_api.post("/api/v1/admin/prohibited-terms", json={"term": "  Slipper  King "})
    assert response.status_code == 201, response.json
    term_id = response.json["id"]
    assert response.json["term"] == "Slipper King"
    duplicate = admin_api.post("/api/v1/admin/prohibited-terms", json={"term": "slipper king"})
    assert duplicate.status_code == 409
    assert admin_api.post("/api/v1/admin/prohibited-terms", json={"term": " "}).status_code == 422

    product = make_product(supplier, name="The slipper-king EVA slide")
    submit(owner_api, product)
    assert [f["code"] for f in flags_of(admin_api, product)] == ["prohibited_term"]

    assert admin_api.delete(f"/api/v1/admin/prohibited-terms/{term_id}").status_code == 204
    assert admin_api.delete(f"/api/v1/admin/prohibited-terms/{term_id}").status_code == 404
    assert db.session.get(ProhibitedTerm, term_id) is None
    rows = [(r.action, r.target_id, r.details["term"]) for r in audit_rows()]
    assert rows == [
        ("prohibited_term.add", term_id, "Slipper King"),
        ("prohibited_term.delete", term_id, "Slipper King"),
    ]


# Near duplicates -----------------------------------------------------------------


def test_a_near_duplicate_of_the_same_suppliers_listing_is_flagged(owner_api, admin_api, supplier):
    make_product(supplier, S.PUBLISHED, sku="ORIG", name="Women's EVA bathroom slippers, anti-slip")
    other = SupplierFactory()
    make_product(other, S.PUBLISHED, sku="THEIRS", name="Men's PVC slides, two straps")
    copy = make_product(supplier, sku="COPY", name="Womens EVA bathroom slippers anti slip!")
    different = make_product(supplier, sku="DIFF", name="Men's PVC slides, two straps")

    submit(owner_api, copy)
    submit(owner_api, different)

    (flag,) = flags_of(admin_api, copy)
    assert flag["code"] == "near_duplicate"
    assert "ORIG" in flag["reason"]
    # The same name at another supplier is not this supplier's duplicate.
    assert flags_of(admin_api, different) == []


# Price and MOQ outliers ------------------------------------------------------------


def published_peers(count: int, price: str = "1.00", moq: int = 1000, currency: str = "USD"):
    supplier = SupplierFactory()
    for n in range(count):
        make_product(
            supplier,
            S.PUBLISHED,
            sku=f"PEER-{n}",
            name=f"Peer slipper model {n * 7919}",
            moq=moq,
            currency=currency,
            price_tiers=[{"min_qty": moq, "unit_price": price}],
        )


def tiers(moq: int, price: str) -> dict:
    return {"moq": moq, "price_tiers": [{"min_qty": moq, "unit_price": price}]}


@pytest.mark.parametrize(
    ("data", "flagged"),
    [
        (tiers(1000, "1.20"), False),
        (tiers(1000, "5.00"), False),  # 5x the median is the edge, not beyond
        (tiers(1000, "5.01"), True),
        (tiers(1000, "0.19"), True),
        (tiers(100_000, "1.00"), True),
        (tiers(100, "1.00"), True),
    ],
)
def test_prices_and_moqs_far_from_the_category_median_are_flagged(
    owner_api, admin_api, supplier, data, flagged
):
    published_peers(5)
    product = make_product(supplier, sku="ODD", **data)
    submit(owner_api, product)
    flags = flags_of(admin_api, product)
    assert [f["code"] for f in flags] == (["price_outlier"] if flagged else [])


def test_no_price_judgement_without_enough_products_or_in_another_currency(
    owner_api, admin_api, supplier
):
    published_peers(4)
    published_peers(5, currency="EUR", price="1.00")
    product = make_product(supplier, sku="ODD", **tiers(1000, "50.00"))
    submit(owner_api, product)
    assert flags_of(admin_api, product) == []


def test_flags_shown_for_a_product_sent_back_to_review_by_an_import(owner_api, admin_api, supplier):
    """A bulk import does not run the checks row by row; the queue computes them."""
    import io

    product = make_product(supplier, S.PUBLISHED, sku="IMP-1")
    csv = "sku,name,category,moq,currency,price_tiers\n"
    csv += "IMP-1,Puma style EVA slides,eva-slippers,1000,USD,1000:1.20\n"
    response = owner_api.post(
        "/api/v1/catalog/import",
        data={"file": (io.BytesIO(csv.encode()), "catalog.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert [f["code"] for f in flags_of(admin_api, product)] == ["prohibited_term"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProductCheck)) == 1
