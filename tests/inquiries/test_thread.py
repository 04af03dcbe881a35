"""The message thread: who writes, the first response, closing, read tracking, caps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.db import utcnow
from marketplace.inquiries.models import InquiryStatus
from tests.inquiries.conftest import INQUIRIES, inquiry_row, rows, send_inquiry


@pytest.fixture
def inquiry(login_as, buyer, supplier, team):
    return send_inquiry(login_as(buyer), supplier.id)


def messages_path(inquiry) -> str:
    return f"{INQUIRIES}/{inquiry['id']}/messages"


def test_the_thread_is_oldest_first_with_both_sides(login_as, buyer, owner, staff, inquiry):
    buyer_client, owner_client = login_as(buyer), login_as(owner)
    path = messages_path(inquiry)

    reply = owner_client.post(path, json={"body": "Hello Maria, USD 0.92 FOB Xiamen."})
    assert reply.status_code == 201, reply.json
    assert reply.json["side"] == "supplier"
    assert reply.json["sender"] == {"id": owner.id, "name": "Owner Chen"}
    assert reply.json["inquiry_id"] == inquiry["id"]
    buyer_client.post(path, json={"body": "Thanks! Samples?"})
    login_as(staff).post(path, json={"body": "Samples in 5 days."})

    thread = buyer_client.get(path).json
    assert [(m["side"], m["sender"]["name"]) for m in thread["items"]] == [
        ("buyer", "Maria Santos"),
        ("supplier", "Owner Chen"),
        ("buyer", "Maria Santos"),
        ("supplier", "Staff Lin"),
    ]
    ids = [m["id"] for m in thread["items"]]
    assert ids == sorted(ids)
    assert thread["next_cursor"] is None


def test_thread_pages_follow_the_cursor(login_as, buyer, inquiry):
    client = login_as(buyer)
    path = messages_path(inquiry)
    for n in range(4):
        client.post(path, json={"body": f"Note {n}"})

    first = client.get(path, query_string={"limit": 3}).json
    second = client.get(path, query_string={"limit": 3, "cursor": first["next_cursor"]}).json

    bodies = [m["body"] for m in first["items"] + second["items"]]
    assert bodies[1:] == ["Note 0", "Note 1", "Note 2", "Note 3"]
    assert second["next_cursor"] is None
    # A cursor is signed for its own list: an inquiry list's cursor is refused here.
    other = client.get(INQUIRIES, query_string={"limit": 1})
    assert other.status_code == 200
    assert client.get(path, query_string={"cursor": "x"}).status_code == 422


def test_the_suppliers_first_message_stamps_first_response_at(
    login_as, buyer, owner, staff, inquiry
):
    path = messages_path(inquiry)
    login_as(buyer).post(path, json={"body": "Any news?"})
    assert inquiry_row(inquiry["id"]).first_response_at is None  # the buyer's own messages

    before = utcnow()
    login_as(staff).post(path, json={"body": "Yes: 0.92 FOB."})
    row = inquiry_row(inquiry["id"])
    assert row.status == InquiryStatus.REPLIED
    stamped = row.first_response_at
    assert before - timedelta(seconds=1) <= stamped <= utcnow()

    login_as(owner).post(path, json={"body": "And 0.88 from 20,000 pairs."})
    row = inquiry_row(inquiry["id"])
    assert row.first_response_at == stamped  # only the first one counts
    assert row.status == InquiryStatus.REPLIED
    detail = login_as(buyer).get(f"{INQUIRIES}/{inquiry['id']}").json
    assert detail["status"] == "replied" and detail["first_response_at"]


def test_a_reply_updates_the_suppliers_response_rate(login_as, buyer, owner, supplier, inquiry):
    from marketplace.extensions import db
    from marketplace.suppliers.models import Supplier

    login_as(owner).post(messages_path(inquiry), json={"body": "Quote attached."})

    db.session.expire_all()
    refreshed = db.session.get(Supplier, supplier.id)
    assert float(refreshed.response_rate) == 1.0  # answered within 24 hours
    assert float(refreshed.median_response_hours) < 0.1


def test_either_party_closes_and_then_messages_are_409(login_as, buyer, owner, inquiry):
    buyer_client, owner_client = login_as(buyer), login_as(owner)
    closed = owner_client.post(f"{INQUIRIES}/{inquiry['id']}/close")
    assert closed.status_code == 200
    assert closed.json["status"] == "closed" and closed.json["closed_at"]
    before = rows()

    for client in (buyer_client, owner_client):
        refused = client.post(messages_path(inquiry), json={"body": "One more thing"})
        assert refused.status_code == 409
        assert client.post(f"{INQUIRIES}/{inquiry['id']}/close").status_code == 409
    assert rows() == before
    # The thread stays readable.
    assert buyer_client.get(messages_path(inquiry)).status_code == 200


def test_closing_an_unanswered_inquiry_leaves_no_first_response(login_as, buyer, inquiry):
    login_as(buyer).post(f"{INQUIRIES}/{inquiry['id']}/close")
    row = inquiry_row(inquiry["id"])
    assert row.status == InquiryStatus.CLOSED and row.first_response_at is None
    assert row.closed_by_id == buyer.id


def test_admins_read_but_do_not_write(login_as, admin, inquiry):
    client = login_as(admin)
    assert client.get(messages_path(inquiry)).status_code == 200
    before = rows()
    assert client.post(messages_path(inquiry), json={"body": "Admin here"}).status_code == 403
    assert client.post(f"{INQUIRIES}/{inquiry['id']}/close").status_code == 403
    assert client.post(f"{INQUIRIES}/{inquiry['id']}/read").status_code == 403
    assert rows() == before


def test_a_buyer_reaches_a_supplier_only_through_their_own_inquiry(
    login_as, other_buyer, other_staff, inquiry, supplier
):
    """No route takes a message for a supplier; another buyer's thread is not found."""
    before = rows()
    for client in (login_as(other_buyer), login_as(other_staff)):
        response = client.post(messages_path(inquiry), json={"body": "Hi, I'm also buying"})
        assert response.status_code == 404
        assert client.post(f"{INQUIRIES}/{inquiry['id']}/close").status_code == 404
    # Naming the supplier in a message body is no way around it.
    client = login_as(other_buyer)
    body = {"body": "Hi", "supplier_id": supplier.id}
    refused = client.post(messages_path(inquiry), json=body)
    assert refused.status_code == 422 and "supplier_id" in refused.json["errors"]
    assert client.post(f"/api/v1/suppliers/{supplier.id}/messages", json=body).status_code == 404
    assert rows() == before


def test_unknown_fields_in_a_message_are_refused(login_as, buyer, inquiry):
    before = rows()
    response = login_as(buyer).post(
        messages_path(inquiry), json={"body": "Hi", "sender_side": "supplier"}
    )
    assert response.status_code == 422
    assert "sender_side" in response.json["errors"]
    assert rows() == before


def test_message_length_is_capped(app, login_as, buyer, inquiry, monkeypatch):
    client = login_as(buyer)
    cap = app.config["MESSAGE_MAX_CHARS"]
    before = rows()

    too_long = client.post(messages_path(inquiry), json={"body": "x" * (cap + 1)})
    assert too_long.status_code == 422 and "body" in too_long.json["errors"]
    blank = client.post(messages_path(inquiry), json={"body": " \n\t "})
    assert blank.status_code == 422 and "body" in blank.json["errors"]
    assert client.post(messages_path(inquiry), json={}).status_code == 422
    assert rows() == before
    assert client.post(messages_path(inquiry), json={"body": "x" * cap}).status_code == 201

    # A lower setting is obeyed, for messages and for new inquiries.
    monkeypatch.setitem(app.config, "MESSAGE_MAX_CHARS", 20)
    before = rows()
    assert client.post(messages_path(inquiry), json={"body": "y" * 21}).status_code == 422
    new = client.post(
        INQUIRIES,
        json={
            "supplier_id": inquiry["supplier_id"],
            "quantity": 1000,
            "destination_country": "PH",
            "message": "z" * 21,
        },
    )
    assert new.status_code == 422 and "message" in new.json["errors"]
    assert rows() == before


def test_read_tracking_per_side(login_as, buyer, owner, staff, inquiry):
    buyer_client, owner_client, staff_client = login_as(buyer), login_as(owner), login_as(staff)
    detail = f"{INQUIRIES}/{inquiry['id']}"

    thread = owner_client.get(messages_path(inquiry)).json["items"]
    assert [m["unread"] for m in thread] == [True]
    # Reading does not mark anything read (GET changes nothing)...
    assert owner_client.get(detail).json["unread_count"] == 1
    # ...the read action does, for the whole company.
    marked = staff_client.post(f"{detail}/read")
    assert marked.status_code == 200 and marked.json["unread_count"] == 0
    assert owner_client.get(detail).json["unread_count"] == 0
    assert owner_client.get(messages_path(inquiry)).json["items"][0]["unread"] is False

    owner_client.post(messages_path(inquiry), json={"body": "Quote: 0.92"})
    owner_client.post(messages_path(inquiry), json={"body": "Valid 30 days"})
    assert buyer_client.get(detail).json["unread_count"] == 2
    assert [m["unread"] for m in buyer_client.get(messages_path(inquiry)).json["items"]] == [
        False,
        True,
        True,
    ]
    assert owner_client.get(detail).json["unread_count"] == 0  # own messages are read
    # Replying marks the thread read up to the reply.
    buyer_client.post(messages_path(inquiry), json={"body": "OK"})
    assert buyer_client.get(detail).json["unread_count"] == 0
    assert staff_client.get(detail).json["unread_count"] == 1
    # Marking read again changes nothing.
    assert buyer_client.post(f"{detail}/read").json["unread_count"] == 0
