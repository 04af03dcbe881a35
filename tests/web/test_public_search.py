"""/products: the search page lists what GET /api/v1/products finds, with facet links,
filters, paging and shareable URLs, on the fixed catalog of tests/web/public_catalog.py."""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

import pytest
from markupsafe import escape

from tests.web.public_catalog import (
    XSS_NAME,
    listed_products,
    module_shop,
    next_link,
    walk,
)
from tests.web.test_markup import check_markup

DASH = "\N{EN DASH}"


@pytest.fixture(scope="module")
def shop(app, module_connection):
    """Every test here reads the fixed shop: built once for the module."""
    return module_shop(app, module_connection)


def page(browser, **params):
    response = browser.get(f"/products?{urlencode(params)}")
    assert response.status_code == 200, response.text
    return response.text


def api_ids(api, **params) -> list[int]:
    response = api.get(f"/api/v1/products?{urlencode(params)}")
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


SEARCHES = [
    ({}, ("X", "D", "C", "B", "A")),
    ({"q": "EVA slide"}, ("A",)),
    ({"q": "slippers"}, ("B", "C")),
    ({"category": "slides"}, ("A",)),
    ({"category": "no-such-category"}, ()),
    ({"material": "EVA"}, ("X", "A")),
    ({"material": "plush"}, ("X", "B")),
    ({"color": "grey"}, ("B",)),
    ({"size": "45"}, ("C",)),
    ({"max_moq": "1000"}, ("X", "B", "A")),
    ({"quantity": "2500"}, ("X", "D", "B", "A")),
    ({"quantity": "2500", "max_price": "1.20"}, ("D", "A")),
    ({"max_lead_time_days": "20"}, ("D", "A")),
    ({"verified": "true"}, ("C", "B")),
    ({"verified": "false"}, ("X", "D", "A")),
    ({"certification": "BSCI"}, ("C", "B")),
    ({"certification": "ISO 9001"}, ()),  # Sunrise's ISO 9001 has expired
    ({"customization": "logo"}, ("C", "A")),
    ({"sort": "price_asc"}, ("D", "C", "A", "B", "X")),
    ({"sort": "moq_asc"}, ("A", "X", "B", "D", "C")),
    ({"q": "slippers", "verified": "true", "max_moq": "1000"}, ("B",)),
]


@pytest.mark.parametrize(("params", "expected"), SEARCHES)
def test_the_page_lists_what_the_api_finds(browser, api, shop, params, expected):
    text = page(browser, **params)

    found = listed_products(text)
    assert set(found) == shop.ids(*expected)
    assert found == api_ids(api, **params)  # the same order too
    if "sort" in params:
        assert found == [shop.id(key) for key in expected]
    count = len(expected)
    assert f"{count} product{'s' if count != 1 else ''}</p>" in text


def test_every_search_page_fits_the_markup_rules(browser, shop):
    for path in ("/products", "/products?q=eva", "/products?q=nothing-like-it", "/products?size=x"):
        for language in ("en", "zh-CN"):
            response = browser.get(path, headers={"Accept-Language": language})
            check_markup(response.text)


# Facets and filters ---------------------------------------------------------------------


def test_facets_are_links_with_counts(browser, shop):
    text = page(browser)

    assert '<a href="/products?category=slides">Slides</a> <span class="count">(1)</span>' in text
    assert '<a href="/products?material=EVA">EVA</a> <span class="count">(2)</span>' in text
    assert '<a href="/products?material=plush">plush</a> <span class="count">(2)</span>' in text
    assert (
        '<a href="/products?verified=true">Verified suppliers</a> <span class="count">(2)</span>'
        in text
    )
    assert '<a href="/products?verified=false">Not yet verified</a> <span class="count">(3)' in text


def test_a_facet_link_narrows_the_results_and_can_be_removed(browser, shop):
    text = page(browser, q="slippers")
    assert set(listed_products(text)) == shop.ids("B", "C")
    link = '<a href="/products?q=slippers&amp;material=PVC">PVC</a>'
    assert link in text

    narrowed = page(browser, q="slippers", material="PVC")
    assert listed_products(narrowed) == [shop.id("C")]
    assert '<span class="facet-current" aria-current="true">PVC</span>' in narrowed
    assert 'href="/products?q=slippers" aria-label="Remove filter Material: PVC"' in narrowed
    assert '<input type="hidden" name="material" value="PVC">' in narrowed  # kept by the form


def test_category_names_follow_the_page_language(browser, shop):
    text = browser.get("/products", headers={"Accept-Language": "zh-CN"}).text
    assert '<a href="/products?category=slides">一字拖</a>' in text


def test_price_at_the_buyers_quantity_is_shown(browser, shop):
    text = page(browser, q="sandals", quantity="2500")
    assert "<strong>USD 1.20</strong>" in text
    assert "/ pair at 2,500 pairs" in text

    without = page(browser, q="sandals")
    assert f"<strong>USD 1.20{DASH}1.50</strong>" in without


def test_result_cards_show_the_supplier_and_the_terms(browser, shop):
    text = page(browser, q="plush winter slippers")

    assert listed_products(text) == [shop.id("B")]
    assert f"<strong>USD 1.65{DASH}2.00</strong>" in text
    assert "<dd>1,000 pairs</dd>" in text
    assert "<dd>45 days</dd>" in text
    assert f'<a href="/suppliers/{shop.sunrise.id}">Sunrise Footwear</a>' in text
    assert "Verified</span>" in text
    assert "Response rate: 88%" in text
    assert '<img src="/media/products/' in text  # B's first photo, as a thumbnail


def test_sort_choices_offer_best_match_only_with_words(browser, shop):
    assert '<option value="relevance" selected>Best match</option>' in page(browser, q="eva")
    plain = page(browser)
    assert 'value="relevance"' not in plain
    assert '<option value="newest" selected>Newest</option>' in plain
    assert '<option value="price_asc" selected>' in page(browser, sort="price_asc")


# Paging ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{"limit": "2"}, {"limit": "1", "sort": "price_asc"}, {"limit": "1", "q": "slippers"}],
)
def test_paging_walks_every_result_exactly_once(browser, api, shop, params):
    seen = walk(browser, f"/products?{urlencode(params)}")

    assert len(seen) == len(set(seen))
    everything = {k: v for k, v in params.items() if k != "limit"}
    assert seen == api_ids(api, **everything)


def test_next_page_link_keeps_the_filters(browser, shop):
    text = page(browser, material="EVA", limit="1")
    link = next_link(text)
    assert link.startswith("/products?material=EVA&limit=1&cursor=")
    second = browser.get(link).text
    assert listed_products(second) == [shop.id("A")]
    assert next_link(second) is None
    assert 'href="/products?material=EVA&amp;limit=1">First page</a>' in second


# Hidden products --------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["", "zebra", "slide", "eva"])
def test_hidden_products_are_never_listed(browser, shop, q):
    seen = walk(browser, f"/products?{urlencode({'q': q, 'limit': 2})}")

    assert set(seen) <= shop.visible
    assert "Zebra" not in page(browser, q=q)
    assert "Shadow Traders" not in page(browser, q=q)


def test_filtering_by_a_suspended_supplier_lists_nothing(browser, shop):
    text = page(browser, supplier_id=str(shop.shadow.id))
    assert listed_products(text) == []
    assert "No products match your search" in text


# Text: escaping, CJK, spelling, empty -------------------------------------------------------


def test_product_text_is_escaped(browser, shop):
    response = browser.get("/products?q=clogs")

    assert listed_products(response.text) == [shop.id("X")]
    assert str(escape(XSS_NAME)) in response.text
    check_markup(response.text)  # no <script> anywhere on the page


def test_an_html_query_is_shown_as_text(browser, shop):
    response = browser.get("/products?" + urlencode({"q": '"><script>alert(1)</script>'}))

    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    check_markup(response.text)


def test_cjk_query_round_trips(browser, shop):
    text = page(browser, q="人字拖")

    assert listed_products(text) == [shop.id("D")]
    assert 'name="q" type="search" maxlength="200" value="人字拖"' in text
    assert "<h1>Results for “人字拖”</h1>" in text
    assert "<title>“人字拖” slippers from Neikeng factories" in text
    assert f'href="/products?q={quote("人字拖")}&amp;category=flip-flops"' in text
    assert "夏季人字拖 rubber flip-flops" in text


def test_a_misspelled_word_shows_what_was_searched_instead(browser, shop):
    text = page(browser, q="slipers")

    assert set(listed_products(text)) == shop.ids("B", "C")
    assert "No exact match for “slipers”. Showing similar words:" in text


def test_no_results_suggests_what_to_do_and_is_not_indexed(browser, shop):
    text = page(browser, q="slipers", material="rubber")

    assert listed_products(text) == []
    assert "No products match your search" in text
    assert "Did you mean" in text and 'href="/products?q=slipper' in text
    assert '<a href="/products?q=slipers">Material: rubber</a>' in text
    assert '<a href="/products?category=slides">Slides</a>' in text  # browse a category
    assert '<meta name="robots" content="noindex">' in text
    assert "noindex" not in page(browser, q="slippers")


def test_canonical_url_leaves_out_the_page_and_its_size(browser, shop):
    first = page(browser, q="eva", limit="1")
    second = browser.get(next_link(first)).text

    for text in (first, second):
        assert '<link rel="canonical" href="http://localhost/products?q=eva">' in text
    assert "<title>“eva” slippers from Neikeng factories" in first
    assert '<meta name="description" content="3 products from factories in Neikeng' in first


# Bad parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_moq": "abc"}, "Highest MOQ: Not a valid integer."),
        ({"max_moq": "99999999999"}, "Highest MOQ: Must be greater than or equal to 1"),
        ({"quantity": "0"}, "Your quantity: Must be greater than or equal to 1"),
        ({"size": "17.3"}, "EU size: EU sizes come in whole or half sizes."),
        ({"max_price": "-1"}, "Highest unit price:"),
        ({"verified": "maybe"}, "Verified suppliers: Not a valid boolean."),
        ({"sort": "cheapest"}, "Sort by: Must be one of"),
        ({"customization": "glitter"}, "Customization: Must be one of"),
        ({"limit": "1000"}, "Results per page: Must be greater than or equal to 1"),
        ({"q": "slipper " * 250}, "Search words: Longer than maximum length 200."),
        ({"cursor": "forged"}, "Page: Invalid cursor."),
        ({"supplier_id": "-5"}, "Supplier: Must be greater than or equal to 1"),
    ],
)
def test_bad_parameters_show_the_error_on_the_page(browser, api, shop, params, message):
    response = browser.get(f"/products?{urlencode(params)}")

    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert message in html.unescape(response.text)
    assert '<meta name="robots" content="noindex">' in response.text
    assert listed_products(response.text) == []
    check_markup(response.text)
    assert api.get(f"/api/v1/products?{urlencode(params)}").status_code == 422  # the same rule


def test_a_cursor_from_another_sort_is_refused(browser, shop):
    cursor = next_link(page(browser, limit="1", sort="price_asc")).split("cursor=")[1]
    response = browser.get(f"/products?limit=1&sort=moq_asc&cursor={cursor}")
    assert response.status_code == 422
    assert 'href="/products?sort=moq_asc&amp;limit=1">Start again from the first page' in (
        response.text
    )


def test_nul_in_the_query_is_a_bad_request(browser, shop):
    assert browser.get("/products?q=eva%00").status_code == 400


def test_blank_and_unknown_parameters_are_ignored(browser, shop):
    text = page(browser, q="", max_moq="", quantity="  ", utm_source="newsletter")

    assert set(listed_products(text)) == shop.visible
    assert '<link rel="canonical" href="http://localhost/products">' in text
    assert 'href="/products?category=slides"' in text  # the facet links drop them too
