"""Matching on a small fixed catalog: who gets an RFQ, in which order, with which reasons,
who is told, and what a supplier's RFQ list shows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.accounts.models import UserStatus
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.rfqs.models import RFQMatch
from marketplace.suppliers.models import SupplierStatus
from tests.catalog.support import make_product
from tests.factories import BuyerFactory, SupplierFactory, SupplierStaffFactory
from tests.rfqs.support import count, post_rfq, supplier_with_catalog

# RFQ: 20,000 pairs of EVA slippers, EVA, target USD 1.10, needed in 90 days.
EXPECTED = [
    # name, score: materials + MOQ + price + capacity + verified + response
    ("Verified Fast", 97),  # 25 + 15 + 20 + 15 + 10 + 12 (80 % answered)
    ("Cheap Newcomer", 82),  # 25 + 15 + 20 + 15 + 0 + 7 (no history yet)
    ("Yuan Pricing", 82),  # the same in CNY (7.20 = USD 1.00); the older company first
    ("Small Capacity", 74),  # capacity 3,000 a month: 9,000 of 20,000 pairs in time -> 6.75
    ("Big MOQ", 67),  # MOQ 50,000 above 20,000 -> 0
    ("Pricey", 66),  # USD 1.54 is 40 % above the target -> 4
    ("PVC Only", 57),  # no EVA -> 0 for materials
]


@pytest.fixture
def catalog():
    """The fixed catalog (one published product each unless said otherwise)."""
    made = {}
    made["Verified Fast"] = supplier_with_catalog(
        "Verified Fast", verified=True, response_rate="0.800", staff=1
    )
    made["Cheap Newcomer"] = supplier_with_catalog(
        "Cheap Newcomer", tiers=[(1000, "1.00"), (5000, "0.90")]
    )
    made["Yuan Pricing"] = supplier_with_catalog(
        "Yuan Pricing", currency="CNY", tiers=[(1000, "7.92"), (5000, "7.20")]
    )
    made["Small Capacity"] = supplier_with_catalog("Small Capacity", capacity=3000)
    made["Big MOQ"] = supplier_with_catalog(
        "Big MOQ", moq=50000, tiers=[(50000, "0.90"), (250000, "0.80")]
    )
    made["Pricey"] = supplier_with_catalog("Pricey", tiers=[(1000, "1.70"), (5000, "1.54")])
    made["PVC Only"] = supplier_with_catalog("PVC Only", materials=["PVC"])
    # Never matched: another category, a suspended company, a draft, an archived product.
    made["Flip-flop Maker"] = supplier_with_catalog("Flip-flop Maker", category="flip-flops")
    suspended, _owner = supplier_with_catalog("Suspended EVA")
    suspended.status = SupplierStatus.SUSPENDED
    drafts = SupplierFactory(name="Drafts Only")
    make_product(drafts, ProductStatus.DRAFT, sku="D-1")
    make_product(drafts, ProductStatus.ARCHIVED, sku="D-2")
    transaction.commit()
    return made


def matches_of(rfq) -> list[tuple[str, int]]:
    rows = db.session.scalars(
        sa.select(RFQMatch).where(RFQMatch.rfq_id == rfq.id).order_by(RFQMatch.score.desc())
    )
    return [(m.supplier.name, m.score) for m in rows]


def test_suppliers_are_ranked_by_fit(catalog, login_as):
    buyer = BuyerFactory()
    rfq = post_rfq(buyer)

    listed = login_as(buyer).get(f"/api/v1/rfqs/{rfq.id}").json
    assert listed["matched_supplier_count"] == len(EXPECTED)
    assert sorted(matches_of(rfq), key=lambda m: (-m[1], m[0])) == sorted(
        EXPECTED, key=lambda m: (-m[1], m[0])
    )


def test_each_supplier_sees_its_score_and_reasons(catalog, login_as):
    rfq = post_rfq(BuyerFactory())
    for name, score in EXPECTED:
        _supplier, owner = catalog[name]
        body = login_as(owner).get(f"/api/v1/rfqs/{rfq.id}").json
        assert body["match"]["score"] == score, name
        codes = [reason["code"] for reason in body["match"]["reasons"]]
        assert codes == ["product", "materials", "moq", "price", "capacity", "verified", "response"]
        assert sum(r["max"] for r in body["match"]["reasons"]) == 100

    reasons = {
        r["code"]: r
        for r in login_as(catalog["Pricey"][1])
        .get(f"/api/v1/rfqs/{rfq.id}")
        .json["match"]["reasons"]
    }
    assert reasons["price"]["points"] == 4
    assert reasons["price"]["params"]["over_percent"] == 40
    assert "40% above" in reasons["price"]["text"]
    yuan = login_as(catalog["Yuan Pricing"][1]).get(f"/api/v1/rfqs/{rfq.id}").json
    price = next(r for r in yuan["match"]["reasons"] if r["code"] == "price")
    assert price["params"]["price"] == "1.0000"  # CNY 7.20 at the indicative rate
    capacity = next(
        r
        for r in login_as(catalog["Small Capacity"][1])
        .get(f"/api/v1/rfqs/{rfq.id}")
        .json["match"]["reasons"]
        if r["code"] == "capacity"
    )
    assert capacity["params"]["percent"] == 45


def test_unmatched_suppliers_do_not_see_the_rfq(catalog, login_as):
    rfq = post_rfq(BuyerFactory())
    outsider = catalog["Flip-flop Maker"][1]
    assert login_as(outsider).get(f"/api/v1/rfqs/{rfq.id}").status_code == 404
    assert login_as(outsider).get("/api/v1/rfqs").json["items"] == []


def test_a_company_is_represented_by_its_best_product():
    supplier, _owner = supplier_with_catalog("Two Lines", materials=["PVC"])
    make_product(
        supplier,
        ProductStatus.PUBLISHED,
        sku="EVA-BEST",
        materials=["EVA"],
        moq=1000,
        price_tiers=[{"min_qty": 1000, "unit_price": "1.00"}],
    )
    rfq = post_rfq(BuyerFactory())
    (match,) = db.session.scalars(sa.select(RFQMatch).where(RFQMatch.rfq_id == rfq.id))
    product = match.reasons[0]
    assert product["params"]["count"] == 2
    assert product["params"]["sku"] == "EVA-BEST"
    assert match.reasons[1]["points"] == 25


def test_rfq_max_matches_keeps_the_best(app, catalog, monkeypatch):
    monkeypatch.setitem(app.config, "RFQ_MAX_MATCHES", 3)
    rfq = post_rfq(BuyerFactory())
    assert matches_of(rfq) == EXPECTED[:3]
    assert rfq.matched_supplier_count == 3


def test_matched_members_are_notified_once_each(catalog):
    verified, owner = catalog["Verified Fast"]
    suspended_member = SupplierStaffFactory(supplier=verified, status=UserStatus.SUSPENDED)
    outsider_owner = catalog["Flip-flop Maker"][1]
    rfq = post_rfq(BuyerFactory(), title="Hotel slippers for Dubai")

    def kinds(user):
        return list(
            db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user.id))
        )

    members = [m for m in verified.members if m.id != suspended_member.id]
    assert len(members) == 2  # owner and staff
    for member in members:
        assert kinds(member) == ["rfq.matched"]
    assert kinds(suspended_member) == []
    assert kinds(outsider_owner) == []
    # One notification and one e-mail per active member of every matched company.
    active_members = sum(
        1 for name, _ in EXPECTED for member in catalog[name][0].members if member.is_active
    )
    assert count(Notification, Notification.kind == "rfq.matched") == active_members
    assert count(OutboxEmail) == active_members
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to_address == owner.email))
    assert "Hotel slippers for Dubai" in mail.subject
    assert f"/dashboard/rfqs/{rfq.id}" in mail.body_text
    assert "97/100" in mail.body_text


def test_supplier_list_is_best_fit_first_with_its_match(login_as):
    _supplier, owner = supplier_with_catalog("Only One", verified=True, response_rate="0.800")
    buyer = BuyerFactory()
    worse = post_rfq(buyer, title="PVC wanted", materials=["PVC"])
    best = post_rfq(buyer, title="EVA wanted")
    small = post_rfq(buyer, title="Tiny order", quantity=500)
    client = login_as(owner)

    items = client.get("/api/v1/rfqs").json["items"]
    assert [i["title"] for i in items] == ["EVA wanted", "Tiny order", "PVC wanted"]
    scores = [i["match"]["score"] for i in items]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3
    assert all(i["my_quotation"] is None for i in items)

    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/rfqs?limit=1" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [best.id, small.id, worse.id]
    # A cursor of the buyers' list is no cursor here.
    buyer_cursor = login_as(buyer).get("/api/v1/rfqs?limit=1").json["next_cursor"]
    assert client.get(f"/api/v1/rfqs?cursor={buyer_cursor}").status_code == 422
