"""GET /api/v1/categories: counts of what buyers can find, read from the search index."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace import transaction
from marketplace.catalog import services
from marketplace.extensions import db
from marketplace.search.models import docs
from marketplace.suppliers.models import SupplierStatus


def counts(api) -> dict[str, int]:
    response = api.get("/api/v1/categories")
    assert response.status_code == 200
    return {c["slug"]: c["product_count"] for c in response.json}


def test_counts_are_the_searchable_products(api, catalog):
    # The fixed catalog: A slides, B plush, C bathroom, D flip-flops, T1-T3 EVA slippers;
    # drafts, reviews, rejections, archived, suspended and the suspended supplier's
    # product are all "slides" and count for nothing.
    found = counts(api)
    assert {k: v for k, v in found.items() if v} == {
        "slides": 1,
        "plush-slippers": 1,
        "bathroom-slippers": 1,
        "flip-flops": 1,
        "eva-slippers": 3,
    }
    assert found["hotel-slippers"] == 0  # every active category is listed
    # The same figures as the search's own facets.
    assert {k: v for k, v in found.items() if v} == api.get("/api/v1/products").json["facets"][
        "category"
    ]


def test_counts_follow_publishing_and_suspensions(api, catalog):
    draft = catalog.products["draft"]
    services.submit_product(draft)
    services.approve_product(draft)
    transaction.commit()
    assert counts(api)["slides"] == 2
    catalog.ocean.status = SupplierStatus.SUSPENDED  # A (slides), D (flip-flops), T2
    transaction.commit()
    found = counts(api)
    assert (found["slides"], found["flip-flops"], found["eva-slippers"]) == (1, 0, 2)


def test_counts_come_from_the_index(api, catalog):
    """An index row is what is counted (the products table is not read)."""
    db.session.execute(sa.delete(docs).where(docs.c.product_id == catalog.id("C")))
    transaction.commit()
    assert counts(api)["bathroom-slippers"] == 0
