"""A supplier never sees another supplier's quotation: not in the API (lists, details,
history), not on pages, not in e-mails.  Buyers see only their own RFQs' quotations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from tests.factories import AdminFactory, BuyerFactory
from tests.rfqs.support import post_rfq, quote, supplier_with_catalog

HTML = {"Accept": "text/html"}
SECRET_PRICE = "0.8765"  # A's price: must appear nowhere B can look


@pytest.fixture
def market():
    a, owner_a = supplier_with_catalog("Alpha Secret Pricing", staff=1)
    b, owner_b = supplier_with_catalog("Beta Competitor")
    buyer = BuyerFactory()
    rfq = post_rfq(buyer, title="Slides for Lagos")
    quote_a = quote(rfq, owner_a, unit_price=SECRET_PRICE, notes="Our best price: keep it quiet")
    quote_b = quote(rfq, owner_b, unit_price="1.11")
    return {
        "rfq": rfq,
        "a": a,
        "b": b,
        "owner_b": owner_b,
        "buyer": buyer,
        "qa": quote_a,
        "qb": quote_b,
    }


def leaks(text: str) -> bool:
    return "0.8765" in text or "0.88" in text or "keep it quiet" in text or "Alpha Secret" in text


def test_b_sees_only_its_own_quotation_in_the_api(market, login_as):
    client = login_as(market["owner_b"])
    rfq, qa, qb = market["rfq"], market["qa"], market["qb"]

    listed = client.get(f"/api/v1/rfqs/{rfq.id}/quotations")
    assert [q["id"] for q in listed.json["items"]] == [qb.id]
    assert [q["id"] for q in client.get("/api/v1/quotations").json["items"]] == [qb.id]
    assert client.get(f"/api/v1/quotations?rfq_id={rfq.id}").json["items"][0]["id"] == qb.id
    assert client.get(f"/api/v1/quotations/{qa.id}").status_code == 404
    assert client.get(f"/api/v1/quotations/{qa.id}/revisions").status_code == 404
    detail = client.get(f"/api/v1/rfqs/{rfq.id}")
    # How many competitors quoted is the buyer's to know; B sees only whether places are left.
    assert (detail.json["quotation_count"], detail.json["quotations_full"]) == (None, False)
    listed_rfqs = client.get("/api/v1/rfqs").json["items"]
    assert [(r["quotation_count"], r["quotations_full"]) for r in listed_rfqs] == [(None, False)]
    buyer_view = login_as(market["buyer"]).get(f"/api/v1/rfqs/{rfq.id}").json
    assert (buyer_view["quotation_count"], buyer_view["quotations_full"]) == (2, False)
    assert detail.json["my_quotation"]["id"] == qb.id
    for response in (listed, detail, client.get("/api/v1/rfqs"), client.get("/api/v1/quotations")):
        assert not leaks(response.get_data(as_text=True))


def test_b_sees_nothing_of_a_on_its_pages(market, login_as):
    client = login_as(market["owner_b"])
    rfq = market["rfq"]
    for path in (f"/dashboard/rfqs/{rfq.id}", "/dashboard/rfqs", "/dashboard/quotations"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 200
        assert not leaks(response.get_data(as_text=True)), path
        assert "1.11" in response.get_data(as_text=True) or path == "/dashboard/rfqs"
        assert "2 of 10" not in response.get_data(as_text=True)


def test_e_mails_to_b_never_carry_a_quotation_of_a(market, login_as):
    login_as(market["buyer"]).post(f"/api/v1/quotations/{market['qa'].id}/accept")
    b_addresses = [m.email for m in market["b"].members]
    mails = list(
        db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to_address.in_(b_addresses)))
    )
    assert {m.subject.split(":")[0] for m in mails} == {
        "New RFQ for your company",
        "Your quotation was not chosen",
    }
    for mail in mails:
        assert not leaks(mail.subject + mail.body_text)


def test_other_buyers_see_nothing_and_admins_see_all(market, login_as):
    rfq = market["rfq"]
    other = login_as(BuyerFactory())
    assert other.get(f"/api/v1/rfqs/{rfq.id}/quotations").status_code == 404
    assert other.get(f"/api/v1/quotations/{market['qa'].id}").status_code == 404
    assert other.get("/api/v1/quotations").json["items"] == []
    assert other.get(f"/buyer/rfqs/{rfq.id}", headers=HTML).status_code == 404
    owner = login_as(market["buyer"])
    assert len(owner.get(f"/api/v1/rfqs/{rfq.id}/quotations").json["items"]) == 2
    assert len(owner.get("/api/v1/quotations").json["items"]) == 2
    admin = login_as(AdminFactory())
    assert len(admin.get(f"/api/v1/rfqs/{rfq.id}/quotations").json["items"]) == 2
