"""Quoting: one quotation per supplier, revisions with history, the deadline, the cap of
RFQ_MAX_QUOTATIONS suppliers, withdrawal, suspended companies, the buyer's notification."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.rfqs.models import (
    RFQ,
    Quotation,
    QuotationRevision,
    QuotationStatus,
    RFQMatch,
    RFQStatus,
)
from marketplace.suppliers.models import SupplierStatus
from tests.factories import BuyerFactory, SupplierStaffFactory
from tests.rfqs.support import count, post_rfq, quote, quote_payload, supplier_with_catalog

HTML = {"Accept": "text/html"}


@pytest.fixture
def buyer():
    return BuyerFactory(name="Thabo Nkosi", company_name="Joburg Retail Group", country="ZA")


@pytest.fixture
def alpha():
    return supplier_with_catalog("Alpha Slippers", staff=1)


@pytest.fixture
def rfq(alpha, buyer):
    return post_rfq(buyer, title="Beach slides for Durban")


def rows() -> tuple[int, int]:
    return count(Quotation), count(QuotationRevision)


def url(rfq) -> str:
    return f"/api/v1/rfqs/{rfq.id}/quotations"


def test_first_quotation_is_201_and_a_second_post_revises_it(rfq, alpha, login_as):
    supplier, owner = alpha
    staff = next(m for m in supplier.members if m.id != owner.id)

    created = login_as(owner).post(url(rfq), json=quote_payload())
    assert created.status_code == 201, created.json
    assert created.json["revision"] == 1
    assert created.json["status"] == "submitted"
    assert created.json["unit_price"] == "1.05"
    assert created.json["currency"] == "USD"  # the RFQ's currency by default

    revised = login_as(staff).post(url(rfq), json=quote_payload(unit_price="0.99", moq=8000))
    assert revised.status_code == 200, revised.json
    assert revised.json["id"] == created.json["id"]
    assert revised.json["revision"] == 2
    assert revised.json["unit_price"] == "0.99"
    assert rows() == (1, 2)

    history = login_as(owner).get(f"/api/v1/quotations/{created.json['id']}/revisions").json
    assert [(r["revision"], r["unit_price"], r["moq"]) for r in history["items"]] == [
        (2, "0.99", 8000),
        (1, "1.05", 5000),
    ]
    db.session.expire_all()
    assert db.session.get(RFQ, rfq.id).quotation_count == 1  # a revision keeps its place


def test_the_buyer_is_notified_of_a_new_quotation_by_e_mail_and_of_a_revision_in_app(
    rfq, alpha, buyer
):
    _supplier, owner = alpha
    quotation = quote(rfq, owner)
    quote(rfq, owner, unit_price="0.95")

    notes = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == buyer.id)
            .order_by(Notification.id)
        )
    )
    assert [n.kind for n in notes] == ["quotation.new", "quotation.revised"]
    assert notes[0].subject == {"rfq_id": rfq.id, "quotation_id": quotation.id}
    mails = list(
        db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to_address == buyer.email))
    )
    assert len(mails) == 1
    assert "Alpha Slippers quoted USD 1.05" in mails[0].body_text
    assert f"/buyer/rfqs/{rfq.id}" in mails[0].body_text


def test_first_quotation_stamps_the_match_response_time(rfq, alpha):
    supplier, owner = alpha
    quote(rfq, owner)
    first = db.session.scalar(
        sa.select(RFQMatch.first_response_at).where(RFQMatch.rfq_id == rfq.id)
    )
    quote(rfq, owner, unit_price="0.90")
    db.session.expire_all()
    match = db.session.scalar(sa.select(RFQMatch).where(RFQMatch.rfq_id == rfq.id))
    assert first is not None and match.first_response_at == first
    assert float(db.session.get(type(supplier), supplier.id).response_rate) == 1.0


def past_deadline(rfq) -> None:
    rfq.quote_deadline = utcnow() - timedelta(seconds=1)
    transaction.commit()


def test_quoting_past_the_deadline_is_409_and_writes_nothing(rfq, alpha, login_as):
    _supplier, owner = alpha
    quote(rfq, owner)
    past_deadline(rfq)
    before = rows()

    for body in (quote_payload(unit_price="0.80"), quote_payload()):
        response = login_as(owner).post(url(rfq), json=body)
        assert response.status_code == 409
        assert response.json["message"] == "The quote deadline of this RFQ has passed."
    assert rows() == before


@pytest.mark.parametrize("status", [RFQStatus.AWARDED, RFQStatus.CANCELLED])
def test_quoting_on_a_decided_rfq_is_409(rfq, alpha, login_as, status):
    rfq.status = status
    transaction.commit()
    response = login_as(alpha[1]).post(url(rfq), json=quote_payload())
    assert response.status_code == 409
    assert status.value in response.json["message"]
    assert rows() == (0, 0)


def test_the_eleventh_supplier_is_refused_but_the_ten_may_revise(buyer, login_as):
    companies = [supplier_with_catalog(f"Factory {n:02d}") for n in range(12)]
    rfq = post_rfq(buyer)
    for _supplier, owner in companies[:10]:
        quote(rfq, owner)

    eleventh = login_as(companies[10][1]).post(url(rfq), json=quote_payload())
    assert eleventh.status_code == 409
    assert eleventh.json["message"] == (
        "This RFQ already has 10 quotations; it takes no more suppliers."
    )
    assert rows() == (10, 10)
    # The eleventh sees that every place is taken, not how many competitors quoted.
    seen = login_as(companies[10][1]).get(f"/api/v1/rfqs/{rfq.id}")
    assert (seen.json["quotation_count"], seen.json["quotations_full"]) == (None, True)
    page = login_as(companies[10][1]).get(f"/dashboard/rfqs/{rfq.id}", headers=HTML)
    assert "All 10 quotation places are taken" in page.get_data(as_text=True)

    revision = login_as(companies[3][1]).post(url(rfq), json=quote_payload(unit_price="0.88"))
    assert revision.status_code == 200
    assert revision.json["revision"] == 2

    # A withdrawal frees a place.
    withdrawn = db.session.scalar(
        sa.select(Quotation).where(Quotation.supplier_id == companies[0][0].id)
    )
    assert (
        login_as(companies[0][1]).post(f"/api/v1/quotations/{withdrawn.id}/withdraw").status_code
        == 200
    )
    assert login_as(companies[10][1]).post(url(rfq), json=quote_payload()).status_code == 201
    assert login_as(companies[11][1]).post(url(rfq), json=quote_payload()).status_code == 409
    db.session.expire_all()
    assert db.session.get(RFQ, rfq.id).quotation_count == 10


def test_a_suspended_company_cannot_quote(rfq, alpha, login_as):
    supplier, owner = alpha
    supplier.status = SupplierStatus.SUSPENDED
    transaction.commit()
    response = login_as(owner).post(url(rfq), json=quote_payload())
    assert response.status_code == 403
    assert response.json["message"].startswith("Your company is suspended: its catalog")
    assert rows() == (0, 0)


def test_an_unmatched_company_gets_404(rfq, login_as):
    _other, owner = supplier_with_catalog("Flip-flops Only", category="flip-flops")
    assert login_as(owner).post(url(rfq), json=quote_payload()).status_code == 404
    assert rows() == (0, 0)


def test_buyers_and_admins_cannot_quote(rfq, buyer, login_as):
    assert login_as(buyer).post(url(rfq), json=quote_payload()).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "EUR"}, "currency"),
        ({"valid_until": (utcnow() - timedelta(days=1)).date().isoformat()}, "valid_until"),
        ({"status": "accepted"}, "status"),
        ({"supplier_id": 1}, "supplier_id"),
        ({"revision": 7}, "revision"),
        ({"unit_price": "0"}, "unit_price"),
        ({"unit_price": "100000.01"}, "unit_price"),
        ({"moq": 2**31}, "moq"),
        ({"lead_time_days": 366}, "lead_time_days"),
        ({"incoterm": "XYZ"}, "incoterm"),
        ({"notes": "n" * 5001}, "notes"),
    ],
)
def test_invalid_quotations_are_422(rfq, alpha, login_as, change, field):
    response = login_as(alpha[1]).post(url(rfq), json=quote_payload(**change))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert rows() == (0, 0)


def test_withdraw_while_submitted_then_quote_again(rfq, alpha, login_as, buyer):
    _supplier, owner = alpha
    quotation = quote(rfq, owner)
    client = login_as(owner)

    withdrawn = client.post(f"/api/v1/quotations/{quotation.id}/withdraw")
    assert withdrawn.status_code == 200
    assert withdrawn.json["status"] == "withdrawn"
    assert withdrawn.json["rfq"]["id"] == rfq.id
    db.session.expire_all()
    assert db.session.get(RFQ, rfq.id).quotation_count == 0
    again = client.post(f"/api/v1/quotations/{quotation.id}/withdraw")
    assert again.status_code == 409

    resubmitted = client.post(url(rfq), json=quote_payload(unit_price="1.01"))
    assert resubmitted.status_code == 200
    assert resubmitted.json["status"] == "submitted"
    assert resubmitted.json["revision"] == 2
    db.session.expire_all()
    assert db.session.get(RFQ, rfq.id).quotation_count == 1
    buyer_kinds = list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == buyer.id)
            .order_by(Notification.id)
        )
    )
    assert buyer_kinds == ["quotation.new", "quotation.withdrawn", "quotation.new"]


def test_only_the_quoting_company_withdraws(rfq, alpha, buyer, login_as):
    quotation = quote(rfq, alpha[1])
    _other, other_owner = supplier_with_catalog("Other EVA Factory")
    assert (
        login_as(other_owner).post(f"/api/v1/quotations/{quotation.id}/withdraw").status_code == 404
    )
    assert login_as(buyer).post(f"/api/v1/quotations/{quotation.id}/withdraw").status_code == 403
    db.session.expire_all()
    assert db.session.get(Quotation, quotation.id).status == QuotationStatus.SUBMITTED


def test_a_removed_staff_member_can_no_longer_quote(rfq, alpha, login_as):
    supplier, _owner = alpha
    former = SupplierStaffFactory(supplier=supplier)
    client = login_as(former)
    former.supplier_id = None
    former.company_role = None
    transaction.commit()
    response = client.post(url(rfq), json=quote_payload())
    assert (response.status_code, response.json["message"]) == (
        403,
        "Only members of a supplier company can do this.",
    )
    assert rows() == (0, 0)


def test_the_supplier_stats_count_its_recent_quotations(rfq, alpha, login_as):
    supplier, owner = alpha
    quote(rfq, owner)
    quote(rfq, owner, unit_price="0.97")  # a revision is the same quotation
    stats = login_as(owner).get(f"/api/v1/suppliers/{supplier.id}/stats").json
    assert stats["rfq_quotes_last_30_days"] == 1
    assert stats["response_rate"] == 1.0
