"""Order documents: accepted by their content (not their name), size-capped, stored
under server-made names, downloaded as attachments by the parties and admins, removed
by their uploader (audited) until the order is completed."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.orders.models import OrderDocument, OrderStatus
from marketplace.storage import get_storage
from tests.orders.support import (
    accepted_deal,
    count,
    docx_like_bytes,
    exe_bytes,
    jpeg_bytes,
    order_for,
    pdf_bytes,
    png_bytes,
    xlsx_bytes,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def deal():
    return accepted_deal()


def upload(client, order_id, data: bytes, filename: str, kind: str = "other", **kwargs):
    return client.post(
        f"/api/v1/orders/{order_id}/documents",
        data={"file": (io.BytesIO(data), filename, kwargs.pop("mimetype", None)), "kind": kind},
        content_type="multipart/form-data",
        **kwargs,
    )


@pytest.mark.parametrize(
    ("make", "filename", "kind", "content_type", "stored_name"),
    [
        (pdf_bytes, "PI-2026-17.pdf", "proforma_invoice", "application/pdf", "PI-2026-17.pdf"),
        (xlsx_bytes, "packing list.xlsx", "packing_list", XLSX_TYPE, "packing list.xlsx"),
        (png_bytes, "cartons.png", "photo", "image/png", "cartons.png"),
        (jpeg_bytes, "label.jpeg", "photo", "image/jpeg", "label.jpg"),
        (pdf_bytes, "装箱单", "packing_list", "application/pdf", "装箱单.pdf"),
    ],
)
def test_real_documents_are_accepted_and_listed(
    deal, login_as, make, filename, kind, content_type, stored_name
):
    order = order_for(deal)
    client = login_as(deal.buyer)

    response = upload(client, order.id, make(), filename, kind)

    assert response.status_code == 201, response.json
    document = response.json
    assert (document["kind"], document["filename"], document["content_type"]) == (
        kind,
        stored_name,
        content_type,
    )
    assert document["size"] == len(make())
    assert document["url"] == f"/api/v1/orders/{order.id}/documents/{document['id']}"
    row = db.session.get(OrderDocument, document["id"])
    assert row.storage_key.startswith(f"orders/{order.id}/")
    assert filename not in row.storage_key  # a server-made name
    listed = client.get(f"/api/v1/orders/{order.id}").json["documents"]
    assert [d["id"] for d in listed] == [document["id"]]


@pytest.mark.parametrize(
    ("data", "filename", "mimetype"),
    [
        (exe_bytes(), "invoice.pdf", "application/pdf"),  # a program renamed
        (docx_like_bytes(), "packing.xlsx", XLSX_TYPE),  # a ZIP that is no workbook
        (b"PK\x03\x04 not really a zip", "packing.xlsx", XLSX_TYPE),
        (b"<html><script>alert(1)</script></html>", "photo.png", "image/png"),
        (b"GIF89a" + b"\x00" * 20, "photo.jpg", "image/jpeg"),
        (b"", "empty.pdf", "application/pdf"),
    ],
)
def test_files_are_judged_by_their_content(deal, login_as, data, filename, mimetype):
    order = order_for(deal)
    keys = set(get_storage().keys(f"orders/{order.id}/"))

    response = upload(login_as(deal.owner), order.id, data, filename, mimetype=mimetype)

    assert response.status_code == 422, response.json
    assert "file" in response.json["errors"]
    assert count(OrderDocument) == 0
    assert set(get_storage().keys(f"orders/{order.id}/")) == keys


def test_an_oversize_file_is_413(deal, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1000)
    order = order_for(deal)
    client = login_as(deal.owner)

    too_big = upload(client, order.id, pdf_bytes() + b"%" * 1000, "big.pdf")
    fits = upload(client, order.id, pdf_bytes(), "small.pdf")

    assert too_big.status_code == 413, too_big.json
    assert "at most" in too_big.json["message"]
    assert fits.status_code == 201
    assert count(OrderDocument) == 1


def test_a_body_over_the_upload_cap_is_413(deal, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_UPLOAD_MAX_BODY", 2000)
    order = order_for(deal)
    response = upload(login_as(deal.owner), order.id, pdf_bytes() + b"%" * 5000, "big.pdf")
    assert response.status_code == 413
    assert count(OrderDocument) == 0


def test_kind_is_required_and_from_the_list(deal, login_as):
    order = order_for(deal)
    client = login_as(deal.owner)
    assert upload(client, order.id, pdf_bytes(), "a.pdf", kind="invoice").status_code == 422
    response = client.post(
        f"/api/v1/orders/{order.id}/documents",
        data={"file": (io.BytesIO(pdf_bytes()), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "kind" in response.json["errors"]


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 403), ("other_buyer", 404), ("other_member", 404)],
)
def test_only_the_parties_upload(deal, login_as, role, status):
    order = order_for(deal)
    response = upload(login_as(deal.user(role)), order.id, pdf_bytes(), "a.pdf")
    assert response.status_code == status
    assert count(OrderDocument) == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("buyer", 200),
        ("owner", 200),
        ("staff", 200),
        ("admin", 200),
        ("other_buyer", 404),
        ("other_member", 404),
    ],
)
def test_downloads_are_attachments_for_the_parties_and_admins(deal, login_as, role, status):
    order = order_for(deal)
    document = upload(login_as(deal.owner), order.id, pdf_bytes(), "发票 PI 17.pdf").json

    response = login_as(deal.user(role)).get(document["url"])

    assert response.status_code == status
    if status == 200:
        assert response.get_data() == pdf_bytes()
        assert response.mimetype == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%E5%8F%91%E7%A5%A8%20PI%2017.pdf" in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
    response.close()


def test_a_document_of_another_order_is_404(deal, login_as):
    order = order_for(deal)
    other = accepted_deal()
    other_order = order_for(other)
    document = upload(login_as(other.owner), other_order.id, pdf_bytes(), "a.pdf").json

    response = login_as(deal.owner).get(f"/api/v1/orders/{order.id}/documents/{document['id']}")

    assert response.status_code == 404


def test_the_uploader_removes_a_document_audited(deal, login_as):
    order = order_for(deal, OrderStatus.SHIPPED)
    client = login_as(deal.staff)
    document = upload(client, order.id, png_bytes(), "cartons.png", "photo").json
    key = db.session.get(OrderDocument, document["id"]).storage_key

    response = client.delete(document["url"])

    assert response.status_code == 204
    assert count(OrderDocument) == 0
    assert not get_storage().exists(key)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "order.document_delete")
    ).one()
    assert entry.actor_id == deal.staff.id and entry.target_id == order.id
    assert entry.details["filename"] == "cartons.png"
    assert client.get(f"/api/v1/orders/{order.id}").json["documents"] == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 403),  # a colleague, not the uploader
        ("buyer", 403),
        ("admin", 403),
        ("other_buyer", 404),
        ("other_member", 404),
    ],
)
def test_only_the_uploader_removes(deal, login_as, role, status):
    order = order_for(deal)
    document = upload(login_as(deal.staff), order.id, pdf_bytes(), "a.pdf").json

    response = login_as(deal.user(role)).delete(document["url"])

    assert response.status_code == status
    assert count(OrderDocument) == 1


def test_a_completed_orders_documents_stay(deal, login_as):
    order = order_for(deal, OrderStatus.DELIVERED)
    client = login_as(deal.buyer)
    document = upload(client, order.id, pdf_bytes(), "receipt.pdf").json
    assert client.post(f"/api/v1/orders/{order.id}/complete").status_code == 200

    response = client.delete(document["url"])

    assert response.status_code == 409
    assert count(OrderDocument) == 1
    assert count(AuditEntry, AuditEntry.action == "order.document_delete") == 0
