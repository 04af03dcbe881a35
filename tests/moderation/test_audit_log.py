"""The audit log: sensitive supplier actions write one row each (none when refused), the
admins' filterable list, a company's own entries, and no way to rewrite an entry."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEntry, AuditLogIsAppendOnly
from marketplace.catalog.models import Product, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from tests.catalog.support import commit, make_product
from tests.factories import SupplierOwnerFactory, SupplierStaffFactory
from tests.moderation.conftest import audit_rows

S = ProductStatus
CSV_HEADER = "sku,name,category,moq,currency,price_tiers\n"


def upload(client, text: str, path: str = "/api/v1/catalog/import"):
    return client.post(
        path,
        data={"file": (io.BytesIO(text.encode()), "catalog.csv")},
        content_type="multipart/form-data",
    )


# Sensitive supplier actions -----------------------------------------------------------


def test_team_changes_write_one_row_each(owner_api, owner, supplier):
    response = owner_api.post(
        f"/api/v1/suppliers/{supplier.id}/members",
        json={
            "email": "new.staff@factory.example",
            "name": "Lin Hong",
            "password": "a long staff passphrase",
        },
    )
    assert response.status_code == 201, response.json
    staff_id = response.json["id"]
    assert (
        owner_api.delete(f"/api/v1/suppliers/{supplier.id}/members/{staff_id}").status_code == 204
    )

    rows = audit_rows()
    assert [(r.action, r.target_type, r.target_id, r.supplier_id) for r in rows] == [
        ("supplier.member_added", "supplier", supplier.id, supplier.id),
        ("supplier.member_removed", "supplier", supplier.id, supplier.id),
    ]
    assert all(r.actor_id == owner.id and r.details["user_id"] == staff_id for r in rows)


def test_refused_team_changes_write_nothing(owner_api, owner, supplier):
    staff = SupplierStaffFactory(supplier=supplier)
    other = SupplierStaffFactory()
    # The owner cannot be removed; another company's member is not found.
    assert (
        owner_api.delete(f"/api/v1/suppliers/{supplier.id}/members/{owner.id}").status_code == 409
    )
    assert (
        owner_api.delete(f"/api/v1/suppliers/{supplier.id}/members/{other.id}").status_code == 404
    )
    # An existing account: 409; a weak password: 422.
    taken = owner_api.post(
        f"/api/v1/suppliers/{supplier.id}/members",
        json={"email": staff.email, "name": "Again"},
    )
    assert taken.status_code == 409
    weak = owner_api.post(
        f"/api/v1/suppliers/{supplier.id}/members",
        json={"email": "weak@factory.example", "name": "Weak", "password": "password123"},
    )
    assert weak.status_code == 422
    assert audit_rows() == []


def test_a_bulk_import_writes_one_row_with_its_counts(owner_api, owner, supplier):
    make_product(supplier, sku="OLD-1")
    text = CSV_HEADER + "".join(
        f"NEW-{n},EVA slides model {n},eva-slippers,1000,USD,1000:1.20\n" for n in range(3)
    )
    text += "OLD-1,Women's EVA bathroom slippers renamed,eva-slippers,1000,USD,1000:1.20\n"

    response = upload(owner_api, text)

    assert response.status_code == 201, response.json
    (row,) = audit_rows()
    assert (row.action, row.target_type, row.target_id, row.actor_id) == (
        "catalog.import",
        "supplier",
        supplier.id,
        owner.id,
    )
    assert (row.details["created"], row.details["updated"]) == (3, 1)
    assert row.details["filename"] == "catalog.csv"


def test_a_refused_import_writes_no_row(owner_api, supplier):
    text = CSV_HEADER + "BAD-1,EVA slides,no-such-category,1000,USD,1000:1.20\n"
    assert upload(owner_api, text).status_code == 422
    assert audit_rows() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


def test_the_import_page_writes_the_same_row(login_as, owner, supplier):
    page = login_as(owner)
    text = CSV_HEADER + "PG-1,EVA slides from the page,eva-slippers,1000,USD,1000:1.20\n"
    response = page.post(
        "/dashboard/import",
        data={"file": (io.BytesIO(text.encode()), "page.csv")},
        content_type="multipart/form-data",
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 200
    (row,) = audit_rows("catalog.import")
    assert row.details["created"] == 1 and row.details["filename"] == "page.csv"


# The admins' list --------------------------------------------------------------------


@pytest.fixture
def history(admin_api, supplier):
    """Three products moved by the admin: approve, reject, suspend (in that order)."""
    a = make_product(supplier, S.PENDING_REVIEW, sku="A")
    b = make_product(supplier, S.PENDING_REVIEW, sku="B")
    c = make_product(supplier, S.PUBLISHED, sku="C")
    admin_api.post(f"/api/v1/admin/products/{a.id}/approve")
    admin_api.post(f"/api/v1/admin/products/{b.id}/reject", json={"reason": "Blurry photos."})
    admin_api.post(f"/api/v1/admin/products/{c.id}/suspend", json={"reason": "Counterfeit."})
    return a, b, c


def actions(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["action"] for item in response.json["items"]]


def test_the_log_is_newest_first_with_every_field(admin_api, admin, history):
    response = admin_api.get("/api/v1/admin/audit-log")
    assert actions(response) == ["product.suspend", "product.reject", "product.approve"]
    newest = response.json["items"][0]
    assert newest["actor_email"] == admin.email and newest["actor_role"] == "admin"
    assert (newest["before_status"], newest["after_status"]) == ("published", "suspended")
    assert newest["reason"] == "Counterfeit." and newest["request_id"]
    assert newest["target_type"] == "product" and newest["created_at"].endswith("+00:00")


def test_the_log_filters(admin_api, admin, history, supplier):
    a, b, _c = history
    assert b.id != a.id
    log = "/api/v1/admin/audit-log"
    assert actions(admin_api.get(f"{log}?action=product.reject")) == ["product.reject"]
    assert len(actions(admin_api.get(f"{log}?action=product"))) == 3
    assert actions(admin_api.get(f"{log}?target_type=product&target_id={a.id}")) == [
        "product.approve"
    ]
    assert len(actions(admin_api.get(f"{log}?actor_id={admin.id}"))) == 3
    assert len(actions(admin_api.get(f"{log}?actor_email={admin.email.upper()}"))) == 3
    assert actions(admin_api.get(f"{log}?supplier_id={supplier.id + 1000}")) == []
    today = utcnow().date()
    assert len(actions(admin_api.get(f"{log}?since={today}&until={today}"))) == 3
    tomorrow = today + timedelta(days=1)
    assert actions(admin_api.get(f"{log}?since={tomorrow}")) == []
    assert actions(admin_api.get(f"{log}?until={today - timedelta(days=1)}")) == []
    assert actions(admin_api.get(f"{log}?until=9999-12-31")) != []
    assert admin_api.get(f"{log}?since=yesterday").status_code == 422


def test_the_log_pages_with_a_cursor(admin_api, history):
    first = admin_api.get("/api/v1/admin/audit-log?limit=2").json
    second = admin_api.get(f"/api/v1/admin/audit-log?limit=2&cursor={first['next_cursor']}").json
    assert [i["action"] for i in first["items"] + second["items"]] == [
        "product.suspend",
        "product.reject",
        "product.approve",
    ]
    assert second["next_cursor"] is None


def test_no_route_changes_or_deletes_an_entry(admin_api, history, app):
    (entry_id,) = [e.id for e in audit_rows("product.reject")]
    for method in ("PUT", "PATCH", "DELETE"):
        response = admin_api.open(method, f"/api/v1/admin/audit-log/{entry_id}")
        assert response.status_code == 404  # no route has an entry's id in its path
        response = admin_api.open(method, "/api/v1/admin/audit-log")
        assert response.status_code == 405
    rules = [r.rule for r in app.url_map.iter_rules() if "audit" in r.rule]
    methods = {m for r in app.url_map.iter_rules() if "audit" in r.rule for m in r.methods}
    assert methods <= {"GET", "HEAD", "OPTIONS"}, rules


def test_the_code_cannot_rewrite_an_entry_either(history):
    entry = audit_rows("product.reject")[0]
    entry.reason = "Nothing to see here."
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    entry = audit_rows("product.reject")[0]
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert audit_rows("product.reject")[0].reason == "Blurry photos."


# A company's own entries ---------------------------------------------------------------


def test_members_read_their_own_companys_entries_without_admin_names(
    history, owner_api, login_as, supplier, admin
):
    staff = SupplierStaffFactory(supplier=supplier)
    outsider = SupplierOwnerFactory()
    audit.record("catalog.import", outsider.supplier, actor=outsider, details={"created": 1})
    commit()

    for client in (owner_api, login_as(staff)):
        response = client.get(f"/api/v1/suppliers/{supplier.id}/audit-log")
        assert actions(response) == ["product.suspend", "product.reject", "product.approve"]
        entry = response.json["items"][1]
        assert entry["actor"] == "platform" and entry["reason"] == "Blurry photos."
        assert admin.email not in response.get_data(as_text=True)
    filtered = owner_api.get(f"/api/v1/suppliers/{supplier.id}/audit-log?action=product.approve")
    assert actions(filtered) == ["product.approve"]
    # Another company's log is not found, for its neighbours and for buyers alike.
    assert owner_api.get(f"/api/v1/suppliers/{outsider.supplier.id}/audit-log").status_code == 404
    assert login_as(outsider).get(f"/api/v1/suppliers/{supplier.id}/audit-log").status_code == 404


def test_a_members_own_actions_name_them(owner_api, owner, supplier):
    owner_api.post(
        f"/api/v1/suppliers/{supplier.id}/members",
        json={
            "email": "x.staff@factory.example",
            "name": "X",
            "password": "a long staff passphrase",
        },
    )
    (entry,) = owner_api.get(f"/api/v1/suppliers/{supplier.id}/audit-log").json["items"]
    assert entry["actor"] == owner.email and entry["action"] == "supplier.member_added"


def test_entries_keep_who_it_was_after_the_account_is_gone(history, admin):
    db.session.execute(sa.delete(User).where(User.id == admin.id))
    db.session.expire_all()
    entries = db.session.execute(sa.select(AuditEntry.actor_id, AuditEntry.actor_email)).all()
    assert set(entries) == {(None, admin.email)}
