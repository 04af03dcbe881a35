"""Creating sample requests (who, which products, what is valid, how often) and who sees
them (lists and detail)."""

from __future__ import annotations

import pytest

from marketplace import transaction
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.samples.models import SampleStatus
from marketplace.suppliers.models import SupplierStatus
from tests.catalog.support import make_product
from tests.factories import SupplierOwnerFactory
from tests.samples.support import SAMPLES, counts, make_sample, sample_body

# Creating ------------------------------------------------------------------------------


def test_only_buyers_ask_for_samples(owner, admin, product, login_as, api):
    before = counts()
    for user in (owner, admin):
        assert login_as(user).post(SAMPLES, json=sample_body(product)).status_code == 403
    assert api.post(SAMPLES, json=sample_body(product)).status_code == 401
    assert counts() == before


@pytest.mark.parametrize(
    "status", [ProductStatus.DRAFT, ProductStatus.PENDING_REVIEW, ProductStatus.ARCHIVED]
)
def test_a_product_that_is_not_public_is_404(status, supplier, buyer, login_as):
    hidden = make_product(supplier, status, sku=f"HIDDEN-{status.value}")
    before = counts()
    response = login_as(buyer).post(SAMPLES, json=sample_body(hidden))
    assert response.status_code == 404, response.json
    assert counts() == before


def test_a_suspended_suppliers_product_is_404(supplier, buyer, product, login_as):
    supplier.status = SupplierStatus.SUSPENDED
    transaction.commit()
    assert login_as(buyer).post(SAMPLES, json=sample_body(product)).status_code == 404


def test_an_unknown_product_is_404(buyer, login_as):
    response = login_as(buyer).post(SAMPLES, json={**sample_body_for_id(2_000_000)})
    assert response.status_code == 404


def sample_body_for_id(product_id: int) -> dict:
    return {"product_id": product_id, "quantity_pairs": 2, "destination_country": "US"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity_pairs": 0}, "quantity_pairs"),
        ({"quantity_pairs": 21}, "quantity_pairs"),
        ({"quantity_pairs": "4"}, "quantity_pairs"),
        ({"destination_country": "XX"}, "destination_country"),
        ({"sizes": [str(n) for n in range(21)]}, "sizes"),
        ({"colors": ["x" * 41]}, "colors"),
        ({"note": "n" * 2001}, "note"),
        ({"status": "shipped"}, "status"),
        ({"supplier_id": 1}, "supplier_id"),
        ({"fee": "0"}, "fee"),
    ],
)
def test_invalid_bodies_are_422(overrides, field, buyer, product, login_as):
    before = counts()
    response = login_as(buyer).post(SAMPLES, json=sample_body(product, **overrides))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert counts() == before


def test_repeated_sizes_and_colours_are_kept_once(buyer, product, login_as):
    body = sample_body(product, sizes=["38", "40", "38"], colors=["Black", "black", "pink"])
    response = login_as(buyer).post(SAMPLES, json=body)
    assert response.status_code == 201, response.json
    assert (response.json["sizes"], response.json["colors"]) == (["38", "40"], ["Black", "pink"])


def test_required_fields(buyer, login_as):
    response = login_as(buyer).post(SAMPLES, json={})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {
        "product_id",
        "quantity_pairs",
        "destination_country",
    }


def test_the_pairs_cap_is_configuration(app, buyer, product, login_as):
    app.config["SAMPLE_MAX_PAIRS"] = 5
    try:
        client = login_as(buyer)
        assert client.post(SAMPLES, json=sample_body(product, quantity_pairs=6)).status_code == 422
        assert client.post(SAMPLES, json=sample_body(product, quantity_pairs=5)).status_code == 201
    finally:
        app.config["SAMPLE_MAX_PAIRS"] = 20


@pytest.mark.parametrize(
    ("move", "body", "field"),
    [
        ("quote", {"fee": -1, "shipping_fee": 0, "currency": "USD", "ready_in_days": 3}, "fee"),
        (
            "quote",
            {"fee": "1.005", "shipping_fee": 0, "currency": "USD", "ready_in_days": 3},
            "fee",
        ),
        ("quote", {"fee": 1, "shipping_fee": 0, "currency": "XYZ", "ready_in_days": 3}, "currency"),
        (
            "quote",
            {"fee": 1, "shipping_fee": 0, "currency": "USD", "ready_in_days": 366},
            "ready_in_days",
        ),
        ("quote", {"fee": 1, "currency": "USD", "ready_in_days": 3}, "shipping_fee"),
        ("decline", {"reason": "   "}, "reason"),
        ("decline", {}, "reason"),
    ],
)
def test_invalid_move_bodies_are_422(move, body, field, buyer, staff, product, login_as):
    sample = make_sample(buyer, product, member=staff)
    response = login_as(staff).post(f"{SAMPLES}/{sample.id}/{move}", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    db.session.expire_all()
    assert sample.status == SampleStatus.REQUESTED


def test_shipping_needs_the_tracking(buyer, staff, product, login_as):
    sample = make_sample(buyer, product, SampleStatus.ACCEPTED, member=staff)
    client = login_as(staff)
    for body in ({}, {"carrier": "DHL"}, {"reference": "123"}, {"carrier": "", "reference": "1"}):
        response = client.post(f"{SAMPLES}/{sample.id}/ship", json=body)
        assert response.status_code == 422, body
    db.session.expire_all()
    assert sample.status == SampleStatus.ACCEPTED


def test_requests_are_rate_limited_per_buyer(app, buyer, other_buyer, product, login_as):
    app.config["SAMPLE_REQUEST_LIMITS_PER_BUYER"] = "2 per day"
    try:
        client = login_as(buyer)
        for _ in range(2):
            assert client.post(SAMPLES, json=sample_body(product)).status_code == 201
        before = counts()
        refused = client.post(SAMPLES, json=sample_body(product))
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert counts() == before
        # Another buyer has an allowance of their own.
        assert login_as(other_buyer).post(SAMPLES, json=sample_body(product)).status_code == 201
    finally:
        app.config["SAMPLE_REQUEST_LIMITS_PER_BUYER"] = "10 per hour;30 per day"


# Who sees what -------------------------------------------------------------------------


@pytest.fixture
def two_companies(buyer, other_buyer, staff, product):
    """Buyer's request to the supplier, the other buyer's to another company."""
    elsewhere_owner = SupplierOwnerFactory()
    elsewhere = make_product(elsewhere_owner.supplier, ProductStatus.PUBLISHED, sku="ELSE-1")
    mine = make_sample(buyer, product, member=staff)
    theirs = make_sample(other_buyer, elsewhere, SampleStatus.QUOTED, member=elsewhere_owner)
    return mine, theirs, elsewhere_owner


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_lists_show_each_viewer_their_own(
    two_companies, buyer, other_buyer, owner, staff, admin, login_as
):
    mine, theirs, elsewhere_owner = two_companies
    assert ids(login_as(buyer).get(SAMPLES)) == [mine.id]
    assert ids(login_as(other_buyer).get(SAMPLES)) == [theirs.id]
    assert ids(login_as(owner).get(SAMPLES)) == [mine.id]
    assert ids(login_as(staff).get(SAMPLES)) == [mine.id]
    assert ids(login_as(elsewhere_owner).get(SAMPLES)) == [theirs.id]
    assert ids(login_as(admin).get(SAMPLES)) == [theirs.id, mine.id]  # newest first
    assert ids(login_as(admin).get(f"{SAMPLES}?status=quoted")) == [theirs.id]
    assert ids(login_as(admin).get(f"{SAMPLES}?status=requested")) == [mine.id]
    assert login_as(admin).get(f"{SAMPLES}?status=lost").status_code == 422


def test_lists_page_with_a_cursor(buyer, staff, product, login_as):
    made = [make_sample(buyer, product, member=staff).id for _ in range(3)]
    client = login_as(buyer)
    first = client.get(f"{SAMPLES}?limit=2").json
    assert [item["id"] for item in first["items"]] == made[::-1][:2]
    second = client.get(f"{SAMPLES}?limit=2&cursor={first['next_cursor']}").json
    assert [item["id"] for item in second["items"]] == [made[0]]
    assert second["next_cursor"] is None


def test_detail_for_the_parties_and_admins_only(
    two_companies, buyer, other_buyer, owner, staff, other_staff, admin, login_as, api
):
    mine, _theirs, elsewhere_owner = two_companies
    path = f"{SAMPLES}/{mine.id}"
    for user in (buyer, owner, staff, admin):
        response = login_as(user).get(path)
        assert response.status_code == 200
        assert response.json["buyer"]["name"] == "Maria Santos"
    for user in (other_buyer, other_staff, elsewhere_owner):
        response = login_as(user).get(path)
        assert response.status_code == 404
        assert "Maria" not in response.get_data(as_text=True)
    assert api.get(path).status_code == 401


def test_a_suspended_companys_members_read_but_do_not_move(
    buyer, owner, staff, supplier, product, login_as
):
    sample = make_sample(buyer, product, member=staff)
    accepted = make_sample(buyer, product, SampleStatus.ACCEPTED, member=staff)
    supplier.status = SupplierStatus.SUSPENDED
    transaction.commit()
    before = counts()
    client = login_as(owner)
    assert client.get(f"{SAMPLES}/{sample.id}").status_code == 200
    for path, body in (
        (f"{SAMPLES}/{sample.id}/quote", {**_quote()}),
        (f"{SAMPLES}/{sample.id}/decline", {"reason": "No."}),
        (f"{SAMPLES}/{accepted.id}/ship", {"carrier": "DHL", "reference": "1"}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 403, response.json
        assert response.json["message"].startswith("Your company is suspended")
    assert counts() == before
    # The buyer may still withdraw a request the company can no longer answer.
    assert login_as(buyer).post(f"{SAMPLES}/{sample.id}/cancel").status_code == 200


def _quote() -> dict:
    return {"fee": 0, "shipping_fee": 0, "currency": "USD", "ready_in_days": 1}
