"""The admin in Chromium: the review queue shows a submitted product with its flag; the
admin rejects it with a reason; its supplier sees that reason on the dashboard."""

from __future__ import annotations

import uuid

from marketplace import transaction

ADMIN_PASSWORD = "browser-admin-password-1"


def submitted_product(live_app, owner_id: int) -> dict:
    """A product of the owner's company, submitted for review through the services."""
    from marketplace.accounts.models import User
    from marketplace.catalog import services
    from marketplace.catalog.schemas import ProductInputSchema
    from marketplace.extensions import db
    from tests.catalog.conftest import product_payload

    with live_app.test_request_context():
        owner = db.session.get(User, owner_id)
        data = ProductInputSchema().load(
            product_payload(
                sku=f"BR-{uuid.uuid4().hex[:6]}", name="Unisex EVA clogs, Crocs style holes"
            )
        )
        product = services.create_product(owner.supplier, data)
        services.submit_product(product)
        transaction.commit()
        result = {"id": product.id, "name": product.name}
        db.session.remove()
    return result


def make_admin(live_app) -> dict:
    from marketplace.accounts import services
    from marketplace.extensions import db

    email = f"admin-{uuid.uuid4().hex[:8]}@browser.example"
    with live_app.test_request_context():
        services.create_admin(email, ADMIN_PASSWORD, "Browser Admin")
        transaction.commit()
        db.session.remove()
    return {"email": email, "password": ADMIN_PASSWORD}


def sign_in(page, live_server, user, landing):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", user["email"])
    page.fill("input[name=password]", user["password"])
    page.click("form[action^='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server}{landing}")


def test_admin_rejects_with_a_reason_and_the_supplier_sees_it(
    page, chromium, live_server, live_app, make_user
):
    owner = make_user("supplier", company_name="Jinjiang Review Test Slippers Co., Ltd.")
    product = submitted_product(live_app, owner["id"])
    admin = make_admin(live_app)
    reason = "The photos show a brand logo on the strap; remove it and submit again."

    sign_in(page, live_server, admin, "/admin")
    assert "Waiting for review" in page.inner_text(".figures")
    page.click(".side-nav a:text-is('Product review queue')")
    item = page.locator(f"#product-{product['id']}")
    assert "is-flagged" in item.get_attribute("class")
    assert "Crocs" in item.locator(".flag-list").inner_text()
    item.locator("textarea[name=reason]").first.fill(reason)
    item.locator("form.reason-form button:has-text('Reject')").first.click()
    page.wait_for_selector("text=Rejected; the supplier sees your reason.")
    assert page.locator(f"#product-{product['id']}").count() == 0

    supplier_context = chromium.new_context(locale="en-US")
    try:
        supplier_page = supplier_context.new_page()
        supplier_page.set_default_timeout(15_000)
        sign_in(supplier_page, live_server, owner, "/dashboard")
        supplier_page.click(".side-nav a:text-is('Products')")
        row = supplier_page.locator("tr", has_text=product["name"])
        assert "Rejected" in row.inner_text()
        assert reason in row.locator(".reject-reason").inner_text()
        row.locator(f"a:text-is('{product['name']}')").click()
        assert reason in supplier_page.locator(".alert-error").first.inner_text()
    finally:
        supplier_context.close()
