"""/products/<id>: what a buyer sees of a product, who may preview a hidden one, and
the "Send inquiry" call to action."""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlencode

import pytest
from markupsafe import escape

from marketplace.web import public_pages
from tests.factories import AdminFactory, BuyerFactory, SupplierOwnerFactory
from tests.web.public_catalog import XSS_NAME, module_shop
from tests.web.test_markup import check_markup

DASH = "\N{EN DASH}"
TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.fixture(scope="module")
def shop(app, module_connection):
    """Every test here reads the fixed shop: built once for the module."""
    return module_shop(app, module_connection)


def product_page(browser, product_id: int) -> str:
    response = browser.get(f"/products/{product_id}")
    assert response.status_code == 200, response.text
    return response.text


def test_product_page_shows_the_terms_a_buyer_needs(browser, shop):
    text = product_page(browser, shop.id("B"))

    assert '<h1 id="product-title">Plush winter slippers</h1>' in text
    assert "<title>Plush winter slippers · Sunrise Footwear" in text
    assert "<caption>Price per pair (USD), by order quantity</caption>" in text
    for quantity, price in (
        (f"1,000{DASH}4,999", "2.00"),
        (f"5,000{DASH}19,999", "1.80"),
        ("≥ 20,000", "1.65"),
    ):
        assert f"<td>{quantity}</td>\n          <td><strong>USD {price}</strong></td>" in text
    facts = {
        "MOQ": "1,000 pairs",
        "Lead time": "45 days",
        "Samples": "Available, USD 4.50 a pair · ready in 7 days",
        "Port of loading": "Xiamen",
        "Incoterms": "FOB, CIF",
        "Customization": "Color, Mold (own design)",
        "Capacity": "120,000 pairs/month",
        "HS code": "6404.19",
        "Item number": "B",
        "Pairs per carton": "40",
        "Carton size": f"62 {TIMES} 42 {TIMES} 38.5 cm",
        "Carton weight": "11.2 kg",
        "Colors": "grey",
    }
    for label, value in facts.items():
        assert f"<dt>{label}</dt><dd>{value}" in text, label
    assert '<a href="/products?material=plush">plush</a>' in text
    assert '<a href="/products?material=TPR">TPR</a>' in text
    assert '<a href="/products?category=plush-slippers">Plush and indoor slippers</a>' in text
    assert "Warm indoor slippers with an EVA footbed." in text


def test_size_chart_converts_each_size(browser, shop):
    text = product_page(browser, shop.id("B"))  # made in EU 36, 38 and 40

    header = (
        '<th scope="col">EU</th><th scope="col">US men</th><th scope="col">US women</th>'
        '<th scope="col">UK</th><th scope="col">CN (mm)</th>'
    )
    assert header in text
    assert '<tr><th scope="row">36</th><td>3</td><td>5.5</td><td>2.5</td><td>230</td></tr>' in text
    assert '<tr><th scope="row">40</th><td>7</td><td>9.5</td><td>6.5</td><td>250</td></tr>' in text
    assert '<th scope="row">37</th>' not in text
    assert f"<dt>Sizes</dt><dd>EU 36{DASH}40" in text


def test_size_chart_of_children_and_adult_sizes(browser, shop):
    text = product_page(browser, shop.id("X"))  # EU 26 to 36

    assert '<th scope="col">US kids</th>' in text and '<th scope="col">US men</th>' in text
    kids = (
        '<tr><th scope="row">26</th><td></td><td></td><td>9.5</td><td></td><td>8.5</td><td>180</td>'
    )
    assert kids in text
    youth = (
        '<tr><th scope="row">34</th><td></td><td></td><td>2.5Y</td><td></td><td>2Y</td><td>220</td>'
    )
    assert youth in text
    assert '<tr><th scope="row">36</th><td>3</td><td>5.5</td><td></td><td>2.5</td><td></td>' in text


def test_supplier_card_shows_verification_and_response_rate(browser, shop):
    text = product_page(browser, shop.id("B"))

    card = text[text.index('<aside class="card supplier-box"') :]
    assert f'<a href="/suppliers/{shop.sunrise.id}">Sunrise Footwear</a>' in card
    assert "Verified by the platform" in card
    assert "<dt>Response rate</dt><dd>88%</dd>" in card
    assert "<dt>Replies in</dt><dd>5.5 h (median)</dd>" in card
    assert "<dt>Location</dt><dd>Neikeng, Jinjiang, Fujian, China</dd>" in card
    years = date.today().year - 2006
    assert f"<dt>In business</dt><dd>{years} years</dd>" in card
    assert "<dt>Main markets</dt><dd>United States, Philippines, South Africa</dd>" in card

    unverified = product_page(browser, shop.id("A"))
    assert "Not yet verified" in unverified
    assert "<dt>Response rate</dt><dd>No inquiries yet</dd>" in unverified


def test_photos_are_a_gallery_without_javascript(browser, shop):
    text = product_page(browser, shop.id("B"))

    assert text.count('class="gallery-radio"') == 2
    assert '<label for="photo-2" class="gallery-thumb">' in text
    assert text.count('<figure class="gallery-photo') == 2
    check_markup(text)
    one_photo = product_page(browser, shop.id("A"))
    assert "gallery-radio" not in one_photo and one_photo.count("gallery-photo photo-1") == 1
    assert "No photo yet" in product_page(browser, shop.id("C"))


def test_product_text_is_escaped(browser, shop):
    text = product_page(browser, shop.id("X"))

    assert str(escape(XSS_NAME)) in text
    assert "&lt;img src=x&gt; lined &lt;b&gt;winter&lt;/b&gt; clogs" in text
    assert "&lt;i&gt;pink&lt;/i&gt;" in text
    check_markup(text)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_product_page_fits_the_markup_rules(browser, shop, language):
    response = browser.get(f"/products/{shop.id('B')}", headers={"Accept-Language": language})
    check_markup(response.text)


def test_chinese_page_names_the_category_in_chinese(browser, shop):
    text = browser.get(f"/products/{shop.id('B')}", headers={"Accept-Language": "zh-CN"}).text
    assert '<a href="/products?category=plush-slippers">毛绒室内拖鞋</a>' in text


# Who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["draft", "pending_review", "rejected", "archived", "suspended"])
def test_hidden_products_are_404_for_the_public(browser, signed_in, shop, key):
    product_id = shop.id(key)
    other_company = SupplierOwnerFactory(supplier=shop.ocean)
    for client in (browser, signed_in(BuyerFactory()), signed_in(other_company)):
        response = client.get(f"/products/{product_id}")
        assert response.status_code == 404
        assert "Zebra" not in response.text


@pytest.mark.parametrize("key", ["draft", "rejected", "suspended"])
def test_own_company_and_admins_preview_a_hidden_product(signed_in, shop, key):
    for user in (SupplierOwnerFactory(supplier=shop.sunrise), AdminFactory()):
        response = signed_in(user).get(f"/products/{shop.id(key)}")

        assert response.status_code == 200
        assert "Preview: buyers cannot see this product." in response.text
        assert f'<span class="badge status-{key}">' in response.text
        assert '<meta name="robots" content="noindex">' in response.text
        assert "Buyers cannot see this page yet." in response.text  # no inquiry button
        check_markup(response.text)


def test_suspended_company_product_is_404_but_its_team_sees_why(browser, signed_in, shop):
    path = f"/products/{shop.id('shadow')}"
    assert browser.get(path).status_code == 404
    assert signed_in(BuyerFactory()).get(path).status_code == 404

    team = signed_in(SupplierOwnerFactory(supplier=shop.shadow)).get(path)
    assert team.status_code == 200
    assert "The company is suspended, so all of its products are hidden." in team.text


def test_public_product_has_no_preview_banner(browser, shop):
    text = product_page(browser, shop.id("B"))
    assert "Preview" not in text
    assert "noindex" not in text
    assert f'<link rel="canonical" href="http://localhost/products/{shop.id("B")}">' in text


@pytest.mark.parametrize("path", ["/products/999999", "/products/2147483648", "/products/0x1"])
def test_missing_products_are_404(browser, shop, path):
    response = browser.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


# Send inquiry ---------------------------------------------------------------------------


def inquiry_box(text: str) -> str:
    start = text.index('<div class="inquiry-cta">')
    return text[start : text.index("</div>", start)]


@pytest.fixture
def inquiry_form(monkeypatch):
    """The inquiry pages' form, as if they were there (they are built separately)."""
    monkeypatch.setattr(
        public_pages,
        "new_inquiry_url",
        lambda **target: "/buyer/inquiries/new?" + urlencode(target),
    )


@pytest.fixture
def no_inquiry_form(monkeypatch):
    monkeypatch.setattr(public_pages, "new_inquiry_url", lambda **target: None)


def test_buyer_gets_a_link_to_the_inquiry_form(signed_in, shop, inquiry_form):
    box = inquiry_box(product_page(signed_in(BuyerFactory()), shop.id("B")))
    assert f'href="/buyer/inquiries/new?product_id={shop.id("B")}">Send inquiry</a>' in box


def test_visitor_signs_in_first_then_reaches_the_form(browser, shop, inquiry_form):
    box = html.unescape(inquiry_box(product_page(browser, shop.id("B"))))
    assert f"/login?next=/buyer/inquiries/new?product_id%3D{shop.id('B')}" in box
    assert "Sign in with a buyer account" in box


def test_visitor_signs_in_and_comes_back_while_there_is_no_form(browser, shop, no_inquiry_form):
    box = html.unescape(inquiry_box(product_page(browser, shop.id("B"))))
    assert f'href="/login?next=/products/{shop.id("B")}"' in box


def test_buyer_sees_a_disabled_button_while_there_is_no_form(signed_in, shop, no_inquiry_form):
    box = inquiry_box(product_page(signed_in(BuyerFactory()), shop.id("B")))
    assert "<button" in box and "disabled" in box
    assert "Inquiries open soon." in box


@pytest.mark.parametrize("factory", [SupplierOwnerFactory, AdminFactory])
def test_suppliers_and_admins_cannot_send_inquiries(signed_in, shop, inquiry_form, factory):
    box = inquiry_box(product_page(signed_in(factory()), shop.id("B")))
    assert "disabled" in box and "/buyer/inquiries/new" not in box
    assert "Only buyer accounts send inquiries." in box


def test_inquiry_link_follows_the_registered_endpoint(app, shop):
    with app.test_request_context():
        url = public_pages.new_inquiry_url(product_id=shop.id("B"))
        if public_pages.INQUIRY_ENDPOINT in app.view_functions:
            assert url is not None and f"product_id={shop.id('B')}" in url
        else:
            assert url is None
