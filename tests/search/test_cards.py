"""Search results come from the cards the indexer stores: they show what the product page
shows, follow every change, and a product without a card is still shown in full."""

from __future__ import annotations

import io
from decimal import Decimal

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace import transaction
from marketplace.catalog import services
from marketplace.catalog.images import add_image, delete_image
from marketplace.extensions import db
from marketplace.search.models import cards
from marketplace.suppliers.models import VerificationStatus
from tests.catalog.support import image_bytes
from tests.search.test_search_api import ids, search

PER_SEARCH = ("supplier", "unit_price_at_quantity")


def item_of(api, product_id: int, **params) -> dict:
    body = search(api, limit=100, **params)
    return next(item for item in body["items"] if item["id"] == product_id)


def test_every_result_shows_what_the_product_page_shows(api, catalog):
    body = search(api, limit=100)
    assert set(ids(body)) == catalog.visible
    for item in body["items"]:
        page = api.get(f"/api/v1/products/{item['id']}")
        assert page.status_code == 200
        assert {k: v for k, v in item.items() if k not in PER_SEARCH} == page.json
        assert item["unit_price_at_quantity"] is None


def test_price_at_quantity_comes_from_the_tier_that_applies(api, catalog):
    a = catalog.id("A")
    tiers = item_of(api, a)["price_tiers"]
    assert len(tiers) > 1
    low, high = tiers[0], tiers[1]
    assert item_of(api, a, quantity=low["min_qty"])["unit_price_at_quantity"] == low["unit_price"]
    just_below = high["min_qty"] - 1
    assert item_of(api, a, quantity=just_below)["unit_price_at_quantity"] == low["unit_price"]
    assert item_of(api, a, quantity=high["min_qty"])["unit_price_at_quantity"] == high["unit_price"]


def test_results_follow_product_image_and_supplier_changes(api, catalog):
    a = catalog.products["A"]
    services.update_product(a, {"price_tiers": [{"min_qty": 500, "unit_price": "0.55"}]})
    transaction.commit()
    item = item_of(api, a.id, quantity=600)
    assert item["price_tiers"] == [{"min_qty": 500, "unit_price": "0.55"}]
    assert item["unit_price_at_quantity"] == "0.55"

    # A new photo is reviewed: the product leaves search, and comes back with it.
    image = add_image(a, FileStorage(io.BytesIO(image_bytes("PNG"))))
    transaction.commit()
    assert a.id not in ids(search(api, limit=100))
    services.approve_product(a)
    transaction.commit()
    shown = item_of(api, a.id)["images"]
    assert [i["id"] for i in shown] == [image.id]
    assert shown[0]["url"].endswith(image.filename)
    photo = api.get(shown[0]["thumbnail_url"])
    photo.close()
    assert photo.status_code == 200
    delete_image(a, image.id)
    services.approve_product(a)
    transaction.commit()
    assert item_of(api, a.id)["images"] == []

    catalog.ocean.name = "Bluewave Trading"
    catalog.ocean.verification_status = VerificationStatus.VERIFIED
    catalog.ocean.response_rate = Decimal("0.875")
    transaction.commit()
    assert item_of(api, a.id)["supplier"] == {
        "id": catalog.ocean.id,
        "name": "Bluewave Trading",
        "is_verified": True,
        "response_rate": 0.875,
    }


def test_products_indexed_before_cards_existed_are_shown_in_full(api, catalog):
    params = {"limit": 100, "quantity": 2500}
    before = search(api, **params)
    db.session.execute(cards.delete())
    transaction.commit()
    assert search(api, **params) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(cards)) == 0
