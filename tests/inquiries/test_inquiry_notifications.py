"""Who is told about what: in-app notifications and outbox e-mails, written in the same
transaction as the action (and not at all when the action is refused)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import UserStatus
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail, OutboxStatus
from tests.catalog.support import commit
from tests.factories import SupplierStaffFactory
from tests.inquiries.conftest import INQUIRIES, inquiry_body, rows, send_inquiry


def notifications_of(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def emails_to(user) -> list[OutboxEmail]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxEmail)
            .where(OutboxEmail.to_address == user.email)
            .order_by(OutboxEmail.id)
        )
    )


def test_every_active_member_is_told_of_a_new_inquiry(
    login_as, buyer, owner, staff, supplier, product
):
    gone = SupplierStaffFactory(supplier=supplier, status=UserStatus.SUSPENDED)
    commit()

    inquiry = send_inquiry(login_as(buyer), product_id=product.id, target_unit_price="1.10")

    for member in (owner, staff):
        (note,) = notifications_of(member)
        assert note.kind == "inquiry.new"
        assert note.link == f"/dashboard/inquiries/{inquiry['id']}"
        assert note.subject == {"inquiry_id": inquiry["id"], "supplier_id": supplier.id}
        assert "Maria Santos (Manila Home Goods)" in note.title
        assert product.sku in note.title
        assert "5,000 pairs" in note.body and "EUR 1.10" in note.body
        (email,) = emails_to(member)
        assert email.notification_id == note.id
        assert email.status == OutboxStatus.PENDING and email.attempts == 0
        assert email.subject == note.title
        assert f"/dashboard/inquiries/{inquiry['id']}" in email.body_text
        assert "Women's EVA slides" in email.body_text
    assert notifications_of(gone) == [] and emails_to(gone) == []
    assert notifications_of(buyer) == [] and emails_to(buyer) == []


def test_a_supplier_reply_tells_the_buyer_and_a_buyer_message_tells_the_members(
    login_as, buyer, owner, staff, supplier
):
    inquiry = send_inquiry(login_as(buyer), supplier.id)
    path = f"{INQUIRIES}/{inquiry['id']}/messages"

    login_as(staff).post(path, json={"body": "USD 0.92 FOB Xiamen, 35 days."})
    (reply,) = notifications_of(buyer)
    assert reply.kind == "inquiry.reply"
    assert reply.link == f"/buyer/inquiries/{inquiry['id']}"
    assert supplier.name in reply.title
    assert reply.body == "USD 0.92 FOB Xiamen, 35 days."
    (email,) = emails_to(buyer)
    assert email.notification_id == reply.id
    # The other members are not told about a colleague's reply.
    assert [n.kind for n in notifications_of(owner)] == ["inquiry.new"]

    login_as(buyer).post(path, json={"body": "Great, please send samples."})
    for member in (owner, staff):
        assert [n.kind for n in notifications_of(member)] == ["inquiry.new", "inquiry.message"]
        assert len(emails_to(member)) == 2
    assert len(notifications_of(buyer)) == 1


def test_closing_tells_the_other_party_in_the_app_only(login_as, buyer, owner, staff, supplier):
    inquiry = send_inquiry(login_as(buyer), supplier.id)
    before_emails = rows()["outbox_emails"]

    login_as(buyer).post(f"{INQUIRIES}/{inquiry['id']}/close")

    for member in (owner, staff):
        assert notifications_of(member)[-1].kind == "inquiry.closed"
    assert rows()["outbox_emails"] == before_emails
    assert notifications_of(buyer) == []


def test_refused_actions_write_no_notification_and_no_email(
    app, monkeypatch, login_as, buyer, owner, supplier
):
    client = login_as(buyer)
    inquiry = send_inquiry(client, supplier.id)
    path = f"{INQUIRIES}/{inquiry['id']}/messages"
    before = rows()

    assert client.post(INQUIRIES, json=inquiry_body(supplier_id=999999)).status_code == 404
    assert (
        client.post(INQUIRIES, json=inquiry_body(supplier_id=supplier.id, quantity=-1)).status_code
        == 422
    )
    assert client.post(path, json={"body": ""}).status_code == 422
    monkeypatch.setitem(app.config, "MESSAGE_LIMITS_PER_USER", "0 per minute")
    assert client.post(path, json={"body": "Hi"}).status_code == 429
    monkeypatch.setitem(app.config, "MESSAGE_LIMITS_PER_USER", "60 per minute")
    client.post(f"{INQUIRIES}/{inquiry['id']}/close")
    before = rows()
    assert login_as(owner).post(path, json={"body": "Sorry, late"}).status_code == 409

    assert rows() == before


def test_the_notification_and_the_action_share_one_transaction(
    login_as, buyer, supplier, team, monkeypatch
):
    """A failure after notify() (here: in the metrics refresh) takes the notification and
    the e-mail down with the inquiry: all or nothing."""
    from marketplace.inquiries import services

    def broken(_supplier):
        raise RuntimeError("metrics store down")

    monkeypatch.setattr(services, "refresh_response_metrics", broken)
    before = rows()

    response = login_as(buyer).post(INQUIRIES, json=inquiry_body(supplier_id=supplier.id))

    assert response.status_code == 500
    assert rows() == before
