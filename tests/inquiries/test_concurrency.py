"""Races, with real commits on the configured database: members replying at once stamp
``first_response_at`` once; a reply racing a close is either written before it or 409."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.extensions import db
from marketplace.inquiries.models import Inquiry, InquiryMessage
from tests.factories import BuyerFactory, SupplierOwnerFactory, SupplierStaffFactory
from tests.reliability.conftest import in_parallel

pytestmark = pytest.mark.real_commits

MEMBERS = 8
ROUNDS = 5


def world(app):
    """A buyer, a supplier with MEMBERS members, and the members' logged-in clients."""
    with app.app_context():
        owner = SupplierOwnerFactory()
        staff = [SupplierStaffFactory(supplier=owner.supplier) for _ in range(MEMBERS - 1)]
        buyer = BuyerFactory()
        transaction.commit()
        return buyer.email, owner.supplier_id, [owner.email, *(s.email for s in staff)]


def new_inquiry(buyer_client, supplier_id) -> int:
    response = buyer_client.post(
        "/api/v1/inquiries",
        json={
            "supplier_id": supplier_id,
            "quantity": 2000,
            "destination_country": "VN",
            "message": "Quote please",
        },
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_members_replying_at_once_stamp_the_first_response_once(make_app):
    dedicated = make_app(MESSAGE_LIMITS_PER_USER="1000 per minute")
    buyer_email, supplier_id, member_emails = world(dedicated.app)
    buyer = dedicated.api()
    buyer.login(buyer_email)
    members = [dedicated.api() for _ in member_emails]
    for client, email in zip(members, member_emails, strict=True):
        assert client.login(email).status_code == 200

    for _ in range(ROUNDS):
        inquiry_id = new_inquiry(buyer, supplier_id)
        responses = in_parallel(
            members,
            lambda i, c, inquiry_id=inquiry_id: c.post(
                f"/api/v1/inquiries/{inquiry_id}/messages", json={"body": f"Reply {i}"}
            ),
        )
        assert [r.status_code for r in responses] == [201] * MEMBERS
        with dedicated.app.app_context():
            inquiry = db.session.get(Inquiry, inquiry_id)
            replies = db.session.scalars(
                sa.select(InquiryMessage.created_at)
                .where(
                    InquiryMessage.inquiry_id == inquiry_id,
                    InquiryMessage.sender_side == "supplier",
                )
                .order_by(InquiryMessage.id)
            ).all()
            assert inquiry.status.value == "replied"
            assert len(replies) == MEMBERS
            # The stamp is the time of the reply that committed first.
            assert inquiry.first_response_at == replies[0]
    assert dedicated.count("notifications", "kind = 'inquiry.reply'") == MEMBERS * ROUNDS


def test_a_reply_racing_a_close_is_either_written_or_409(make_app):
    dedicated = make_app(MESSAGE_LIMITS_PER_USER="1000 per minute")
    buyer_email, supplier_id, member_emails = world(dedicated.app)
    buyer = dedicated.api()
    buyer.login(buyer_email)
    members = [dedicated.api() for _ in member_emails[:4]]
    for client, email in zip(members, member_emails[:4], strict=True):
        client.login(email)

    for _ in range(ROUNDS):
        inquiry_id = new_inquiry(buyer, supplier_id)
        clients = [buyer, *members]
        responses = in_parallel(
            clients,
            lambda i, c, inquiry_id=inquiry_id: (
                c.post(f"/api/v1/inquiries/{inquiry_id}/close")
                if i == 0
                else c.post(f"/api/v1/inquiries/{inquiry_id}/messages", json={"body": f"R{i}"})
            ),
        )
        assert responses[0].status_code == 200
        assert {r.status_code for r in responses[1:]} <= {201, 409}
        accepted = sum(r.status_code == 201 for r in responses[1:])
        with dedicated.app.app_context():
            inquiry = db.session.get(Inquiry, inquiry_id)
            supplier_messages = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(InquiryMessage)
                .where(
                    InquiryMessage.inquiry_id == inquiry_id,
                    InquiryMessage.sender_side == "supplier",
                )
            )
            assert inquiry.status.value == "closed"
        # Every 201 is a message written before the close; every 409 wrote nothing.
        assert supplier_messages == accepted
