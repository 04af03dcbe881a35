"""The product state machine of the contract, move by move, and who sees which state."""

from __future__ import annotations

import pytest

from marketplace.catalog import services
from marketplace.catalog.models import ProductStatus
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.suppliers.models import SupplierStatus
from tests.catalog.support import commit, image_bytes, make_product
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)

S = ProductStatus
HIDDEN = [S.DRAFT, S.PENDING_REVIEW, S.REJECTED, S.SUSPENDED, S.ARCHIVED]


@pytest.fixture
def owner():
    return SupplierOwnerFactory()


@pytest.fixture
def client(login_as, owner):
    return login_as(owner)


def url(product, suffix=""):
    return f"/api/v1/products/{product.id}{suffix}"


def status_of(product) -> str:
    db.session.expire_all()
    return product.status.value


# Supplier moves -------------------------------------------------------------


@pytest.mark.parametrize("start", [S.DRAFT, S.REJECTED])
def test_submit_moves_to_pending_review(client, owner, start):
    product = make_product(owner.supplier, start)
    response = client.post(url(product, "/submit"))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "pending_review"
    assert status_of(product) == "pending_review"


@pytest.mark.parametrize("start", [S.PENDING_REVIEW, S.PUBLISHED, S.SUSPENDED, S.ARCHIVED])
def test_submit_from_other_states_is_409(client, owner, start):
    product = make_product(owner.supplier, start)
    response = client.post(url(product, "/submit"))
    assert response.status_code == 409
    assert response.json["code"] == 409
    assert status_of(product) == start.value


def test_submit_twice_is_409(client, owner):
    product = make_product(owner.supplier)
    assert client.post(url(product, "/submit")).status_code == 200
    assert client.post(url(product, "/submit")).status_code == 409
    assert status_of(product) == "pending_review"


def test_a_suspended_company_cannot_submit(client, owner):
    product = make_product(owner.supplier)
    owner.supplier.status = SupplierStatus.SUSPENDED
    commit()
    response = client.post(url(product, "/submit"))
    assert response.status_code == 403  # read-only (tests/suppliers/test_suspended_company.py)
    assert response.json["message"].startswith("Your company is suspended")
    assert status_of(product) == "draft"


def test_editing_a_rejected_product_returns_it_to_draft(client, owner):
    product = make_product(owner.supplier, S.REJECTED)
    assert client.get(url(product)).json["rejection_reason"] == "Photos are missing."
    response = client.patch(url(product), json={"lead_time_days": 25})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "draft"
    assert status_of(product) == "draft"


def test_changing_only_the_sku_of_a_rejected_product_is_an_edit(client, owner):
    product = make_product(owner.supplier, S.REJECTED)
    response = client.patch(url(product), json={"sku": "RENAMED-1"})
    assert response.status_code == 200
    assert response.json["status"] == "draft"


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Renamed slippers"},
        {"description": "A different description."},
        {"category": "pvc-slippers"},
        {"materials": ["PVC"]},
    ],
    ids=["name", "description", "category", "materials"],
)
def test_reviewed_changes_send_a_published_product_back_to_review(client, owner, change):
    product = make_product(owner.supplier, S.PUBLISHED)
    response = client.patch(url(product), json=change)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "pending_review"
    assert status_of(product) == "pending_review"


@pytest.mark.parametrize(
    "change",
    [
        {"price_tiers": [{"min_qty": 1000, "unit_price": "1.10"}]},
        {"moq": 2000, "price_tiers": [{"min_qty": 2000, "unit_price": "1.10"}]},
        {"lead_time_days": 45},
        {"monthly_capacity_pairs": 500_000},
        {"sample_price": "4.00"},
        {"pairs_per_carton": 48},
    ],
    ids=["price tiers", "moq", "lead time", "capacity", "sample price", "packing"],
)
def test_commercial_changes_keep_a_product_published(client, owner, change):
    product = make_product(owner.supplier, S.PUBLISHED)
    response = client.patch(url(product), json=change)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "published"
    assert status_of(product) == "published"


def test_resending_the_same_name_keeps_a_product_published(client, owner):
    product = make_product(owner.supplier, S.PUBLISHED)
    response = client.patch(url(product), json={"name": product.name, "materials": ["eva"]})
    assert response.status_code == 200
    assert response.json["status"] == "published"


def test_image_changes_send_a_published_product_back_to_review(client, owner):
    product = make_product(owner.supplier, S.PUBLISHED)
    response = client.post(
        url(product, "/images"),
        data={"file": (_png(), "photo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert status_of(product) == "pending_review"

    services.approve_product(product)
    commit()
    assert status_of(product) == "published"
    assert client.delete(url(product, f"/images/{response.json['id']}")).status_code == 204
    assert status_of(product) == "pending_review"


def test_a_pending_product_can_be_edited_and_stays_pending(client, owner):
    product = make_product(owner.supplier, S.PENDING_REVIEW)
    response = client.patch(url(product), json={"name": "Improved name"})
    assert response.status_code == 200
    assert response.json["status"] == "pending_review"


@pytest.mark.parametrize("start", [S.DRAFT, S.PENDING_REVIEW, S.PUBLISHED, S.REJECTED])
def test_archive_and_restore(client, owner, start):
    product = make_product(owner.supplier, start)
    response = client.delete(url(product))
    assert response.status_code == 204
    assert response.data == b""
    assert status_of(product) == "archived"
    # Still there for its supplier, hidden from everyone else.
    assert client.get(url(product)).json["status"] == "archived"

    restored = client.post(url(product, "/restore"))
    assert restored.status_code == 200
    assert restored.json["status"] == "draft"
    assert status_of(product) == "draft"


def test_archived_product_cannot_be_edited_archived_or_submitted(client, owner):
    product = make_product(owner.supplier, S.ARCHIVED)
    assert client.patch(url(product), json={"name": "New name"}).status_code == 409
    assert client.delete(url(product)).status_code == 409
    assert client.post(url(product, "/submit")).status_code == 409
    upload = client.post(
        url(product, "/images"),
        data={"file": (_png(), "p.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 409
    db.session.expire_all()
    assert product.name != "New name"
    assert product.images == []
    assert product.status == S.ARCHIVED


@pytest.mark.parametrize("start", [S.DRAFT, S.PENDING_REVIEW, S.PUBLISHED, S.REJECTED, S.SUSPENDED])
def test_restore_of_a_product_that_is_not_archived_is_409(client, owner, start):
    product = make_product(owner.supplier, start)
    assert client.post(url(product, "/restore")).status_code == 409
    assert status_of(product) == start.value


def test_a_suspended_product_is_out_of_the_suppliers_hands(client, owner):
    product = make_product(owner.supplier, S.SUSPENDED)
    assert client.patch(url(product), json={"lead_time_days": 20}).status_code == 409
    assert client.delete(url(product)).status_code == 409
    assert client.post(url(product, "/submit")).status_code == 409
    assert client.post(url(product, "/restore")).status_code == 409
    upload = client.post(
        url(product, "/images"),
        data={"file": (_png(), "p.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 409
    db.session.expire_all()
    assert product.status == S.SUSPENDED
    assert product.lead_time_days == 30
    assert product.images == []
    # Its supplier still sees it, with the reason.
    shown = client.get(url(product)).json
    assert shown["status"] == "suspended"
    assert shown["rejection_reason"] == "Counterfeit brand logo."


# Admin moves (services; the admin API comes with the moderation issue) ----------


def test_admin_moves(owner):
    product = make_product(owner.supplier, S.PENDING_REVIEW)
    services.reject_product(product, "Blurry photos.")
    assert (product.status, product.rejection_reason) == (S.REJECTED, "Blurry photos.")

    services.submit_product(product)
    services.approve_product(product)
    assert (product.status, product.rejection_reason) == (S.PUBLISHED, None)
    assert product.published_at is not None

    services.suspend_product(product, "Fake certificate.")
    assert product.status == S.SUSPENDED
    services.reinstate_product(product)
    assert (product.status, product.rejection_reason) == (S.PUBLISHED, None)

    draft = make_product(owner.supplier)
    services.suspend_product(draft, "Prohibited item.")
    services.reinstate_product(draft)
    assert draft.status == S.DRAFT  # back where it was suspended from


@pytest.mark.parametrize(
    ("move", "refused_from"),
    [
        (services.approve_product, [S.DRAFT, S.PUBLISHED, S.REJECTED, S.SUSPENDED, S.ARCHIVED]),
        (
            lambda p: services.reject_product(p, "No."),
            [S.DRAFT, S.PUBLISHED, S.REJECTED, S.SUSPENDED, S.ARCHIVED],
        ),
        (lambda p: services.suspend_product(p, "No."), [S.SUSPENDED, S.ARCHIVED]),
        (
            services.reinstate_product,
            [S.DRAFT, S.PENDING_REVIEW, S.PUBLISHED, S.REJECTED, S.ARCHIVED],
        ),
        (
            services.restore_product,
            [S.DRAFT, S.PENDING_REVIEW, S.PUBLISHED, S.REJECTED, S.SUSPENDED],
        ),
        (services.archive_product, [S.SUSPENDED, S.ARCHIVED]),
        (services.submit_product, [S.PENDING_REVIEW, S.PUBLISHED, S.SUSPENDED, S.ARCHIVED]),
    ],
    ids=["approve", "reject", "suspend", "reinstate", "restore", "archive", "submit"],
)
def test_refused_moves_raise_conflict(owner, move, refused_from):
    for start in refused_from:
        product = make_product(owner.supplier, start)
        with pytest.raises(Conflict):
            move(product)
        assert product.status == start


# Visibility -------------------------------------------------------------------


@pytest.fixture
def viewers(api, login_as, owner):
    """Everyone who is NOT allowed to see a company's hidden products."""
    return {
        "anonymous": api,
        "buyer": login_as(BuyerFactory()),
        "other supplier": login_as(SupplierOwnerFactory()),
        "other staff": login_as(SupplierStaffFactory()),
    }


@pytest.fixture
def insiders(login_as, owner):
    """Everyone who is."""
    return {
        "owner": login_as(owner),
        "staff": login_as(SupplierStaffFactory(supplier=owner.supplier)),
        "admin": login_as(AdminFactory()),
    }


@pytest.mark.parametrize("state", HIDDEN, ids=[s.value for s in HIDDEN])
def test_hidden_states_are_404_for_outsiders(owner, viewers, insiders, state):
    product = make_product(owner.supplier, state)
    for who, viewer in viewers.items():
        response = viewer.get(url(product))
        assert response.status_code == 404, who
        assert str(product.sku) not in response.get_data(as_text=True)
        listing = viewer.get(f"/api/v1/suppliers/{owner.supplier_id}/products").json
        assert listing["items"] == [], who
    for who, insider in insiders.items():
        response = insider.get(url(product))
        assert response.status_code == 200, who
        assert response.json["status"] == state.value


def test_published_is_visible_to_everyone(owner, viewers, insiders):
    product = make_product(owner.supplier, S.PUBLISHED)
    for who, client in {**viewers, **insiders}.items():
        response = client.get(url(product))
        assert response.status_code == 200, who
        assert response.json["sku"] == product.sku


def test_products_of_a_suspended_supplier_are_hidden_from_the_public(owner, viewers, insiders):
    product = make_product(owner.supplier, S.PUBLISHED)
    owner.supplier.status = SupplierStatus.SUSPENDED
    commit()
    for who, viewer in viewers.items():
        assert viewer.get(url(product)).status_code == 404, who
    for who, insider in insiders.items():
        assert insider.get(url(product)).status_code == 200, who
    owner.supplier.status = SupplierStatus.ACTIVE
    commit()
    assert viewers["anonymous"].get(url(product)).status_code == 200


def test_missing_product_is_404(api):
    assert api.get("/api/v1/products/999999").status_code == 404
    assert api.get(f"/api/v1/products/{2**31}").status_code == 404


def _png():
    import io

    return io.BytesIO(image_bytes("PNG"))
