"""Creating, reading and listing inquiries: who may, what they see, what is refused."""

from __future__ import annotations

import pytest

from marketplace.catalog.models import ProductStatus
from marketplace.inquiries.models import InquiryStatus
from marketplace.suppliers.models import SupplierStatus
from tests.catalog.support import commit, make_product
from tests.factories import SupplierFactory, SupplierOwnerFactory
from tests.inquiries.conftest import INQUIRIES, inquiry_body, inquiry_row, rows, send_inquiry

# Creating -------------------------------------------------------------------------------


def test_a_buyer_asks_a_supplier(login_as, buyer, supplier, team):
    client = login_as(buyer)
    response = client.post(
        INQUIRIES,
        json=inquiry_body(
            supplier_id=supplier.id, target_unit_price="0.95", currency="USD", incoterm="FOB"
        ),
    )

    assert response.status_code == 201, response.json
    body = response.json
    assert body["buyer"] == {
        "id": buyer.id,
        "name": "Maria Santos",
        "company_name": "Manila Home Goods",
        "country": "PH",
    }
    assert "email" not in body["buyer"]
    assert body["supplier_id"] == supplier.id
    assert body["supplier"]["name"] == supplier.name
    assert body["product_id"] is None and body["product"] is None
    assert body["quantity"] == 5000
    assert body["target_unit_price"] == "0.95"
    assert body["currency"] == "USD"
    assert body["destination_country"] == "PH"
    assert body["incoterm"] == "FOB"
    assert body["message"].startswith("Women's EVA slides")
    assert body["status"] == "open"
    assert body["first_response_at"] is None
    assert body["created_at"] and body["last_message_at"]
    assert body["unread_count"] == 0  # the buyer's own message
    # The opening text is the thread's first message.
    thread = client.get(f"{INQUIRIES}/{body['id']}/messages").json["items"]
    assert [(m["side"], m["body"]) for m in thread] == [("buyer", body["message"])]


def test_asking_about_a_product_takes_its_supplier_and_currency(login_as, buyer, product):
    body = send_inquiry(login_as(buyer), product_id=product.id)

    assert body["supplier_id"] == product.supplier_id
    assert body["product_id"] == product.id
    assert body["product"] == {"id": product.id, "sku": "EVA-INQ-1", "name": product.name}
    assert body["currency"] == "EUR"


def test_supplier_and_product_may_both_be_given_when_they_agree(login_as, buyer, product):
    body = send_inquiry(login_as(buyer), supplier_id=product.supplier_id, product_id=product.id)
    assert body["product_id"] == product.id


def test_a_product_of_another_supplier_is_refused(login_as, buyer, product):
    other = SupplierFactory()
    before = rows()

    response = login_as(buyer).post(
        INQUIRIES, json=inquiry_body(supplier_id=other.id, product_id=product.id)
    )

    assert response.status_code == 422
    assert "product_id" in response.json["errors"]
    assert rows() == before


def test_supplier_or_product_is_required(login_as, buyer):
    response = login_as(buyer).post(INQUIRIES, json=inquiry_body())
    assert response.status_code == 422
    assert "supplier_id" in response.json["errors"]


@pytest.mark.parametrize(
    "status", [ProductStatus.DRAFT, ProductStatus.PENDING_REVIEW, ProductStatus.ARCHIVED]
)
def test_a_product_buyers_cannot_see_is_not_found(login_as, buyer, supplier, status):
    hidden = make_product(supplier, status, sku=f"HIDDEN-{status.value}")
    before = rows()

    response = login_as(buyer).post(INQUIRIES, json=inquiry_body(product_id=hidden.id))

    assert response.status_code == 404
    assert rows() == before


def test_a_suspended_or_unknown_supplier_is_not_found(login_as, buyer, product, supplier):
    client = login_as(buyer)
    assert client.post(INQUIRIES, json=inquiry_body(supplier_id=999999)).status_code == 404
    supplier.status = SupplierStatus.SUSPENDED
    commit()
    before = rows()
    assert client.post(INQUIRIES, json=inquiry_body(supplier_id=supplier.id)).status_code == 404
    # Its published products are hidden too.
    assert client.post(INQUIRIES, json=inquiry_body(product_id=product.id)).status_code == 404
    assert rows() == before


@pytest.mark.parametrize("who", ["owner", "staff", "admin"])
def test_only_buyers_create_inquiries(request, login_as, who, supplier):
    user = request.getfixturevalue(who)
    before = rows()
    response = login_as(user).post(INQUIRIES, json=inquiry_body(supplier_id=supplier.id))
    assert response.status_code == 403
    assert rows() == before


def test_anonymous_gets_401(api, supplier):
    api.refresh_csrf()
    assert api.post(INQUIRIES, json=inquiry_body(supplier_id=supplier.id)).status_code == 401
    assert api.get(INQUIRIES).status_code == 401


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "replied"},
        {"buyer_id": 1},
        {"first_response_at": "2026-01-01T00:00:00Z"},
        {"id": 5},
        {"unread_count": 0},
    ],
)
def test_unknown_fields_are_refused(login_as, buyer, supplier, extra):
    before = rows()
    response = login_as(buyer).post(INQUIRIES, json=inquiry_body(supplier_id=supplier.id) | extra)
    assert response.status_code == 422
    assert set(extra) <= set(response.json["errors"])
    assert rows() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", 0),
        ("quantity", 2**31),
        ("quantity", "5000"),
        ("target_unit_price", "-1"),
        ("target_unit_price", "1.23456"),
        ("target_unit_price", "1e3"),
        ("currency", "XYZ"),
        ("destination_country", "EU"),
        ("destination_country", None),
        ("incoterm", "FOBB"),
        ("message", ""),
        ("message", "   \n "),
        ("supplier_id", 2**31),
        ("supplier_id", 0),
    ],
)
def test_invalid_fields_are_422(login_as, buyer, supplier, field, value):
    body = inquiry_body(supplier_id=supplier.id) | {field: value}
    response = login_as(buyer).post(INQUIRIES, json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


def test_cjk_and_emoji_round_trip(login_as, buyer, supplier, owner):
    text = "您好\uff01请报价 EVA 拖鞋 🩴, 36\u201341 码, ½ carton"  # fullwidth "!", en dash
    body = send_inquiry(login_as(buyer), supplier.id, message=text)
    assert body["message"] == text
    seen = login_as(owner).get(f"{INQUIRIES}/{body['id']}/messages").json["items"]
    assert seen[0]["body"] == text


# Reading --------------------------------------------------------------------------------


def test_the_parties_and_admins_see_an_inquiry_others_get_404(
    login_as, buyer, other_buyer, owner, staff, other_staff, admin, supplier
):
    inquiry = send_inquiry(login_as(buyer), supplier.id)
    path = f"{INQUIRIES}/{inquiry['id']}"

    for user in (buyer, owner, staff, admin):
        client = login_as(user)
        assert client.get(path).status_code == 200
        assert client.get(f"{path}/messages").status_code == 200
    for user in (other_buyer, other_staff):
        client = login_as(user)
        assert client.get(path).status_code == 404
        assert client.get(f"{path}/messages").status_code == 404
    assert login_as(admin).get(path).json["unread_count"] is None  # not a party


def test_a_missing_inquiry_is_404(login_as, buyer):
    client = login_as(buyer)
    assert client.get(f"{INQUIRIES}/999999").status_code == 404
    assert client.get(f"{INQUIRIES}/99999999999").status_code == 404


def test_lists_are_scoped_to_the_viewer(
    login_as, buyer, other_buyer, owner, other_staff, admin, supplier
):
    mine = [send_inquiry(login_as(buyer), supplier.id)["id"] for _ in range(2)]
    other = SupplierOwnerFactory()
    theirs = send_inquiry(login_as(other_buyer), other.supplier_id)["id"]

    def ids(user, **params):
        response = login_as(user).get(INQUIRIES, query_string=params)
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    assert ids(buyer) == mine[::-1]  # newest first
    assert ids(other_buyer) == [theirs]
    assert ids(owner) == mine[::-1]
    assert ids(other_staff) == []
    assert ids(other) == [theirs]
    assert set(ids(admin)) >= {*mine, theirs}


def test_status_and_unread_filters(login_as, buyer, owner, supplier):
    buyer_client, owner_client = login_as(buyer), login_as(owner)
    first = send_inquiry(buyer_client, supplier.id)["id"]
    second = send_inquiry(buyer_client, supplier.id)["id"]
    owner_client.post(f"{INQUIRIES}/{first}/messages", json={"body": "We can do 0.90."})

    def ids(client, **params):
        return [i["id"] for i in client.get(INQUIRIES, query_string=params).json["items"]]

    assert ids(owner_client, status="open") == [second]
    assert ids(owner_client, status="replied") == [first]
    assert ids(owner_client, status="closed") == []
    # The supplier has read the first (it replied), not the second.
    assert ids(owner_client, unread="true") == [second]
    assert ids(owner_client, unread="false") == [first]
    # The buyer has the reply unread.
    assert ids(buyer_client, unread="true") == [first]
    assert owner_client.get(INQUIRIES, query_string={"status": "lost"}).status_code == 422


def test_keyset_pages(login_as, buyer, supplier):
    client = login_as(buyer)
    made = [send_inquiry(client, supplier.id)["id"] for _ in range(5)]

    first = client.get(INQUIRIES, query_string={"limit": 2}).json
    second = client.get(INQUIRIES, query_string={"limit": 2, "cursor": first["next_cursor"]}).json
    third = client.get(INQUIRIES, query_string={"limit": 2, "cursor": second["next_cursor"]}).json

    seen = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert seen == made[::-1]
    assert third["next_cursor"] is None
    bad = client.get(INQUIRIES, query_string={"cursor": "forged"})
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]
    assert client.get(INQUIRIES, query_string={"limit": 101}).status_code == 422


def test_unread_count_in_lists_and_detail(login_as, buyer, owner, staff, supplier):
    buyer_client = login_as(buyer)
    inquiry_id = send_inquiry(buyer_client, supplier.id)["id"]
    path = f"{INQUIRIES}/{inquiry_id}"

    assert login_as(owner).get(path).json["unread_count"] == 1  # the opening message
    assert login_as(staff).get(INQUIRIES).json["items"][0]["unread_count"] == 1
    buyer_client.post(f"{path}/messages", json={"body": "Also: can you do navy blue?"})
    assert login_as(owner).get(path).json["unread_count"] == 2
    assert buyer_client.get(path).json["unread_count"] == 0
    assert inquiry_row(inquiry_id).status == InquiryStatus.OPEN


def test_the_supplier_stats_count_the_last_30_days(login_as, buyer, owner, supplier):
    from datetime import timedelta

    from marketplace.db import utcnow

    old = send_inquiry(login_as(buyer), supplier.id)["id"]
    send_inquiry(login_as(buyer), supplier.id)
    inquiry_row(old).created_at = utcnow() - timedelta(days=31)
    commit()

    stats = login_as(owner).get(f"/api/v1/suppliers/{supplier.id}/stats").json
    assert stats["inquiries_last_30_days"] == 1
