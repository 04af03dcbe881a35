"""/suppliers and /suppliers/<id>: the directory with the API's filters, and a company's
profile, certifications and published products."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pytest

from marketplace.web import public_pages
from tests.factories import AdminFactory, BuyerFactory, SupplierOwnerFactory
from tests.web.public_catalog import listed_products, listed_suppliers, module_shop, walk
from tests.web.test_markup import check_markup


@pytest.fixture(scope="module")
def shop(app, module_connection):
    """Every test here reads the fixed shop: built once for the module."""
    return module_shop(app, module_connection)


def directory(browser, **params) -> str:
    response = browser.get(f"/suppliers?{urlencode(params)}")
    assert response.status_code == 200, response.text
    return response.text


def api_ids(api, **params) -> list[int]:
    response = api.get(f"/api/v1/suppliers?{urlencode(params)}")
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ("ocean", "sunrise")),
        ({"verified": "true"}, ("sunrise",)),
        ({"verified": "false"}, ("ocean",)),
        ({"certification": "BSCI"}, ("sunrise",)),
        ({"certification": "ISO 9001"}, ()),  # expired
        ({"market": "VN"}, ("ocean",)),
        ({"market": "de"}, ()),  # only the suspended company sells there
        ({"q": "ocean"}, ("ocean",)),
        ({"q": "shadow"}, ()),
    ],
)
def test_directory_lists_what_the_api_finds(browser, api, shop, params, expected):
    text = directory(browser, **params)

    found = listed_suppliers(text)
    assert found == [getattr(shop, key).id for key in expected]
    assert found == api_ids(api, **params)
    assert "Shadow Traders" not in text


def test_directory_cards_show_what_buyers_compare(browser, shop):
    text = directory(browser, verified="true")

    card = text[text.index('<article class="supplier-card">') :]
    assert '<span class="badge badge-ok">Verified</span>' in card
    assert '<span class="badge">BSCI</span>' in card
    assert '<span class="badge">ISO 9001</span>' not in card  # expired: not shown as held
    assert "<dt>Response rate</dt><dd>88%</dd>" in card
    assert "<dt>Capacity</dt><dd>600,000 pairs/month</dd>" in card
    assert "<dt>Main markets</dt><dd>United States, Philippines, South Africa</dd>" in card
    assert f'<a href="/suppliers/{shop.sunrise.id}#products">2</a>' in card  # B and C
    assert '<option value="true" selected>Verified only</option>' in text


def test_directory_pages_walk_every_active_supplier_once(browser, shop):
    seen = walk(browser, "/suppliers?limit=1", lister=listed_suppliers)
    assert seen == [shop.ocean.id, shop.sunrise.id]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"market": "XX"}, "Export market: Not an ISO 3166-1 alpha-2 country code."),
        ({"verified": "maybe"}, "Verified suppliers: Not a valid boolean."),
        ({"cursor": "forged"}, "Page: Invalid cursor."),
        ({"limit": "0"}, "Results per page: Must be greater than or equal to 1"),
    ],
)
def test_directory_bad_parameters_show_the_error(browser, shop, params, message):
    response = browser.get(f"/suppliers?{urlencode(params)}")

    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert listed_suppliers(response.text) == []
    check_markup(response.text)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_directory_fits_the_markup_rules(browser, shop, language):
    for path in ("/suppliers", "/suppliers?q=nobody"):
        check_markup(browser.get(path, headers={"Accept-Language": language}).text)


def test_an_empty_directory_search_is_not_indexed(browser, shop):
    text = directory(browser, q="nobody")
    assert "No supplier matches these filters" in text
    assert '<meta name="robots" content="noindex">' in text


# The supplier page ---------------------------------------------------------------------


def supplier_page(client, supplier_id: int, query: str = "") -> str:
    response = client.get(f"/suppliers/{supplier_id}{query}")
    assert response.status_code == 200, response.text
    return response.text


def test_supplier_page_shows_the_profile(browser, shop):
    text = supplier_page(browser, shop.sunrise.id)

    assert "<h1>Sunrise Footwear</h1>" in text
    assert "<title>Sunrise Footwear · slipper factory in Neikeng, Jinjiang" in text
    assert '<span class="badge badge-ok">Verified by the platform</span>' in text
    assert "88%" in text and "(replies within 24 hours, last 30 days)" in text
    assert "<dt>Employees</dt><dd>240</dd>" in text
    assert "<dt>Capacity</dt><dd>600,000 pairs/month</dd>" in text
    assert "<dt>Main markets</dt><dd>United States, Philippines, South Africa</dd>" in text
    assert "<dt>Established</dt><dd>2006 (" in text
    check_markup(text)


def test_certifications_show_their_validity(browser, shop):
    text = supplier_page(browser, shop.sunrise.id)
    table = text[text.index('id="certifications-title"') :]

    bsci = table[table.index(">BSCI") : table.index("</tr>", table.index(">BSCI"))]
    assert "amfori" in bsci and "Jun 30, 2099" in bsci and "Expired" not in bsci
    iso = table[table.index(">ISO 9001") : table.index("</tr>", table.index(">ISO 9001"))]
    assert "Jan 31, 2020" in iso and '<span class="badge badge-danger">Expired</span>' in iso


def test_supplier_page_lists_only_its_published_products(browser, shop):
    text = supplier_page(browser, shop.sunrise.id)

    assert set(listed_products(text)) == shop.ids("B", "C")
    assert '<h2 id="products-title">Products <span class="count">(2)</span></h2>' in text
    assert "Zebra" not in text  # its draft, pending, rejected, archived, suspended products


def test_supplier_products_are_paged(browser, shop, monkeypatch):
    monkeypatch.setattr(public_pages, "SUPPLIER_PRODUCTS_PER_PAGE", 2)

    seen = walk(browser, f"/suppliers/{shop.ocean.id}")
    assert seen == [shop.id("X"), shop.id("D"), shop.id("A")]


def test_supplier_products_by_category(browser, shop):
    all_products = supplier_page(browser, shop.ocean.id)
    chip = (
        f'<a class="chip" href="/suppliers/{shop.ocean.id}?category=clogs#products">Clogs (1)</a>'
    )
    assert chip in all_products

    clogs = supplier_page(browser, shop.ocean.id, "?category=clogs")
    assert listed_products(clogs) == [shop.id("X")]
    assert '<span class="chip chip-current" aria-current="true">Clogs (1)</span>' in clogs
    assert "Slides (1)</a>" in clogs  # the other categories stay offered
    assert '<span class="count">(3)</span>' in clogs


def test_supplier_page_refuses_a_forged_cursor(browser, shop):
    assert browser.get(f"/suppliers/{shop.ocean.id}?cursor=forged").status_code == 422


def test_suspended_supplier_is_404_except_for_its_team_and_admins(browser, signed_in, shop):
    path = f"/suppliers/{shop.shadow.id}"
    assert browser.get(path).status_code == 404
    assert signed_in(BuyerFactory()).get(path).status_code == 404
    assert signed_in(SupplierOwnerFactory(supplier=shop.ocean)).get(path).status_code == 404

    for user in (SupplierOwnerFactory(supplier=shop.shadow), AdminFactory()):
        text = supplier_page(signed_in(user), shop.shadow.id)
        assert "Preview: this company is suspended." in text
        assert '<meta name="robots" content="noindex">' in text
        assert listed_products(text) == []
        assert "The products of a suspended company are hidden." in text


@pytest.mark.parametrize("path", ["/suppliers/999999", "/suppliers/2147483648"])
def test_missing_suppliers_are_404(browser, shop, path):
    assert browser.get(path).status_code == 404


# Home --------------------------------------------------------------------------------------


def test_home_shows_categories_with_live_counts(browser, shop):
    text = browser.get("/").text

    for slug, name, count in (
        ("slides", "Slides", "1 product"),
        ("plush-slippers", "Plush and indoor slippers", "1 product"),
        ("clogs", "Clogs", "1 product"),
        ("eva-slippers", "EVA slippers", "0 products"),
    ):
        tile = text[text.index(f'<a class="tile" href="/products?category={slug}">') :]
        tile = tile[: tile.index("</a>")]
        assert f"<strong>{name}</strong>" in tile
        assert f'<span class="tile-count">{count}</span>' in tile
    assert '<a href="/products">All 5 products</a>' in text


def test_home_features_verified_suppliers_only(browser, shop):
    text = browser.get("/").text

    section = text[text.index('id="suppliers-title"') :]
    assert listed_suppliers(section) == [shop.sunrise.id]
    assert "Ocean Shoes" not in text and "Shadow Traders" not in text


def test_home_in_chinese_names_categories_in_chinese(browser, shop):
    text = browser.get("/", headers={"Accept-Language": "zh-CN"}).text
    assert "<strong>一字拖</strong>" in text
    check_markup(text)


def test_category_links_in_the_header_find_products(browser, shop):
    text = browser.get("/").text
    bar = text[
        text.index('<nav class="category-bar"') : text.index("</nav>", text.index("category-bar"))
    ]
    slugs = [part.split('"')[0] for part in bar.split('href="/products?category=')[1:]]

    assert len(slugs) == 6
    known = {c["slug"] for c in browser.client.get("/api/v1/categories").json}
    assert set(slugs) <= known
    assert "slides" in slugs and "plush-slippers" in slugs
    assert shop.id("A") in listed_products(browser.get("/products?category=slides").text)


def test_buyer_contacts_the_supplier_from_its_page(signed_in, shop, monkeypatch):
    monkeypatch.setattr(
        public_pages,
        "new_inquiry_url",
        lambda **target: "/buyer/inquiries/new?" + urlencode(target),
    )
    text = supplier_page(signed_in(BuyerFactory()), shop.sunrise.id)
    link = f'href="/buyer/inquiries/new?supplier_id={shop.sunrise.id}">Contact supplier</a>'
    assert link in text
    other = supplier_page(signed_in(SupplierOwnerFactory(supplier=shop.ocean)), shop.sunrise.id)
    assert "Only buyer accounts send inquiries." in other and "/buyer/inquiries/new" not in other
