"""Anti-abuse: per-buyer limits on new inquiries and per-user limits on messages."""

from __future__ import annotations

import pytest

from tests.inquiries.conftest import INQUIRIES, inquiry_body, rows, send_inquiry


@pytest.fixture
def tight_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "INQUIRY_LIMITS_PER_BUYER", "3 per hour;5 per day")
    monkeypatch.setitem(app.config, "MESSAGE_LIMITS_PER_USER", "2 per minute")


def test_the_fourth_inquiry_in_an_hour_is_429(tight_limits, login_as, buyer, other_buyer, supplier):
    client = login_as(buyer)
    for _ in range(3):
        send_inquiry(client, supplier.id)
    before = rows()

    refused = client.post(INQUIRIES, json=inquiry_body(supplier_id=supplier.id))

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.json["code"] == 429
    assert rows() == before  # no inquiry, message, notification or e-mail
    # Per buyer: another buyer is not held back.
    send_inquiry(login_as(other_buyer), supplier.id)


def test_the_daily_limit_holds_too(app, monkeypatch, login_as, buyer, supplier):
    monkeypatch.setitem(app.config, "INQUIRY_LIMITS_PER_BUYER", "10 per hour;2 per day")
    client = login_as(buyer)
    send_inquiry(client, supplier.id)
    send_inquiry(client, supplier.id)
    refused = client.post(INQUIRIES, json=inquiry_body(supplier_id=supplier.id))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 3600


def test_invalid_bodies_do_not_use_up_the_limit(tight_limits, login_as, buyer, supplier):
    client = login_as(buyer)
    for _ in range(5):
        assert (
            client.post(
                INQUIRIES, json=inquiry_body(supplier_id=supplier.id, quantity=0)
            ).status_code
            == 422
        )
    for _ in range(3):
        send_inquiry(client, supplier.id)


def test_messages_are_limited_per_user(tight_limits, login_as, buyer, owner, supplier):
    inquiry = send_inquiry(login_as(buyer), supplier.id)
    path = f"{INQUIRIES}/{inquiry['id']}/messages"
    client = login_as(owner)
    for n in range(2):
        assert client.post(path, json={"body": f"Reply {n}"}).status_code == 201
    before = rows()

    refused = client.post(path, json={"body": "Reply 3"})

    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert rows() == before
    # The buyer has a budget of their own.
    assert login_as(buyer).post(path, json={"body": "Thanks"}).status_code == 201


def test_the_pages_share_the_limits(tight_limits, login_as, buyer, supplier, make_api):
    """Three inquiries through the API: the page's form is then refused as well."""
    from tests.web.conftest import Browser

    client = login_as(buyer)
    for _ in range(3):
        send_inquiry(client, supplier.id)
    page = Browser(client.client)
    before = rows()

    response = page.post(
        "/buyer/inquiries/new",
        {
            "supplier_id": str(supplier.id),
            "quantity": "1000",
            "destination_country": "PH",
            "currency": "USD",
            "message": "Hello",
        },
        csrf_from=f"/buyer/inquiries/new?supplier_id={supplier.id}",
    )

    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert "Try again in" in response.text
    assert rows() == before
