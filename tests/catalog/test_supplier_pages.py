"""The supplier dashboard pages, driven like a browser without JavaScript."""

import io
import re

import sqlalchemy as sa
from PIL import Image

from marketplace.catalog.models import Product
from marketplace.extensions import db
from tests.factories import BuyerFactory, SupplierOwnerFactory, SupplierStaffFactory


def page_login(client, user):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
        r'name="csrf_token" value="([^"]+)"', page.text
    )
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": "correct horse battery staple",
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 302, response.text[:500]


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def product_form(token, **overrides):
    data = {
        "csrf_token": token,
        "sku": "PG-EVA-01",
        "name": "Men's EVA slide, embossed logo",
        "description": "Lightweight EVA slide for beach and pool.",
        "category": "slides",
        "materials": ["EVA"],
        "size_from": "40",
        "size_to": "45",
        "colors": "black, navy",
        "moq": "1200",
        "currency": "USD",
        "lead_time_days": "25",
        "price_tiers-0-min_qty": "1200",
        "price_tiers-0-unit_price": "1.80",
        "price_tiers-1-min_qty": "6000",
        "price_tiers-1-unit_price": "1.60",
        "incoterms": ["FOB"],
        "port_of_loading": "Xiamen",
        "hs_code": "6402.99",
    }
    data.update(overrides)
    return data


def test_create_product_through_the_form_then_submit(client):
    staff = SupplierStaffFactory()
    page_login(client, staff)
    form_page = client.get("/dashboard/products/new")
    assert form_page.status_code == 200
    response = client.post("/dashboard/products/new", data=product_form(csrf_from(form_page.text)))
    assert response.status_code == 302
    product = db.session.scalar(sa.select(Product).where(Product.sku == "PG-EVA-01"))
    assert product.supplier_id == staff.supplier_id
    assert [(t.min_qty, str(t.unit_price)) for t in product.price_tiers] == [
        (1200, "1.8000"),
        (6000, "1.6000"),
    ]

    edit = client.get(f"/dashboard/products/{product.id}")
    assert "Draft" in edit.text and "Submit for review" in edit.text
    submitted = client.post(
        f"/dashboard/products/{product.id}/submit",
        data={"csrf_token": csrf_from(edit.text)},
        follow_redirects=True,
    )
    assert "Pending review" in submitted.text


def test_form_errors_are_shown_next_to_fields_and_nothing_is_saved(client):
    owner = SupplierOwnerFactory()
    page_login(client, owner)
    token = csrf_from(client.get("/dashboard/products/new").text)
    response = client.post(
        "/dashboard/products/new",
        data=product_form(token, **{"price_tiers-0-min_qty": "1000", "hs_code": "1234.56"}),
    )
    assert response.status_code == 422
    assert 'id="price_tiers-error"' in response.text
    assert "The first tier must start at the MOQ" in response.text
    assert 'id="hs_code-error"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


def test_photo_upload_through_the_page(client):
    owner = SupplierOwnerFactory()
    page_login(client, owner)
    token = csrf_from(client.get("/dashboard/products/new").text)
    client.post("/dashboard/products/new", data=product_form(token))
    product = db.session.scalar(sa.select(Product).where(Product.supplier_id == owner.supplier_id))
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), "navy").save(buffer, "JPEG")
    response = client.post(
        f"/dashboard/products/{product.id}/images",
        data={"csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "slide.jpg")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Photo uploaded." in response.text
    db.session.expire_all()
    assert len(db.session.get(Product, product.id).images) == 1


def test_other_company_product_page_is_404_and_buyers_get_403(client):
    other = SupplierOwnerFactory()
    mine = SupplierOwnerFactory()
    page_login(client, other)
    token = csrf_from(client.get("/dashboard/products/new").text)
    client.post("/dashboard/products/new", data=product_form(token))
    product = db.session.scalar(sa.select(Product).where(Product.supplier_id == other.supplier_id))
    client.post("/logout", data={"csrf_token": token})

    page_login(client, mine)
    assert client.get(f"/dashboard/products/{product.id}").status_code == 404
    buyer_client = client.application.test_client()
    page_login(buyer_client, BuyerFactory())
    assert buyer_client.get("/dashboard/products").status_code == 403


def test_team_page_owner_adds_staff(client):
    owner = SupplierOwnerFactory()
    page_login(client, owner)
    page = client.get("/dashboard/team")
    assert owner.email in page.text
    response = client.post(
        "/dashboard/team",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "Wang Fang",
            "email": "wang.fang@factory.example",
            "password": "slipper-staff-2026",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "wang.fang@factory.example" in response.text
