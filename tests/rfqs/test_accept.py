"""The buyer's decision: accepting exactly one quotation (RFQ awarded, the others declined,
one audit row, the right people told) and cancelling."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.audit.models import AuditEntry
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.rfqs.models import RFQ, Quotation, QuotationStatus, RFQStatus
from tests.factories import AdminFactory, BuyerFactory
from tests.rfqs.support import post_rfq, quote, supplier_with_catalog


@pytest.fixture
def buyer():
    return BuyerFactory(name="Katrin Becker", company_name="Becker Schuhhandel GmbH", country="DE")


@pytest.fixture
def quoted(buyer):
    """An RFQ with three submitted quotations and one withdrawn one."""
    companies = {
        name: supplier_with_catalog(name, staff=1)
        for name in ("Winner Co", "Runner Up", "Third Place", "Withdrew")
    }
    rfq = post_rfq(buyer, title="Felt slippers for Hamburg")
    quotes = {
        "Winner Co": quote(rfq, companies["Winner Co"][1], unit_price="1.02"),
        "Runner Up": quote(rfq, companies["Runner Up"][1], unit_price="0.97"),
        "Third Place": quote(rfq, companies["Third Place"][1], unit_price="1.08"),
        "Withdrew": quote(rfq, companies["Withdrew"][1], unit_price="0.90"),
    }
    from marketplace.rfqs import services

    services.withdraw_quotation(quotes["Withdrew"], companies["Withdrew"][1])
    transaction.commit()
    return rfq, companies, quotes


def statuses(rfq) -> dict[int, str]:
    db.session.expire_all()
    return {
        q.id: q.status.value
        for q in db.session.scalars(sa.select(Quotation).where(Quotation.rfq_id == rfq.id))
    }


def notified(kind: str) -> list[int]:
    return sorted(
        db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == kind))
    )


def test_accepting_awards_the_rfq_and_declines_the_others(quoted, buyer, login_as):
    rfq, _companies, quotes = quoted
    winner = quotes["Winner Co"]

    response = login_as(buyer).post(f"/api/v1/quotations/{winner.id}/accept")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "accepted"
    assert response.json["rfq"]["status"] == "awarded"
    assert statuses(rfq) == {
        winner.id: "accepted",
        quotes["Runner Up"].id: "declined",
        quotes["Third Place"].id: "declined",
        quotes["Withdrew"].id: "withdrawn",
    }
    rfq_now = db.session.get(RFQ, rfq.id)
    assert rfq_now.status == RFQStatus.AWARDED and rfq_now.awarded_at is not None
    assert login_as(buyer).get(f"/api/v1/rfqs/{rfq.id}").json["status"] == "awarded"


def test_one_audit_row_and_the_right_people_told(quoted, buyer, login_as):
    rfq, companies, quotes = quoted
    winner = quotes["Winner Co"]
    mails_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail))
    login_as(buyer).post(f"/api/v1/quotations/{winner.id}/accept")

    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "quotation.accept")
    )
    assert (entry.target_type, entry.target_id) == ("quotation", winner.id)
    assert (entry.before_status, entry.after_status) == ("submitted", "accepted")
    assert entry.actor_id == buyer.id
    assert entry.supplier_id == companies["Winner Co"][0].id
    assert entry.details == {"rfq_id": rfq.id, "declined_count": 2}

    def member_ids(*names):
        return sorted(m.id for name in names for m in companies[name][0].members)

    assert notified("quotation.accepted") == member_ids("Winner Co")
    assert notified("quotation.declined") == member_ids("Runner Up", "Third Place")
    mails = list(
        db.session.scalars(
            sa.select(OutboxEmail).where(OutboxEmail.id > 0).order_by(OutboxEmail.id)
        )
    )[mails_before:]
    assert len(mails) == 6  # two members each of the winner and the two declined
    for mail in mails:
        if mail.subject.startswith("Your quotation was not chosen"):
            # Field-level isolation: nothing about the winner or its price.
            assert "1.02" not in mail.body_text and "Winner Co" not in mail.body_text


def test_a_second_acceptance_is_409_and_changes_nothing(quoted, buyer, login_as):
    rfq, _companies, quotes = quoted
    client = login_as(buyer)
    assert client.post(f"/api/v1/quotations/{quotes['Winner Co'].id}/accept").status_code == 200
    before = statuses(rfq)

    for name in ("Runner Up", "Winner Co", "Withdrew"):
        response = client.post(f"/api/v1/quotations/{quotes[name].id}/accept")
        assert response.status_code == 409, name
    assert statuses(rfq) == before
    assert len(notified("quotation.accepted")) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


def test_only_the_rfq_owner_accepts(quoted, login_as):
    rfq, companies, quotes = quoted
    target = f"/api/v1/quotations/{quotes['Winner Co'].id}/accept"
    assert login_as(BuyerFactory()).post(target).status_code == 404
    assert login_as(companies["Winner Co"][1]).post(target).status_code == 403
    assert login_as(AdminFactory()).post(target).status_code == 403
    assert set(statuses(rfq).values()) == {"submitted", "withdrawn"}


def test_a_withdrawn_or_expired_quotation_cannot_be_accepted(quoted, buyer, login_as):
    rfq, _companies, quotes = quoted
    client = login_as(buyer)
    assert client.post(f"/api/v1/quotations/{quotes['Withdrew'].id}/accept").status_code == 409
    expired = quotes["Third Place"]
    expired.valid_until = (utcnow() - timedelta(days=1)).date()
    transaction.commit()
    response = client.post(f"/api/v1/quotations/{expired.id}/accept")
    assert response.status_code == 409
    assert "expired" in response.json["message"]
    assert db.session.get(RFQ, rfq.id).status == RFQStatus.OPEN


def test_the_buyer_may_accept_after_the_quote_deadline(quoted, buyer, login_as):
    rfq, _companies, quotes = quoted
    rfq.quote_deadline = utcnow() - timedelta(hours=2)
    transaction.commit()
    assert login_as(buyer).get(f"/api/v1/rfqs/{rfq.id}").json["status"] == "closed"
    response = login_as(buyer).post(f"/api/v1/quotations/{quotes['Runner Up'].id}/accept")
    assert response.status_code == 200
    assert response.json["rfq"]["status"] == "awarded"


def test_two_accepted_quotations_on_one_rfq_are_impossible_in_the_database(quoted):
    _rfq, _companies, quotes = quoted
    quotes["Winner Co"].status = QuotationStatus.ACCEPTED
    transaction.commit()
    quotes["Runner Up"].status = QuotationStatus.ACCEPTED
    with pytest.raises(sa.exc.IntegrityError):
        transaction.commit()
    db.session.rollback()


def test_cancelling_declines_the_submitted_quotations_and_tells_them(quoted, buyer, login_as):
    rfq, companies, quotes = quoted
    client = login_as(buyer)

    response = client.post(f"/api/v1/rfqs/{rfq.id}/cancel")
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert response.json["cancelled_at"] is not None
    assert sorted(statuses(rfq).values()) == ["declined", "declined", "declined", "withdrawn"]
    told = sorted(
        m.id
        for name in ("Winner Co", "Runner Up", "Third Place")
        for m in companies[name][0].members
    )
    assert notified("rfq.cancelled") == told

    assert client.post(f"/api/v1/rfqs/{rfq.id}/cancel").status_code == 409
    assert client.post(f"/api/v1/quotations/{quotes['Winner Co'].id}/accept").status_code == 409


def test_an_awarded_rfq_cannot_be_cancelled(quoted, buyer, login_as):
    rfq, _companies, quotes = quoted
    client = login_as(buyer)
    client.post(f"/api/v1/quotations/{quotes['Winner Co'].id}/accept")
    response = client.post(f"/api/v1/rfqs/{rfq.id}/cancel")
    assert response.status_code == 409
    assert response.json["message"] == "This RFQ is awarded; it cannot be cancelled."
    assert login_as(BuyerFactory()).post(f"/api/v1/rfqs/{rfq.id}/cancel").status_code == 404
