"""GET /api/v1/products: relevance, filters, facets, pages and hidden products, on the
fixed catalog of tests/search/conftest.py (both databases)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.catalog import services
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.search import counting as search_counting
from marketplace.search import paging as search_paging
from marketplace.search import services as search_services
from marketplace.suppliers.models import SupplierStatus
from tests.catalog.support import make_product

URL = "/api/v1/products"


# Every test runs on the module's connection (SQLite: a second connection could not write
# while the module's transaction holds the catalog), every test but the spec's reads the
# fixed catalog, built once.
pytestmark = pytest.mark.usefixtures("module_connection")


@pytest.fixture
def catalog(module_catalog):
    return module_catalog


def search(api, **params):
    response = api.get(f"{URL}?{urlencode(params)}")
    assert response.status_code == 200, response.json
    return response.json


def ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def walk(api, cursor=None, **params) -> list[int]:
    """Every page of a search (from ``cursor``), following next_cursor."""
    seen = []
    for _ in range(50):
        body = search(api, **params, **({"cursor": cursor} if cursor else {}))
        seen += ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination never ended")


# Relevance ---------------------------------------------------------------------------


def test_best_match_first_then_verified_then_response_rate(api, catalog):
    body = search(api, q="eva")
    # A has EVA in its name; the twins in category and materials (verified T1 first,
    # then T3 at 95 % response rate, then T2 at 50 %); B only in its description.
    assert ids(body) == [catalog.id(k) for k in ("A", "T1", "T3", "T2", "B")]
    assert body["total"] == 5
    assert body["total_is_estimate"] is False


def test_every_word_must_match(api, catalog):
    assert ids(search(api, q="EVA slide")) == [catalog.id("A")]
    assert ids(search(api, q="bathroom slippers")) == [catalog.id("C")]


def test_partial_words_and_diacritics_match(api, catalog):
    assert set(ids(search(api, q="massa"))) == catalog.ids("T1", "T2", "T3")
    assert set(ids(search(api, q="Slîppérs"))) == catalog.ids("B", "C", "T1", "T2", "T3")


def test_supplier_name_is_searchable(api, catalog):
    assert set(ids(search(api, q="harbor"))) == catalog.ids("T3")


def test_misspelled_word_finds_the_catalog_word(api, catalog):
    body = search(api, q="slipers")
    assert set(ids(body)) == catalog.ids("B", "C", "T1", "T2", "T3")
    assert "slipers" in body["spelling"]
    assert search(api, q="slippers")["spelling"] is None


def test_cjk_queries(api, catalog):
    assert ids(search(api, q="人字拖")) == [catalog.id("D")]
    # Category names in Chinese: EVA拖鞋, 毛绒室内拖鞋, 浴室防滑拖鞋.
    assert set(ids(search(api, q="拖鞋"))) == catalog.ids("B", "C", "T1", "T2", "T3")
    assert ids(search(api, q="橡胶")) == [catalog.id("D")]  # rubber, in Chinese
    assert ids(search(api, q="夏季")) == [catalog.id("D")]


def test_emoji_queries(api, catalog):
    body = search(api, q="🩴")
    assert body["items"] == [] and body["total"] == 0
    assert ids(search(api, q="🩴 rubber")) == [catalog.id("D")]


@pytest.mark.parametrize(
    "q",
    [
        "' OR 1=1 --",
        "'; DROP TABLE products; --",
        '"foo" NEAR bar*',
        "NEAR(eva slide, 2)",
        "eva:*",
        ":*",
        "&|!",
        "!eva & (slide | zebra)",
        "{name}: zebra",
        "tags : sz370",
        "eva AND NOT zebra",
        "^eva",
        "\\x00 \\",
        "slide OR zebra",
        "-zebra",
    ],
)
def test_query_syntax_is_plain_text(api, catalog, q):
    body = search(api, q=q)
    found = set(ids(body))
    assert found <= catalog.visible
    assert body["total"] == len(found)
    if "zebra" in q.lower() or "sz370" in q:
        # Only hidden products say "zebra", and tags are not text: operators are words.
        assert found == set()


def test_empty_query_lists_everything_newest_first(api, catalog):
    expected = sorted(catalog.visible, reverse=True)
    assert ids(search(api, q="")) == expected
    assert ids(search(api, q="   ")) == expected
    assert ids(search(api)) == expected


def test_overlong_query_is_refused(api, catalog):
    response = api.get(f"{URL}?{urlencode({'q': 'slipper ' * 250})}")
    assert response.status_code == 422
    assert "q" in response.json["errors"]


# Filters -------------------------------------------------------------------------------

FILTERS = [
    ({"category": "eva-slippers"}, ("T1", "T2", "T3")),
    ({"category": "no-such-category"}, ()),
    ({"material": "EVA"}, ("A", "T1", "T2", "T3")),
    ({"material": "eva"}, ("A", "T1", "T2", "T3")),
    ({"material": "TPR"}, ("B",)),
    ({"color": "Black"}, ("A",)),
    ({"color": "pink"}, ("T1", "T2", "T3")),
    ({"size": "37"}, ("A", "D", "T1", "T2", "T3")),  # B is made in 36, 38 and 40 only
    ({"size": "38"}, ("A", "B", "C", "D", "T1", "T2", "T3")),
    ({"size": "37.5"}, ("A", "D", "T1", "T2", "T3")),
    ({"size": "45"}, ("C",)),
    ({"max_moq": 1000}, ("A", "B", "T1", "T2", "T3")),
    ({"quantity": 2500}, ("A", "B", "D", "T1", "T2", "T3")),  # C's MOQ is 3000
    # At 2,500 pairs A costs 1.20 (its 2,000+ tier), B 2.00, D 0.70, the twins 1.00.
    ({"quantity": 2500, "max_price": "1.20"}, ("A", "D", "T1", "T2", "T3")),
    # At 1,000 pairs A costs 1.50; D's MOQ (2,000) is above the quantity.
    ({"quantity": 1000, "max_price": "1.20"}, ("T1", "T2", "T3")),
    ({"max_price": "0.95"}, ("C", "D")),  # without quantity: the price at the MOQ
    ({"max_lead_time_days": 20}, ("A", "D")),
    ({"verified": "true"}, ("B", "C", "T1")),
    ({"verified": "false"}, ("A", "D", "T2", "T3")),
    ({"certification": "BSCI"}, ("B", "C", "T1")),
    ({"certification": "bsci"}, ("B", "C", "T1")),
    ({"certification": "ISO 9001"}, ()),
    ({"customization": "logo"}, ("A", "C")),
    ({"customization": "packaging"}, ("C",)),
    ({"q": "slippers", "verified": "true", "max_moq": 1000}, ("B", "T1")),
    ({"q": "eva", "material": "EVA", "color": "pink"}, ("T1", "T2", "T3")),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_filter(api, catalog, params, expected):
    body = search(api, **params)
    assert set(ids(body)) == catalog.ids(*expected)
    assert body["total"] == len(expected)


def test_filter_by_supplier(api, catalog):
    body = search(api, supplier_id=catalog.ocean.id)
    assert set(ids(body)) == catalog.ids("A", "D", "T2")
    assert search(api, supplier_id=catalog.shadow.id)["items"] == []


def test_price_at_quantity_is_shown(api, catalog):
    body = search(api, quantity=2500, sort="price_asc")
    prices = {item["id"]: item["unit_price_at_quantity"] for item in body["items"]}
    assert prices[catalog.id("A")] == "1.20"
    assert prices[catalog.id("B")] == "2.00"
    item = body["items"][0]
    assert item["supplier"] == {
        "id": catalog.ocean.id,
        "name": "Ocean Shoes",
        "is_verified": False,
        "response_rate": 0.5,
    }


# Facets ----------------------------------------------------------------------------------


def test_facets_count_every_match(api, catalog):
    body = search(api)
    assert body["facets"] == {
        "category": {
            "eva-slippers": 3,
            "bathroom-slippers": 1,
            "flip-flops": 1,
            "plush-slippers": 1,
            "slides": 1,
        },
        "material": {"EVA": 4, "PVC": 1, "TPR": 1, "plush": 1, "rubber": 1},
        "verified": {"true": 3, "false": 4},
    }
    assert body["total"] == 7
    # Sent most frequent first (then by name), as a facet list shows them.
    assert list(body["facets"]["category"]) == [
        "eva-slippers",
        "bathroom-slippers",
        "flip-flops",
        "plush-slippers",
        "slides",
    ]
    assert next(iter(body["facets"]["material"])) == "EVA"


def test_facets_follow_the_query_and_filters(api, catalog):
    body = search(api, q="slippers", verified="false")
    assert set(ids(body)) == catalog.ids("T2", "T3")
    assert body["facets"] == {
        "category": {"eva-slippers": 2},
        "material": {"EVA": 2},
        "verified": {"true": 0, "false": 2},
    }


def test_total_beyond_the_exact_limit_is_flagged(api, app, catalog, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_EXACT_TOTAL", 3)
    if db.session.get_bind().dialect.name == "postgresql":
        # The sampled pages (here every page) say how many match: 7, past twice the
        # limit of 3, is the estimate; the facets are the sample's.
        monkeypatch.setattr(search_counting, "SAMPLE_PERCENT", 100)
        body = search(api, limit=2)
        assert (body["total"], body["total_is_estimate"]) == (7, True)
        assert body["facets"]["verified"] == {"true": 3, "false": 4}
        assert len(body["items"]) == 2 and body["next_cursor"]
        # A sample finding few (1 % of one page: none) leads to counting the matches,
        # up to the limit and one: the first 4, more than the limit, still an estimate;
        # the page is then walked.
        monkeypatch.setattr(search_counting, "SAMPLE_PERCENT", 1)
        body = search(api, limit=2)
        assert body["total_is_estimate"] is True and body["total"] >= 4
        assert len(body["items"]) == 2 and body["next_cursor"]
        # Under twice the limit, the count decides: 7 of at most 10, exact.
        monkeypatch.setitem(app.config, "SEARCH_EXACT_TOTAL", 10)
        monkeypatch.setattr(search_counting, "SAMPLE_PERCENT", 100)
        body = search(api, limit=2)
        assert (body["total"], body["total_is_estimate"]) == (7, False)
        return
    # SQLite counts the first 4: the rest is estimated (it scales by the ids read).
    body = search(api, limit=2)
    assert (body["total"], body["total_is_estimate"]) == (7, True)
    assert len(body["items"]) == 2 and body["next_cursor"]
    assert sum(body["facets"]["category"].values()) == pytest.approx(7, abs=1)  # rounding


# Sorting and pages --------------------------------------------------------------------


def test_sorts(api, catalog):
    by_price = ids(search(api, quantity=2500, sort="price_asc"))
    assert by_price == [catalog.id(k) for k in ("D", "T1", "T2", "T3", "A", "B")]
    by_moq = ids(search(api, sort="moq_asc"))
    assert by_moq == [catalog.id(k) for k in ("A", "B", "T1", "T2", "T3", "D", "C")]
    assert ids(search(api, sort="newest")) == sorted(catalog.visible, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "price_asc"},
        {"sort": "moq_asc"},
        {"sort": "price_asc", "quantity": 2500},
        {"q": "slippers"},
        {"q": "eva"},
        {"q": "slippers", "sort": "newest"},
        {"q": "slipers"},
    ],
)
def test_pagination_walks_every_result_once(api, catalog, params):
    expected = search(api, limit=100, **params)
    seen = walk(api, limit=2, **params)
    assert len(seen) == len(set(seen))
    assert seen == ids(expected)
    assert set(seen) <= catalog.visible


def test_pages_are_stable_when_products_are_published_meanwhile(api, catalog):
    first = search(api, limit=3)
    make_later = catalog.products["draft"]
    services.submit_product(make_later)
    services.approve_product(make_later)
    transaction.commit()
    rest = walk(api, limit=3, cursor=first["next_cursor"])
    assert ids(first) + rest == sorted(catalog.visible, reverse=True)


@pytest.mark.parametrize("cursor", ["abc", "W10", "x" * 400, "WzFd.forged"])
def test_forged_cursor_is_422(api, catalog, cursor):
    response = api.get(f"{URL}?{urlencode({'cursor': cursor})}")
    assert response.status_code == 422
    assert response.json["errors"] == {"cursor": ["Invalid cursor."]}


def test_tampered_or_foreign_cursor_is_422(api, catalog):
    cursor = search(api, limit=2, sort="moq_asc")["next_cursor"]
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    assert api.get(f"{URL}?{urlencode({'cursor': tampered, 'sort': 'moq_asc'})}").status_code == 422
    # A cursor made for another order is not accepted either.
    assert api.get(f"{URL}?{urlencode({'cursor': cursor, 'sort': 'newest'})}").status_code == 422


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 101},
        {"limit": 0},
        {"size": "37.3"},
        {"size": "80"},
        {"sort": "cheapest"},
        {"customization": "teleport"},
        {"max_price": "-1"},
        {"quantity": 2**40},
        {"supplier_id": "x"},
    ],
)
def test_bad_parameters_are_422(api, catalog, params):
    response = api.get(f"{URL}?{urlencode(params)}")
    assert response.status_code == 422


# Hidden products -----------------------------------------------------------------------


def test_hidden_products_never_appear(api, catalog):
    for params in (
        {},
        {"q": "zebra"},
        {"q": "eva slide"},
        {"supplier_id": catalog.shadow.id},
        {"max_price": "0.20"},
        {"max_lead_time_days": 5},
    ):
        body = search(api, limit=100, **params)
        assert not set(ids(body)) & catalog.hidden
    body = search(api, q="zebra")
    assert body["total"] == 0 and body["facets"]["verified"] == {"true": 0, "false": 0}


def test_index_follows_product_and_supplier_changes(api, catalog):
    a = catalog.products["A"]
    # A reviewed field changes: back to review, out of search.
    services.update_product(a, {"name": "EVA slide sandals, new mould"})
    transaction.commit()
    assert catalog.id("A") not in ids(search(api, q="eva"))
    services.approve_product(a)
    transaction.commit()
    assert ids(search(api, q="mould")) == [catalog.id("A")]
    # A price change needs no review and is searchable at once.
    services.update_product(a, {"price_tiers": [{"min_qty": 500, "unit_price": "0.50"}]})
    transaction.commit()
    assert catalog.id("A") in ids(search(api, max_price="0.60"))
    # Supplier renamed, suspended, reinstated.
    catalog.ocean.name = "Bluewave Trading"
    transaction.commit()
    assert set(ids(search(api, q="bluewave"))) == catalog.ids("A", "D", "T2")
    catalog.ocean.status = SupplierStatus.SUSPENDED
    transaction.commit()
    assert not set(ids(search(api, limit=100))) & catalog.ids("A", "D", "T2")
    catalog.ocean.status = SupplierStatus.ACTIVE
    transaction.commit()
    assert catalog.ids("A", "D", "T2") <= set(ids(search(api, limit=100)))
    # An archived product leaves the index.
    services.archive_product(catalog.products["C"])
    transaction.commit()
    assert search(api, q="bathroom")["items"] == []


def test_openapi_documents_the_search(api):
    spec = api.get("/api/v1/openapi.json").json
    operations = spec["paths"]["/api/v1/products"]
    assert {"get", "post"} <= set(operations)
    names = {p["name"] for p in operations["get"]["parameters"]}
    assert {"q", "category", "material", "size", "quantity", "max_price", "cursor"} <= names


# Large result sets (the paths a catalog of a million products takes) -------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "eva"},
        {"q": "slippers"},
        {"q": "eva", "verified": "false"},
        {"q": "massage", "verified": "true"},
        {"material": "EVA"},
        {"sort": "moq_asc"},
        {"q": "slippers", "sort": "price_asc", "quantity": 1000},
        {"verified": "true", "sort": "price_asc"},
        {"q": "slippers", "verified": "false", "max_lead_time_days": 30},
    ],
)
def test_broad_searches_order_and_page_the_same(api, app, catalog, monkeypatch, params):
    """Past the exact limit, levels are walked through the rank-key index a few rows at a
    time (then the GIN index finds the rest): the order and the pages do not change."""
    exact = search(api, limit=100, **params)
    assert ids(exact)  # something to order and page
    monkeypatch.setitem(app.config, "SEARCH_EXACT_TOTAL", 1)
    monkeypatch.setattr(search_paging, "WALK_ROWS", 2)
    broad = search(api, limit=100, **params)
    assert ids(broad) == ids(exact)
    assert broad["total_is_estimate"] is (exact["total"] > 1)
    assert walk(api, limit=1, **params) == ids(exact)


@pytest.mark.parametrize(
    ("params", "matches"),
    [({"q": "eva"}, 5), ({"material": "EVA"}, 4), ({"max_moq": 1000}, 5), ({"q": "slippers"}, 5)],
)
def test_estimates_past_the_exact_limit(api, app, catalog, monkeypatch, params, matches):
    monkeypatch.setitem(app.config, "SEARCH_EXACT_TOTAL", 2)
    body = search(api, **params)
    assert body["total_is_estimate"] is True
    assert body["total"] >= 3
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite counts the FTS5 matches, or scales the sample by the product ids read.
        assert body["total"] == pytest.approx(matches, abs=2)


def test_known_words_are_whole_words_others_prefixes(api, catalog):
    # "eva" is a catalog word: it is not a prefix of "evaporative".
    later = make_product(
        catalog.harbor,
        ProductStatus.PUBLISHED,
        sku="EVAP",
        name="Evaporative cooling clogs",
        description="Wet the lining, walk cool.",
        category="clogs",
        materials=["PU"],
        price_tiers=[{"min_qty": 100, "unit_price": "3.00"}],
        moq=100,
    )
    assert later.id not in ids(search(api, q="eva"))
    assert ids(search(api, q="evapo")) == [later.id]
    assert set(ids(search(api, q="slipp"))) == catalog.ids("B", "C", "T1", "T2", "T3")


def test_price_sort_at_quantity_with_a_price_limit(api, catalog):
    body = search(api, quantity=2500, max_price="1.20", sort="price_asc")
    assert ids(body) == [catalog.id(k) for k in ("D", "T1", "T2", "T3", "A")]


def test_rebuilding_the_index_changes_no_answer(api, app, catalog):
    searches = [{}, {"q": "eva"}, {"q": "slipers"}, {"material": "EVA", "size": "38"}]
    searches += [{"quantity": 2500, "sort": "price_asc"}, {"verified": "true", "q": "slippers"}]
    before = [search(api, limit=100, **params) for params in searches]
    directory = api.get("/api/v1/suppliers?q=harbor").json["items"]
    assert search_services.rebuild_all() == len(catalog.visible)
    transaction.commit()
    assert [search(api, limit=100, **params) for params in searches] == before
    assert api.get("/api/v1/suppliers?q=harbor").json["items"] == directory
    # The command line does the same.
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Indexed 7 visible products." in result.output
    assert [search(api, limit=100, **params) for params in searches] == before


def test_forged_cursor_is_422_even_when_nothing_matches(api, catalog):
    for params in ({"q": "zebra"}, {"category": "no-such-category"}, {"q": "🩴"}):
        response = api.get(f"{URL}?{urlencode({**params, 'cursor': 'W10.forged'})}")
        assert response.status_code == 422
        assert response.json["errors"] == {"cursor": ["Invalid cursor."]}


def test_a_search_gives_the_planner_back_every_scan(app, catalog):
    """PostgreSQL counts with bitmap scans only; the page and whatever the request runs
    after the search in its transaction (the pages' templates) may use any scan again."""
    with app.test_request_context():
        body = search_services.search_cards({"q": "slippers"})
        assert ids(body)
        if db.session.get_bind().dialect.name == "postgresql":
            settings = db.session.execute(
                sa.text(
                    "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')"
                )
            ).one()
            assert tuple(settings) == ("on", "on")
