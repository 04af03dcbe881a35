"""The RFQ pages: the buyer posts, compares side by side and accepts after a confirmation;
the supplier sees its matched RFQs with the reasons, quotes, revises and withdraws.
Forms go through the API's schemas and services."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.rfqs.models import RFQ, Quotation, QuotationStatus, RFQStatus
from tests.factories import BuyerFactory
from tests.rfqs.support import (
    count,
    post_rfq,
    quote,
    quote_payload,
    rfq_payload,
    supplier_with_catalog,
)

HTML = {"Accept": "text/html"}


def page(client, path):
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def rfq_form(**overrides):
    body = rfq_payload(**overrides)
    body["quote_deadline"] = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    body["materials"] = body["materials"][0] if body["materials"] else ""
    return body


@pytest.fixture
def buyer():
    return BuyerFactory(name="Nguyen Thi Lan", company_name="Saigon Footwear", country="VN")


def test_buyer_posts_an_rfq_through_the_form(buyer, login_as):
    supplier_with_catalog("Form Match Factory")
    client = login_as(buyer)
    form_page = page(client, "/buyer/rfqs/new")
    assert 'name="quote_deadline"' in form_page and 'value="VN" selected' in form_page

    response = client.post("/buyer/rfqs/new", data=rfq_form(title="Slides for Hanoi"), headers=HTML)
    assert response.status_code == 302
    rfq = db.session.scalar(sa.select(RFQ))
    assert response.headers["Location"] == f"/buyer/rfqs/{rfq.id}"
    assert rfq.title == "Slides for Hanoi" and rfq.materials == ["EVA"]
    assert rfq.matched_supplier_count == 1
    shown = page(client, f"/buyer/rfqs/{rfq.id}")
    assert "RFQ posted and sent to 1 matching factories." in shown
    assert "No quotations yet." in shown


def test_the_form_shows_the_apis_errors_next_to_the_fields(buyer, login_as):
    client = login_as(buyer)
    response = client.post(
        "/buyer/rfqs/new",
        data=rfq_form(title="", quantity="lots", category="moon-boots"),
        headers=HTML,
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="title-error"' in text and 'id="quantity-error"' in text
    assert count(RFQ) == 0
    response = client.post("/buyer/rfqs/new", data=rfq_form(category="moon-boots"), headers=HTML)
    assert response.status_code == 422
    assert "Unknown category" in response.get_data(as_text=True)


def test_the_form_is_rate_limited_too(app, buyer, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "RFQ_LIMITS_PER_BUYER", "1 per hour")
    client = login_as(buyer)
    assert client.post("/buyer/rfqs/new", data=rfq_form(), headers=HTML).status_code == 302
    refused = client.post("/buyer/rfqs/new", data=rfq_form(), headers=HTML)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert count(RFQ) == 1


@pytest.fixture
def compared(buyer):
    _verified, owner_v = supplier_with_catalog(
        "Verified Vendor", verified=True, response_rate="0.95"
    )
    _cheap, owner_c = supplier_with_catalog("Cheap Vendor")
    rfq = post_rfq(buyer, title="Clogs <b>bold</b> for Saigon")
    q_verified = quote(rfq, owner_v, unit_price="1.15", moq=3000, lead_time_days=30, incoterm="CIF")
    q_cheap = quote(rfq, owner_c, unit_price="0.92", moq=30000, lead_time_days=45)
    return rfq, q_verified, q_cheap


def test_comparison_table_side_by_side(compared, buyer, login_as):
    rfq, _q_verified, _q_cheap = compared
    text = page(login_as(buyer), f"/buyer/rfqs/{rfq.id}")

    assert "Clogs &lt;b&gt;bold&lt;/b&gt; for Saigon" in text  # escaped
    assert text.index("Cheap Vendor") < text.index("Verified Vendor")  # cheapest first
    assert "Unit price (USD)" in text
    for expected in ("0.92", "1.15", "18,400.00", "23,000.00", "30 days", "45 days", "CIF", "100%"):
        assert expected in text, expected
    assert "above your quantity" in text  # MOQ 30,000 > 20,000
    assert "Lowest" in text
    assert text.count("/accept") == 2


def test_accepting_needs_a_confirmation(compared, buyer, login_as):
    rfq, q_verified, q_cheap = compared
    client = login_as(buyer)
    confirm = page(client, f"/buyer/quotations/{q_verified.id}/accept")
    assert "Accept this quotation?" in confirm and "Verified Vendor" in confirm
    assert "The other 1 quotation(s) will be declined" in confirm
    assert db.session.get(Quotation, q_verified.id).status == QuotationStatus.SUBMITTED

    response = client.post(f"/buyer/quotations/{q_verified.id}/accept", headers=HTML)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/buyer/rfqs/{rfq.id}"
    db.session.expire_all()
    assert db.session.get(RFQ, rfq.id).status == RFQStatus.AWARDED
    assert db.session.get(Quotation, q_cheap.id).status == QuotationStatus.DECLINED
    text = page(client, f"/buyer/rfqs/{rfq.id}")
    assert "You accepted the quotation of Verified Vendor." in text
    assert "/accept" not in text

    again = client.post(f"/buyer/quotations/{q_cheap.id}/accept", headers=HTML)
    assert again.status_code == 302
    assert "This quotation is declined" in page(client, f"/buyer/rfqs/{rfq.id}")


def test_cancel_with_confirmation(compared, buyer, login_as):
    rfq, _qv, _qc = compared
    client = login_as(buyer)
    assert "Cancel this RFQ?" in page(client, f"/buyer/rfqs/{rfq.id}/cancel")
    client.post(f"/buyer/rfqs/{rfq.id}/cancel", headers=HTML)
    db.session.expire_all()
    assert db.session.get(RFQ, rfq.id).status == RFQStatus.CANCELLED


def test_compare_page_lists_rfqs_with_quotations(compared, buyer, login_as):
    _rfq, _qv, _qc = compared
    post_rfq(buyer, title="Nobody quoted yet")
    text = page(login_as(buyer), "/buyer/quotations")
    assert "Clogs &lt;b&gt;bold&lt;/b&gt; for Saigon" in text
    assert "USD 0.92" in text
    assert "Nobody quoted yet" not in text


def test_supplier_inbox_best_fit_first_with_reasons(buyer, login_as):
    _supplier, owner = supplier_with_catalog("Inbox Factory", verified=True, response_rate="0.800")
    post_rfq(buyer, title="Worse fit PVC", materials=["PVC"])
    post_rfq(buyer, title="Best fit EVA")
    text = page(login_as(owner), "/dashboard/rfqs")
    assert text.index("Best fit EVA") < text.index("Worse fit PVC")
    assert "Makes EVA (1 of 1 asked)." in text
    assert "Makes none of the materials asked." in text
    assert "Verified by the platform." in text
    assert "Answers 80% of buyers within a day." in text


def test_supplier_quotes_revises_and_withdraws_on_the_page(buyer, login_as):
    _supplier, owner = supplier_with_catalog("Page Quoter")
    rfq = post_rfq(buyer)
    client = login_as(owner)
    detail = page(client, f"/dashboard/rfqs/{rfq.id}")
    assert "Send a quotation" in detail and 'value="FOB" selected' in detail

    response = client.post(f"/dashboard/rfqs/{rfq.id}", data=quote_payload(), headers=HTML)
    assert response.status_code == 302
    assert "Quotation sent to the buyer." in page(client, f"/dashboard/rfqs/{rfq.id}")
    client.post(f"/dashboard/rfqs/{rfq.id}", data=quote_payload(unit_price="0.99"), headers=HTML)
    quotation = db.session.scalar(sa.select(Quotation))
    db.session.refresh(quotation)
    assert quotation.revision == 2
    detail = page(client, f"/dashboard/rfqs/{rfq.id}")
    assert "Quotation updated (revision 2)." in detail and "History" in detail

    bad = client.post(
        f"/dashboard/rfqs/{rfq.id}", data=quote_payload(unit_price="cheap"), headers=HTML
    )
    assert bad.status_code == 422
    assert 'id="unit_price-error"' in bad.get_data(as_text=True)

    client.post(f"/dashboard/quotations/{quotation.id}/withdraw", headers=HTML)
    db.session.refresh(quotation)
    assert quotation.status == QuotationStatus.WITHDRAWN
    mine = page(client, "/dashboard/quotations")
    assert "Withdrawn" in mine


def test_quoting_after_the_deadline_shows_why(buyer, login_as):
    _supplier, owner = supplier_with_catalog("Late Quoter")
    rfq = post_rfq(buyer)
    rfq.quote_deadline = utcnow() - timedelta(minutes=1)
    transaction.commit()
    client = login_as(owner)
    assert "The quote deadline has passed." in page(client, f"/dashboard/rfqs/{rfq.id}")
    response = client.post(f"/dashboard/rfqs/{rfq.id}", data=quote_payload(), headers=HTML)
    assert response.status_code == 409
    assert "The quote deadline of this RFQ has passed." in response.get_data(as_text=True)
    assert count(Quotation) == 0


def test_navigation_links_to_the_rfq_pages(buyer, login_as):
    _supplier, owner = supplier_with_catalog("Nav Factory")
    assert 'href="/buyer/rfqs"' in page(login_as(buyer), "/buyer")
    assert 'href="/buyer/quotations"' in page(login_as(buyer), "/buyer")
    assert 'href="/dashboard/rfqs"' in page(login_as(owner), "/dashboard")
