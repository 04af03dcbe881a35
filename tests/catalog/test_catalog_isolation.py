"""The supplier company is the tenant: another company's catalog and team are absent (404)
on every route, and a refused write changes nothing."""

from __future__ import annotations

import io
import os

import pytest
import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage

from marketplace.accounts.models import ApiToken, User, UserSession
from marketplace.catalog.images import add_image
from marketplace.catalog.models import PriceTier, Product, ProductImage, ProductStatus
from marketplace.extensions import db
from marketplace.suppliers.models import Certification, Supplier, VerificationRequest
from tests.catalog.conftest import product_payload
from tests.catalog.support import commit, count, image_bytes, make_product
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)


class World:
    """Supplier A (the victim) with a draft carrying an image, an archived product and a
    staff member; supplier B (the intruders)."""

    def __init__(self):
        self.a_owner = SupplierOwnerFactory()
        self.a_staff = SupplierStaffFactory(supplier=self.a_owner.supplier)
        self.a = self.a_owner.supplier
        self.draft = make_product(self.a, ProductStatus.DRAFT, sku="A-DRAFT")
        self.archived = make_product(self.a, ProductStatus.ARCHIVED, sku="A-ARCHIVED")
        self.b_owner = SupplierOwnerFactory()
        self.b_staff = SupplierStaffFactory(supplier=self.b_owner.supplier)
        self.b_product = make_product(self.b_owner.supplier, sku="B-DRAFT")
        # Photos through the service: the upload route has its own tests (test_images.py).
        self.image_id = add_image(self.draft, FileStorage(io.BytesIO(image_bytes("PNG")))).id
        self.b_image_id = add_image(self.b_product, FileStorage(io.BytesIO(image_bytes("PNG")))).id
        commit()


@pytest.fixture
def world():
    return World()


def png_upload():
    return {
        "data": {"file": (io.BytesIO(image_bytes("PNG")), "x.png")},
        "content_type": "multipart/form-data",
    }


# (method, path, request kwargs) against supplier A's objects.
ROUTES = [
    ("GET", "/api/v1/products/{draft}", lambda w: {}),
    ("PATCH", "/api/v1/products/{draft}", lambda w: {"json": {"name": "Hijacked name"}}),
    ("PATCH", "/api/v1/products/{draft}", lambda w: {"json": product_payload(sku="A-DRAFT")}),
    ("DELETE", "/api/v1/products/{draft}", lambda w: {}),
    ("POST", "/api/v1/products/{draft}/submit", lambda w: {}),
    ("POST", "/api/v1/products/{archived}/restore", lambda w: {}),
    ("POST", "/api/v1/products/{draft}/images", lambda w: png_upload()),
    ("DELETE", "/api/v1/products/{draft}/images/{image}", lambda w: {}),
    (
        "PUT",
        "/api/v1/products/{draft}/images/order",
        lambda w: {"json": {"image_ids": [w.image_id]}},
    ),
    ("PATCH", "/api/v1/suppliers/{a}", lambda w: {"json": {"name": "Hijacked Co."}}),
    ("GET", "/api/v1/suppliers/{a}/members", lambda w: {}),
    (
        "POST",
        "/api/v1/suppliers/{a}/members",
        lambda w: {
            "json": {
                "email": "mole@b.example",
                "name": "Mole",
                "password": "a long enough passphrase 42",
            }
        },
    ),
    ("DELETE", "/api/v1/suppliers/{a}/members/{a_staff}", lambda w: {}),
    ("GET", "/api/v1/suppliers/{a}/stats", lambda w: {}),
    (
        "POST",
        "/api/v1/suppliers/{a}/verification-request",
        lambda w: {"json": {"business_licence_number": "91350582MA2XYZ1234"}},
    ),
]
ROUTE_IDS = [f"{method} {path}" for method, path, _ in ROUTES]


def path_for(template: str, w: World) -> str:
    return template.format(
        draft=w.draft.id, archived=w.archived.id, image=w.image_id, a=w.a.id, a_staff=w.a_staff.id
    )


def snapshot() -> dict:
    """Everything a refused write could have changed, read fresh from the database."""
    db.session.expire_all()

    def rows(*columns):
        return db.session.execute(sa.select(*columns).order_by(columns[0])).all()

    return {
        "products": rows(
            Product.id,
            Product.supplier_id,
            Product.sku,
            Product.name,
            Product.status,
            Product.updated_at,
        ),
        "tiers": count(PriceTier),
        "images": rows(ProductImage.id, ProductImage.product_id, ProductImage.position),
        "suppliers": rows(Supplier.id, Supplier.name, Supplier.verification_status),
        "certifications": count(Certification),
        "verification_requests": count(VerificationRequest),
        "users": rows(User.id, User.supplier_id, User.company_role),
        "sessions": count(UserSession),
        "live_tokens": count(ApiToken, ApiToken.revoked_at.is_(None)),
        "files": sorted(os.listdir(os.path.join(current_app.config["UPLOAD_DIR"], "products"))),
    }


@pytest.mark.parametrize("intruder", ["b_owner", "b_staff"])
@pytest.mark.parametrize(("method", "template", "kwargs"), ROUTES, ids=ROUTE_IDS)
def test_another_company_gets_404_and_changes_nothing(
    world, login_as, intruder, method, template, kwargs
):
    client = login_as(getattr(world, intruder))
    before = snapshot()
    response = client.open(method, path_for(template, world), **kwargs(world))
    assert response.status_code == 404, response.json
    assert response.json["code"] == 404
    assert "A-DRAFT" not in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize(("method", "template", "kwargs"), ROUTES, ids=ROUTE_IDS)
def test_another_company_with_an_api_token_gets_404(world, login_as, method, template, kwargs):
    client = login_as(world.b_staff)
    client.bearer = client.post("/api/v1/auth/tokens", json={"name": "ERP"}).json["token"]
    before = snapshot()
    response = client.open(method, path_for(template, world), **kwargs(world))
    assert response.status_code == 404, response.json
    assert snapshot() == before


NOT_ALLOWED = (403, "You are not allowed to do this.")
MEMBERS_ONLY = (403, "Only members of a supplier company can do this.")
LOGIN_FIRST = (401, "Authentication is required.")
# What a buyer and an anonymous caller get on each route: a write is refused by role (403,
# the same for any id); a read that anyone may make for a visible object answers 404 for
# one they cannot see.
OUTSIDERS = {
    "GET /api/v1/products/{draft}": ((404, "Product not found."), (404, "Product not found.")),
    "GET /api/v1/suppliers/{a}/members": (MEMBERS_ONLY, LOGIN_FIRST),
    "GET /api/v1/suppliers/{a}/stats": ((404, "Supplier not found."), LOGIN_FIRST),
    "PATCH /api/v1/suppliers/{a}": (MEMBERS_ONLY, LOGIN_FIRST),
    "POST /api/v1/suppliers/{a}/members": (MEMBERS_ONLY, LOGIN_FIRST),
    "DELETE /api/v1/suppliers/{a}/members/{a_staff}": (MEMBERS_ONLY, LOGIN_FIRST),
    "POST /api/v1/suppliers/{a}/verification-request": (MEMBERS_ONLY, LOGIN_FIRST),
}


@pytest.mark.parametrize(("method", "template", "kwargs"), ROUTES, ids=ROUTE_IDS)
def test_buyers_and_anonymous_never_reach_the_object(
    world, login_as, api, method, template, kwargs
):
    """A buyer is refused by role (403, the same for any id) or sees nothing (404);
    anonymous callers must log in first, except where anyone may read. Nothing changes."""
    as_buyer, as_anonymous = OUTSIDERS.get(f"{method} {template}", (NOT_ALLOWED, LOGIN_FIRST))
    buyer = login_as(BuyerFactory())
    before = snapshot()
    response = buyer.open(method, path_for(template, world), **kwargs(world))
    assert (response.status_code, response.json["message"]) == as_buyer
    response = api.open(method, path_for(template, world), **kwargs(world))
    assert (response.status_code, response.json["message"]) == as_anonymous
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "template", "kwargs"),
    [r for r in ROUTES if r[0] != "GET"],
    ids=[i for i, r in zip(ROUTE_IDS, ROUTES, strict=True) if r[0] != "GET"],
)
def test_admins_do_not_edit_supplier_catalogs(world, login_as, method, template, kwargs):
    admin = login_as(AdminFactory())
    before = snapshot()
    response = admin.open(method, path_for(template, world), **kwargs(world))
    expected = MEMBERS_ONLY if "/suppliers/" in template else NOT_ALLOWED
    assert (response.status_code, response.json["message"]) == expected
    assert snapshot() == before


def test_own_company_reaches_the_same_routes(world, login_as):
    """The control group: the same requests from supplier A's staff do not 404."""
    client = login_as(world.a_staff)
    for method, template, kwargs in ROUTES:
        response = client.open(method, path_for(template, world), **kwargs(world))
        assert response.status_code != 404, (method, template, response.json)


def test_another_companys_image_cannot_be_deleted_through_an_own_product(world, login_as):
    client = login_as(world.a_owner)
    before = snapshot()
    response = client.delete(f"/api/v1/products/{world.draft.id}/images/{world.b_image_id}")
    assert response.status_code == 404
    assert snapshot() == before


def test_another_companys_image_cannot_be_ordered_into_an_own_product(world, login_as):
    client = login_as(world.a_owner)
    before = snapshot()
    response = client.put(
        f"/api/v1/products/{world.draft.id}/images/order",
        json={"image_ids": [world.image_id, world.b_image_id]},
    )
    assert response.status_code == 422
    assert "image_ids" in response.json["errors"]
    assert snapshot() == before


def test_another_companys_members_cannot_be_removed(world, login_as):
    """Supplier A's owner names supplier B's staff member in A's own team path."""
    client = login_as(world.a_owner)
    before = snapshot()
    response = client.delete(f"/api/v1/suppliers/{world.a.id}/members/{world.b_staff.id}")
    assert response.status_code == 404
    assert snapshot() == before


def test_another_companys_drafts_are_not_listed(world, login_as):
    client = login_as(world.b_owner)
    listing = client.get(f"/api/v1/suppliers/{world.a.id}/products?status=draft")
    assert listing.status_code == 200
    assert listing.json["items"] == []
    own = client.get(f"/api/v1/suppliers/{world.b_owner.supplier_id}/products?status=draft")
    assert [p["sku"] for p in own.json["items"]] == ["B-DRAFT"]
