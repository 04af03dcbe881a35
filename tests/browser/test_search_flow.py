"""A buyer in Chromium, JavaScript off: search "EVA slide" from the home page, apply a
material facet, open a product and read its price tiers."""

from __future__ import annotations

import re
import uuid

import pytest

from marketplace import transaction
from tests.catalog.conftest import product_payload


def publish_products(live_app, supplier_id: int, token: str) -> dict[str, int]:
    """Two published slides on the live server's database: one EVA, one PVC (whose
    description mentions EVA, so the text search finds both)."""
    from marketplace.catalog import services
    from marketplace.catalog.schemas import ProductInputSchema
    from marketplace.extensions import db
    from marketplace.suppliers.models import Supplier

    bodies = {
        "eva": product_payload(
            sku=f"EVA-{token}",
            name=f"Unisex EVA slide {token}, embossed logo",
            category="slides",
            materials=["EVA"],
            moq=1000,
            price_tiers=[
                {"min_qty": 1000, "unit_price": "1.35"},
                {"min_qty": 5000, "unit_price": "1.19"},
            ],
        ),
        "pvc": product_payload(
            sku=f"PVC-{token}",
            name=f"Men's PVC slide {token}",
            description="Moulded PVC upper on an EVA footbed.",
            category="slides",
            materials=["PVC"],
            moq=2000,
            price_tiers=[{"min_qty": 2000, "unit_price": "0.95"}],
        ),
    }
    ids = {}
    with live_app.test_request_context():
        supplier = db.session.get(Supplier, supplier_id)
        for key, body in bodies.items():
            product = services.create_product(supplier, ProductInputSchema().load(body))
            services.submit_product(product)
            services.approve_product(product)
            ids[key] = product.id
        transaction.commit()
        db.session.remove()
    return ids


@pytest.fixture
def page_without_js(chromium):
    context = chromium.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_search_apply_a_material_facet_and_open_a_product(
    page_without_js, live_server, live_app, make_user
):
    page = page_without_js
    token = uuid.uuid4().hex[:6]
    owner = make_user("supplier", company_name=f"Jinjiang Search Flow {token} Co., Ltd.")
    with live_app.app_context():
        from marketplace.accounts.models import User
        from marketplace.extensions import db

        supplier_id = db.session.get(User, owner["id"]).supplier_id
        db.session.remove()
    ids = publish_products(live_app, supplier_id, token)
    eva_name = f"Unisex EVA slide {token}, embossed logo"
    pvc_name = f"Men's PVC slide {token}"

    page.goto(f"{live_server}/")
    page.fill("form.hero-search input[name=q]", "EVA slide")
    page.click("form.hero-search button[type=submit]")
    page.wait_for_url(re.compile(r"/products\?q=EVA\+slide$"))
    names = page.locator(".product-name a").all_inner_texts()
    assert eva_name in names and pvc_name in names

    page.click(".facet-list a:text-is('EVA')")
    page.wait_for_url(re.compile(r"/products\?q=EVA\+slide&material=EVA$"))
    names = page.locator(".product-name a").all_inner_texts()
    assert eva_name in names and pvc_name not in names
    assert "Material: EVA" in page.inner_text(".chips")

    page.click(f".product-name a:text-is('{eva_name}')")
    page.wait_for_url(f"{live_server}/products/{ids['eva']}")
    assert page.inner_text("h1") == eva_name
    tiers = page.inner_text("table.price-tiers")
    assert "1,000–4,999" in tiers and "USD 1.35" in tiers  # noqa: RUF001 - the en dash shown
    assert "≥ 5,000" in tiers and "USD 1.19" in tiers
    assert "Send inquiry" in page.inner_text(".inquiry-cta")
