"""The search backend of the test database (SQLite or PostgreSQL, whichever the run uses)
answers the same index, search, count and directory calls with the same results, on the
fixed catalog of tests/search/conftest.py. Run on both databases, this covers both
backends through one set of expectations."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.search import counting, indexer, paging, text
from marketplace.search.backends import SearchBackend, UnsupportedDatabase, backend_for
from marketplace.search.backends.postgresql import PostgreSQLBackend
from marketplace.search.backends.sqlite import SQLiteBackend
from marketplace.search.models import docs, words
from marketplace.search.query import SearchQuery
from marketplace.suppliers.models import Supplier

EVA = ("A", "T1", "T2", "T3", "B")  # every product with "EVA" anywhere


def matching(args, **source) -> set[int]:
    query = SearchQuery(args)
    return set(db.session.scalars(query.source(docs.c.product_id, **source)))


def test_the_backend_is_the_databases_and_chosen_once(app, db_session):
    backend = backend_for(db.session)
    dialect = db.session.get_bind().dialect.name
    expected = {"postgresql": PostgreSQLBackend, "sqlite": SQLiteBackend}[dialect]
    assert type(backend) is expected and isinstance(backend, SearchBackend)
    assert backend.dialect == dialect
    # The engine, a connection and the session get the same instance.
    with db.engine.connect() as connection:
        assert backend_for(connection) is backend
    assert backend_for(db.engine) is backend
    assert backend_for(db.session.connection()) is backend
    assert SearchQuery({"q": "eva"}).backend is backend


def test_a_database_without_a_backend_is_refused(app):
    mysql = SimpleNamespace(get_bind=lambda: SimpleNamespace(dialect=SimpleNamespace(name="mysql")))
    with pytest.raises(UnsupportedDatabase, match="mysql"):
        backend_for(mysql)


def test_words_match_at_each_relevance_level(catalog):
    assert matching({"q": "eva"}) == catalog.ids(*EVA)
    assert matching({"q": "eva"}, level=0) == catalog.ids("A")
    assert matching({"q": "eva"}, level=1, exact=True) == catalog.ids("T1", "T2", "T3")
    assert matching({"q": "eva"}, level=2, exact=True) == catalog.ids("B")
    assert matching({"q": "slipp"}) == catalog.ids("B", "C", "T1", "T2", "T3")  # a prefix
    assert matching({"q": "人字拖"}) == catalog.ids("D")  # a phrase of CJK characters
    assert matching({"q": "zebra"}) == set()  # only hidden products have it


def test_filter_tokens_supplier_and_category_filters(catalog):
    assert matching({"material": "PVC"}) == catalog.ids("C")
    assert matching({"q": "eva", "material": "plush"}) == catalog.ids("B")
    assert matching({"supplier_id": catalog.ocean.id}) == catalog.ids("A", "D", "T2")
    assert matching({"q": "massage", "supplier_id": catalog.harbor.id}) == catalog.ids("T3")
    assert matching({"category": "eva-slippers"}) == catalog.ids("T1", "T2", "T3")
    assert matching({"category": "no-such-category"}) == set()
    assert matching({"verified": True}) == catalog.ids("B", "C", "T1")
    assert matching({"verified": False, "q": "massage"}) == catalog.ids("T2", "T3")
    assert matching({"max_price": "1.00"}) == catalog.ids("C", "D", "T1", "T2", "T3")


def test_rank_and_newest_keys_order_the_matches(catalog):
    query = SearchQuery({"q": "massage"})
    ranked = db.session.scalars(
        query.source(docs.c.product_id).order_by(query.backend.rank(query).desc())
    ).all()
    # Verified first (T1), then the higher response rate (T3 at 95 %, T2 at 50 %).
    assert ranked == [catalog.id(k) for k in ("T1", "T3", "T2")]
    query = SearchQuery({"material": "EVA"})
    order = paging.order_for(query, "newest")
    page = query.source(docs.c.product_id)
    rows = paging.walk(query, order, page, 3, None, small=True)
    assert [row[0] for row in rows] == sorted(catalog.ids("A", "T1", "T2", "T3"), reverse=True)[:3]


def test_price_ordering_at_a_quantity(catalog):
    query = SearchQuery({"quantity": 2500})
    order = paging.order_for(query, "price_asc")
    page = query.source(docs.c.product_id, *(expr for expr, _ in order.keys[:-1]))
    rows = paging.walk(query, order, page, 10, None, small=True)
    # At 2,500 pairs: D 0.70, T1-T3 1.00, A 1.20, B 2.00 (C's MOQ is 3,000).
    assert [row[0] for row in rows] == [
        catalog.id(k) for k in ("D", *sorted(("T1", "T2", "T3"), key=catalog.id), "A", "B")
    ]
    assert [float(row[1]) for row in rows] == [0.7, 1.0, 1.0, 1.0, 1.2, 2.0]


def test_relevance_pages_are_level_then_rank(catalog):
    query = SearchQuery({"q": "eva"})
    for small in (True, False):
        rows = query.backend.relevance_page(query, 10, None, small)
        assert [(catalog_key(catalog, i), level) for i, level, _ in rows] == [
            ("A", 0),
            ("T1", 1),
            ("T3", 1),
            ("T2", 1),
            ("B", 2),
        ]
        # Past the third: the rest of level 1, then level 2.
        _, level, key = rows[2]
        after = query.backend.relevance_page(query, 10, [level, key], small)
        assert [row[0] for row in after] == [catalog.id("T2"), catalog.id("B")]


def catalog_key(catalog, product_id: int) -> str:
    return next(k for k, p in catalog.products.items() if p.id == product_id)


def test_counts_and_facets(app, catalog):
    counts = counting.count(SearchQuery({"q": "eva"}))
    assert (counts.total, counts.estimated) == (5, False)
    assert counts.facets["material"] == {"EVA": 4, "plush": 1, "TPR": 1}
    assert counts.facets["verified"] == {"true": 2, "false": 3}
    assert counts.facets["category"] == {"eva-slippers": 3, "plush-slippers": 1, "slides": 1}


def test_counts_past_the_exact_limit_are_estimates_of_at_least_the_count(app, catalog, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_EXACT_TOTAL", 2)
    monkeypatch.setattr(counting, "SAMPLE_PERCENT", 100)  # PostgreSQL: every page sampled
    for args, matches in (({"q": "eva"}, 5), ({}, 7), ({"material": "EVA"}, 4)):
        counts = counting.count(SearchQuery(args))
        assert counts.estimated is True
        assert counts.total >= 3
        assert counts.total <= 2 * matches


def test_spelling_suggestions(catalog):
    backend = backend_for(db.session)
    assert backend.similar_words("slipers", 3)[0] == "slippers"
    assert backend.similar_words("qqqqqq", 3) == []


def test_catalog_words_are_added_once(catalog):
    backend = backend_for(db.session)
    backend.insert_words(db.session.connection(), ["slippers", "zzyzx"])
    backend.insert_words(db.session.connection(), ["zzyzx"])
    found = db.session.scalars(
        sa.select(words.c.word).where(words.c.word.in_(["slippers", "zzyzx"]))
    )
    assert sorted(found) == ["slippers", "zzyzx"]


def test_removing_and_reindexing_products(catalog):
    backend = backend_for(db.session)
    a = catalog.id("A")
    backend.delete_products(db.session.connection(), [a])
    assert matching({"q": "eva"}) == catalog.ids(*EVA) - {a}
    assert matching({"material": "EVA"}) == catalog.ids("T1", "T2", "T3")
    assert indexer.reindex_products([a]) == 1
    assert matching({"q": "eva"}) == catalog.ids(*EVA)
    assert matching({"material": "EVA"}) == catalog.ids("A", "T1", "T2", "T3")


def test_a_full_rebuild_gives_the_same_matches(catalog):
    searches = [
        {"q": "eva"},
        {"material": "EVA", "size": "38"},
        {"q": "slippers", "verified": True},
    ]
    before = [matching(args) for args in searches]
    assert indexer.rebuild_all() == len(catalog.visible)
    assert [matching(args) for args in searches] == before


def directory(q: str, order: bool = False) -> list[int]:
    backend = backend_for(db.session)
    terms = text.parse_query(q)
    query = backend.directory_match(sa.select(Supplier.id), terms)
    if order:
        query = query.order_by(backend.directory_score(terms).desc(), Supplier.id.desc())
    return list(db.session.scalars(query))


def test_directory_words(catalog):
    assert directory("harbor") == [catalog.harbor.id]
    assert directory("harb") == [catalog.harbor.id]  # a prefix
    assert sorted(directory("shoes")) == [catalog.ocean.id]
    assert directory("zqxwv") == []
    # The name weighs most: a supplier named for the word before one describing it.
    backend = backend_for(db.session)
    backend.delete_supplier_words(db.session.connection(), [catalog.ocean.id])
    backend.insert_supplier_words(
        db.session.connection(),
        [{"id": catalog.ocean.id, "name": "ocean", "place": "", "description": "sunrise"}],
    )
    assert directory("sunrise", order=True) == [catalog.verified.id, catalog.ocean.id]
