"""In Chromium: a buyer posts an RFQ, a matching factory quotes, the buyer compares the
quotations and accepts one after the confirmation page."""

from __future__ import annotations

import re

from marketplace import transaction


def publish_product(live_app, owner_id: int) -> str:
    """A published EVA clog in the owner's catalog (as an admin would approve it)."""
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from tests.catalog.support import make_product

    with live_app.test_request_context():
        owner = db.session.get(User, owner_id)
        from marketplace.catalog.models import ProductStatus

        product = make_product(
            owner.supplier,
            ProductStatus.PUBLISHED,
            sku=f"BR-CLOG-{owner_id}",
            name="Garden clogs, EVA, unisex",
            category="clogs",
            materials=["EVA"],
            moq=2000,
            price_tiers=[
                {"min_qty": 2000, "unit_price": "2.40"},
                {"min_qty": 10000, "unit_price": "2.10"},
            ],
        )
        name = owner.supplier.name
        transaction.commit()
        assert product.id
        db.session.remove()
    return name


def sign_in(page, live_server, user, landing):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", user["email"])
    page.fill("input[name=password]", user["password"])
    page.click("form[action^='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server}{landing}")


def test_buyer_posts_supplier_quotes_buyer_compares_and_accepts(
    chromium, live_server, live_app, make_user
):
    factory = make_user("supplier", company_name="Jinjiang Browser Clogs Co., Ltd.")
    factory_name = publish_product(live_app, factory["id"])
    buyer = make_user("buyer", name="Thabo Nkosi", country="ZA")

    buyer_page = chromium.new_context(locale="en-US").new_page()
    buyer_page.set_default_timeout(15_000)
    sign_in(buyer_page, live_server, buyer, "/buyer")
    buyer_page.click(".side-nav a:text-is('My RFQs')")
    buyer_page.click(".dashboard-header a:has-text('Post an RFQ')")
    buyer_page.fill("input[name=title]", "Garden clogs for Cape Town")
    buyer_page.select_option("select[name=category]", "clogs")
    buyer_page.fill("input[name=quantity]", "12000")
    buyer_page.check("input[name=materials][value=EVA]")
    buyer_page.fill("input[name=target_unit_price]", "2.30")
    buyer_page.select_option("select[name=incoterm]", "CIF")
    buyer_page.fill("textarea[name=description]", "Sizes 36-45, green and navy.")
    assert buyer_page.input_value("select[name=destination_country]") == "ZA"
    buyer_page.click("form.rfq-form button[type=submit]")
    buyer_page.wait_for_selector("text=RFQ posted and sent to")
    rfq_url = buyer_page.url
    rfq_id = re.search(r"/buyer/rfqs/(\d+)$", rfq_url).group(1)
    assert "No quotations yet." in buyer_page.content()

    supplier_page = chromium.new_context(locale="en-US").new_page()
    supplier_page.set_default_timeout(15_000)
    sign_in(supplier_page, live_server, factory, "/dashboard")
    supplier_page.click(".side-nav a:text-is('RFQs and quotations')")
    supplier_page.click(f"a[href='/dashboard/rfqs/{rfq_id}']")
    assert "Makes EVA (1 of 1 asked)." in supplier_page.content()
    supplier_page.fill("input[name=unit_price]", "2.15")
    supplier_page.fill("input[name=moq]", "3000")
    supplier_page.fill("input[name=lead_time_days]", "40")
    supplier_page.fill("textarea[name=notes]", "Two colours, logo on the strap included.")
    supplier_page.click("form.quote-form button[type=submit]")
    supplier_page.wait_for_selector("text=Quotation sent to the buyer.")

    buyer_page.click(".side-nav a:text-is('Compare quotations')")
    buyer_page.click(f"a[href='/buyer/rfqs/{rfq_id}#compare']")
    row = buyer_page.locator("table.compare-table tr.quotation-row", has_text=factory_name)
    assert "2.15" in row.inner_text()
    assert "25,800.00" in row.inner_text()  # 12,000 pairs x 2.15
    row.locator("a:has-text('Accept')").click()
    buyer_page.wait_for_selector("text=Accept this quotation?")
    buyer_page.click("button:has-text('Yes, accept this quotation')")
    buyer_page.wait_for_selector(f"text=You accepted the quotation of {factory_name}.")
    assert buyer_page.url == rfq_url
    assert "Awarded" in buyer_page.inner_text(".dashboard-header")
    assert buyer_page.locator("a:has-text('Accept')").count() == 0

    supplier_page.reload()
    assert "The buyer accepted your quotation." in supplier_page.content()
    supplier_page.context.close()
    buyer_page.context.close()
