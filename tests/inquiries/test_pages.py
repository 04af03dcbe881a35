"""The inquiry pages, driven like a browser without JavaScript: the buyer's new-inquiry
form, "My inquiries" and thread; the supplier's inbox with unread counts, reply, close."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from marketplace.extensions import db
from marketplace.inquiries.models import Inquiry, InquiryMessage, InquiryStatus
from tests.inquiries.conftest import inquiry_row, rows, send_inquiry
from tests.web.conftest import Browser


@pytest.fixture
def signed_in(app):
    def _signed_in(user) -> Browser:
        page = Browser(app.test_client())
        page.login(user.email)
        return page

    return _signed_in


def new_form(**overrides) -> dict:
    form = {
        "quantity": "12,000",
        "destination_country": "ZA",
        "currency": "USD",
        "incoterm": "CIF",
        "target_unit_price": "0.85",
        "message": "Plush slippers for winter.\nSix designs, gift box.",
    }
    form.update(overrides)
    return form


def test_new_inquiry_from_a_product_page(signed_in, buyer, product, team):
    page = signed_in(buyer)
    form_page = page.get(f"/buyer/inquiries/new?product_id={product.id}")
    assert form_page.status_code == 200
    html = form_page.text
    assert escape(product.name) in html and escape(product.supplier.name) in html
    assert f'name="product_id" value="{product.id}"' in html
    assert 'name="quantity" type="text" inputmode="numeric" value="1000"' in html  # the MOQ
    assert '<option value="PH" selected>' in html  # the buyer's country
    assert '<option value="EUR" selected>' in html  # the product's currency

    response = page.post(
        "/buyer/inquiries/new",
        new_form(product_id=str(product.id)),
        csrf_from=f"/buyer/inquiries/new?product_id={product.id}",
    )

    assert response.status_code == 302
    inquiry = db.session.scalar(sa.select(Inquiry).order_by(Inquiry.id.desc()))
    assert response.headers["Location"] == f"/buyer/inquiries/{inquiry.id}"
    assert (inquiry.product_id, inquiry.supplier_id) == (product.id, product.supplier_id)
    assert (inquiry.quantity, inquiry.incoterm, inquiry.destination_country) == (12000, "CIF", "ZA")
    assert str(inquiry.target_unit_price) == "0.8500"
    thread = page.get(response.headers["Location"])
    assert "Your inquiry was sent to" in thread.text
    assert "Six designs, gift box." in thread.text


def test_new_inquiry_errors_are_shown_next_to_the_fields(signed_in, buyer, supplier):
    page = signed_in(buyer)
    before = rows()

    response = page.post(
        "/buyer/inquiries/new",
        new_form(supplier_id=str(supplier.id), quantity="lots", message="  "),
        csrf_from=f"/buyer/inquiries/new?supplier_id={supplier.id}",
    )

    assert response.status_code == 422
    assert 'id="quantity-error"' in response.text and 'id="message-error"' in response.text
    assert 'value="lots"' in response.text  # what was typed is kept
    assert rows() == before


def test_new_inquiry_page_without_a_target_explains_where_to_start(signed_in, buyer):
    response = signed_in(buyer).get("/buyer/inquiries/new")
    assert response.status_code == 200
    assert "Send inquiry" in response.text and "/products" in response.text


def test_new_inquiry_page_for_unknown_targets_is_404(signed_in, buyer):
    page = signed_in(buyer)
    assert page.get("/buyer/inquiries/new?supplier_id=999999").status_code == 404
    assert page.get("/buyer/inquiries/new?product_id=abc").status_code == 404
    assert page.get("/buyer/inquiries/new?product_id=99999999999").status_code == 404


def test_the_supplier_inbox_shows_unread_counts_and_the_thread(
    signed_in, login_as, buyer, owner, staff, supplier
):
    first = send_inquiry(login_as(buyer), supplier.id, message="First <b>question</b>")
    send_inquiry(login_as(buyer), supplier.id, message="Second question")
    page = signed_in(staff)

    inbox = page.get("/dashboard/inquiries")
    assert inbox.status_code == 200
    assert inbox.text.count("1 new") == 2
    assert "2 inquiries have unread messages." in inbox.text
    assert "Manila Home Goods" in inbox.text

    thread = page.get(f"/dashboard/inquiries/{first['id']}")
    assert thread.status_code == 200
    assert "First &lt;b&gt;question&lt;/b&gt;" in thread.text  # escaped
    assert "Mark as read" in thread.text
    # Looking wrote nothing: the count is still there.
    assert page.get("/dashboard/inquiries").text.count("1 new") == 2

    marked = page.post(
        f"/dashboard/inquiries/{first['id']}/read",
        {},
        csrf_from=f"/dashboard/inquiries/{first['id']}",
    )
    assert marked.status_code == 302
    assert page.get("/dashboard/inquiries").text.count("1 new") == 1
    assert "Mark as read" not in page.get(f"/dashboard/inquiries/{first['id']}").text


def test_supplier_replies_and_the_buyer_sees_it(signed_in, login_as, buyer, owner, supplier):
    inquiry = send_inquiry(login_as(buyer), supplier.id)
    thread_url = f"/dashboard/inquiries/{inquiry['id']}"
    page = signed_in(owner)

    reply = page.post(
        f"{thread_url}/messages", {"body": "USD 0.92 FOB, 35 days."}, csrf_from=thread_url
    )

    assert reply.status_code == 302
    assert reply.headers["Location"] == f"{thread_url}#latest"
    row = inquiry_row(inquiry["id"])
    assert row.status == InquiryStatus.REPLIED and row.first_response_at is not None
    buyer_page = signed_in(buyer)
    mine = buyer_page.get("/buyer/inquiries")
    assert "1 new" in mine.text and supplier.name in mine.text
    thread = buyer_page.get(f"/buyer/inquiries/{inquiry['id']}")
    assert "USD 0.92 FOB, 35 days." in thread.text and "Owner Chen" in thread.text


def test_an_empty_or_oversized_reply_is_shown_again_with_the_error(
    app, signed_in, login_as, buyer, supplier, team, monkeypatch
):
    inquiry = send_inquiry(login_as(buyer), supplier.id)
    thread_url = f"/buyer/inquiries/{inquiry['id']}"
    page = signed_in(buyer)
    monkeypatch.setitem(app.config, "MESSAGE_MAX_CHARS", 10)
    before = rows()

    too_long = page.post(
        f"{thread_url}/messages", {"body": "far too long a text"}, csrf_from=thread_url
    )
    empty = page.post(f"{thread_url}/messages", {"body": "   "}, csrf_from=thread_url)

    assert too_long.status_code == 422 and "far too long a text</textarea>" in too_long.text
    assert 'id="body-error"' in too_long.text
    assert empty.status_code == 422
    assert rows() == before


def test_closing_from_the_page_hides_the_reply_form(signed_in, login_as, buyer, supplier, team):
    inquiry = send_inquiry(login_as(buyer), supplier.id)
    thread_url = f"/buyer/inquiries/{inquiry['id']}"
    page = signed_in(buyer)

    closed = page.post(f"{thread_url}/close", {}, csrf_from=thread_url)

    assert closed.status_code == 302
    assert inquiry_row(inquiry["id"]).status == InquiryStatus.CLOSED
    html = page.get(thread_url).text
    assert 'name="body"' not in html and "Close inquiry" not in html
    assert "no more messages can be sent" in html
    # A reply posted from a stale page is refused with a message, nothing written.
    count = db.session.scalar(sa.select(sa.func.count()).select_from(InquiryMessage))
    refused = page.post(f"{thread_url}/messages", {"body": "Hello?"}, csrf_from="/buyer/inquiries")
    assert refused.status_code == 302
    assert "no more messages can be sent" in page.get(thread_url).text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InquiryMessage)) == count


def test_forms_need_the_csrf_token(signed_in, login_as, buyer, supplier, team):
    inquiry = send_inquiry(login_as(buyer), supplier.id)
    page = signed_in(buyer)
    before = rows()
    response = page.post(
        f"/buyer/inquiries/{inquiry['id']}/messages", {"body": "Hi"}, csrf_from=False
    )
    assert response.status_code == 400
    assert rows() == before


def test_the_dashboard_navigation_links_to_the_inboxes(signed_in, buyer, owner):
    assert 'href="/buyer/inquiries"' in signed_in(buyer).get("/buyer").text
    assert 'href="/dashboard/inquiries"' in signed_in(owner).get("/dashboard").text


def test_a_page_list_with_a_stale_cursor_starts_again(signed_in, login_as, buyer, supplier):
    send_inquiry(login_as(buyer), supplier.id)
    response = signed_in(buyer).get("/buyer/inquiries?cursor=garbage&status=nonsense")
    assert response.status_code == 200
    assert re.search(r"/buyer/inquiries/\d+", response.text)
