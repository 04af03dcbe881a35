"""Supplier staff in Chromium: sign in, create a product, add a photo, submit it."""

from PIL import Image

from marketplace import transaction


def add_staff(live_app, owner_id: int) -> dict:
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.suppliers import services

    with live_app.test_request_context():
        owner = db.session.get(User, owner_id)
        staff = services.add_staff(
            owner.supplier,
            email=f"staff-{owner_id}@browser.example",
            name="Lin Xiaohong",
            password="browser-staff-password-1",
        )
        transaction.commit()
        result = {"email": staff.email, "password": "browser-staff-password-1"}
        db.session.remove()
    return result


def test_staff_creates_product_with_photo_and_submits_it(
    page, live_server, live_app, make_user, tmp_path
):
    owner = make_user("supplier", company_name="Jinjiang Browser Slippers Co., Ltd.")
    staff = add_staff(live_app, owner["id"])

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", staff["email"])
    page.fill("input[name=password]", staff["password"])
    page.click("form[action^='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard")

    page.click(".side-nav a:text-is('Products')")
    page.click(".dashboard-header a:has-text('Add a product')")
    page.fill("input[name=sku]", "BR-FF-001")
    page.select_option("select[name=category]", "flip-flops")
    page.fill("input[name=name]", "Unisex rubber flip-flops, printed strap")
    page.check("input[name=materials][value=rubber]")
    page.fill("input[name=size_from]", "36")
    page.fill("input[name=size_to]", "44")
    page.fill("input[name=moq]", "3000")
    page.fill("input[name='price_tiers-0-min_qty']", "3000")
    page.fill("input[name='price_tiers-0-unit_price']", "0.85")
    page.fill("input[name='price_tiers-1-min_qty']", "10000")
    page.fill("input[name='price_tiers-1-unit_price']", "0.72")
    page.check("input[name=incoterms][value=FOB]")
    page.fill("input[name=hs_code]", "6402.20")
    page.click("form.product-form button[type=submit]")
    page.wait_for_selector("text=saved as a draft")
    assert "Draft" in page.inner_text(".dashboard-header")

    photo = tmp_path / "flipflop.png"
    Image.new("RGB", (800, 600), (30, 90, 160)).save(photo)
    page.set_input_files("input[name=file]", str(photo))
    page.click("form.upload-form button[type=submit]")
    page.wait_for_selector("text=Photo uploaded.")
    assert page.locator(".photo-list img").count() == 1

    page.click("button:has-text('Submit for review')")
    page.wait_for_selector("text=Submitted for review.")
    assert "Pending review" in page.inner_text(".dashboard-header")

    page.goto(f"{live_server}/dashboard/products?status=pending_review")
    assert "Unisex rubber flip-flops, printed strap" in page.content()
