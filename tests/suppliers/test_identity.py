"""A company's identity (name, city, province, address): what verification vouches for.

The owner's to change (staff: 403 on the API, an error on the page's form), checked
against the prohibited terms (422 naming the field), audited with the old and new
values, and a verified company goes back to the admins' verification queue.  Sending the
same values again changes nothing.
"""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.moderation.checks import normalise_term
from marketplace.moderation.models import ProhibitedTerm
from marketplace.moderation.terms import add_prohibited_term
from marketplace.suppliers.models import Supplier, VerificationRequest, VerificationStatus
from tests.catalog.support import commit
from tests.factories import (
    AdminFactory,
    SupplierFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)
from tests.web.conftest import Browser

LICENCE = "91350582MA2XYZ1234"
IDENTITY = {
    "name": "Jinjiang Happy Feet Shoes Co., Ltd.",
    "city": "Neikeng, Jinjiang",
    "province": "Fujian",
    "address": "No. 8 Industrial Road, Neikeng Town",
}
NEW_IDENTITY = {
    "name": "Nike Official Factory Outlet",
    "city": "Putian",
    "province": "Fujian Province",
    "address": "No. 1 Brand Street",
}


@pytest.fixture
def supplier():
    """A verified company, with the request its verification decided."""
    supplier = SupplierFactory(**IDENTITY, verification_status=VerificationStatus.VERIFIED)
    db.session.add(
        VerificationRequest(
            supplier_id=supplier.id,
            business_licence_number=LICENCE,
            evidence="Licence photo.",
            status=VerificationStatus.VERIFIED,
        )
    )
    commit()
    return supplier


@pytest.fixture
def owner(supplier):
    return SupplierOwnerFactory(supplier=supplier)


@pytest.fixture
def staff(supplier):
    return SupplierStaffFactory(supplier=supplier)


def prohibit(*terms: str) -> None:
    """On the admins' list (the migration seeds the common brands already)."""
    listed = set(db.session.scalars(sa.select(ProhibitedTerm.term_normalized)))
    for term in terms:
        if normalise_term(term) not in listed:
            add_prohibited_term(term)
    commit()


def url(supplier) -> str:
    return f"/api/v1/suppliers/{supplier.id}"


def company(supplier_id: int) -> dict:
    db.session.expire_all()
    row = db.session.get(Supplier, supplier_id)
    return {
        **{field: getattr(row, field) for field in IDENTITY},
        "description": row.description,
        "verification_status": row.verification_status,
    }


def identity_audit_rows(supplier_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(
                AuditEntry.action == "supplier.identity_change",
                AuditEntry.supplier_id == supplier_id,
            )
            .order_by(AuditEntry.id)
        )
    )


def requests_of(supplier_id: int) -> list[tuple[VerificationStatus, str]]:
    db.session.expire_all()
    return [
        (r.status, r.business_licence_number)
        for r in db.session.scalars(
            sa.select(VerificationRequest)
            .where(VerificationRequest.supplier_id == supplier_id)
            .order_by(VerificationRequest.id)
        )
    ]


# Staff: the rest of the profile, not the identity -----------------------------------


@pytest.mark.parametrize("field", list(IDENTITY))
def test_staff_cannot_change_an_identity_field(login_as, staff, supplier, field):
    before = company(supplier.id)
    response = login_as(staff).patch(
        url(supplier), json={field: NEW_IDENTITY[field], "description": "Changed too."}
    )

    assert response.status_code == 403, response.json
    assert response.json["message"] == "Only the company's owner can change its name or address."
    assert list(response.json["errors"]) == [field]
    assert company(supplier.id) == before  # the description neither: all or nothing
    assert identity_audit_rows(supplier.id) == []
    assert requests_of(supplier.id) == [(VerificationStatus.VERIFIED, LICENCE)]


def test_staff_may_send_the_identity_unchanged_with_other_fields(login_as, staff, supplier):
    response = login_as(staff).patch(
        url(supplier), json={**IDENTITY, "description": "Six EVA injection lines."}
    )

    assert response.status_code == 200, response.json
    assert response.json["is_verified"] is True
    assert company(supplier.id)["description"] == "Six EVA injection lines."
    assert identity_audit_rows(supplier.id) == []


# The owner: a verified company goes back to verification ----------------------------


def test_renaming_a_verified_company_sends_it_back_to_verification(login_as, owner, supplier):
    client = login_as(owner)
    response = client.patch(url(supplier), json={"name": "Jinjiang Happy Feet Footwear Group"})

    assert response.status_code == 200, response.json
    assert response.json["name"] == "Jinjiang Happy Feet Footwear Group"
    assert response.json["is_verified"] is False
    assert response.json["verification_status"] == "pending"
    assert client.get(url(supplier)).json["is_verified"] is False
    # The admins' queue has it again, with the licence number it was verified under.
    assert requests_of(supplier.id) == [
        (VerificationStatus.VERIFIED, LICENCE),
        (VerificationStatus.PENDING, LICENCE),
    ]
    admin = login_as(AdminFactory())
    queue = admin.get("/api/v1/admin/suppliers?verification=pending").json["items"]
    assert [item["id"] for item in queue] == [supplier.id]
    # One audit row with the old and new values.
    (row,) = identity_audit_rows(supplier.id)
    assert (row.actor_id, row.before_status, row.after_status) == (owner.id, "verified", "pending")
    assert row.details["changes"] == {
        "name": {"before": IDENTITY["name"], "after": "Jinjiang Happy Feet Footwear Group"}
    }
    # An admin verifies it again.
    verified = admin.post(f"/api/v1/admin/suppliers/{supplier.id}/verify", json={})
    assert verified.status_code == 200, verified.json
    assert company(supplier.id)["verification_status"] == VerificationStatus.VERIFIED


@pytest.mark.parametrize("field", ["city", "province", "address"])
def test_moving_a_verified_company_sends_it_back_to_verification(login_as, owner, supplier, field):
    response = login_as(owner).patch(url(supplier), json={field: NEW_IDENTITY[field]})

    assert response.status_code == 200, response.json
    assert response.json["verification_status"] == "pending"
    (row,) = identity_audit_rows(supplier.id)
    assert row.details["changes"] == {
        field: {"before": IDENTITY[field], "after": NEW_IDENTITY[field]}
    }


def test_the_same_identity_sent_again_changes_nothing(login_as, owner, supplier):
    padded = {field: f"  {value} " for field, value in IDENTITY.items()}
    response = login_as(owner).patch(url(supplier), json={**padded, "employees": 300})

    assert response.status_code == 200, response.json
    assert response.json["is_verified"] is True
    assert identity_audit_rows(supplier.id) == []
    assert requests_of(supplier.id) == [(VerificationStatus.VERIFIED, LICENCE)]


def test_an_unverified_company_is_renamed_and_audited_without_a_request(login_as):
    owner = SupplierOwnerFactory(supplier=SupplierFactory(**IDENTITY))
    response = login_as(owner).patch(url(owner.supplier), json={"name": "Happy Feet Shoes"})

    assert response.status_code == 200, response.json
    assert response.json["verification_status"] == "unverified"
    (row,) = identity_audit_rows(owner.supplier_id)
    assert (row.before_status, row.after_status) == ("unverified", "unverified")
    assert requests_of(owner.supplier_id) == []


# Prohibited terms ----------------------------------------------------------------------


def test_a_prohibited_term_in_the_name_or_address_is_422_naming_the_field(
    login_as, owner, supplier
):
    prohibit("Nike", "Under Armour")
    before = company(supplier.id)
    client = login_as(owner)

    response = client.patch(url(supplier), json={"name": "NIKE Official Factory Outlet"})
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {
        "name": ['The prohibited term "Nike" cannot be part of a company\'s name.']
    }

    response = client.patch(
        url(supplier), json={"name": "Nike outlet", "address": "1 Under-Armour Road"}
    )
    assert response.status_code == 422, response.json
    assert set(response.json["errors"]) == {"name", "address"}
    assert company(supplier.id) == before
    assert identity_audit_rows(supplier.id) == []

    # A word that merely contains a term is fine.
    response = client.patch(url(supplier), json={"name": "Nikeng Slipper Works"})
    assert response.status_code == 200, response.json


# The profile page -------------------------------------------------------------------


@pytest.fixture
def page(app):
    def signed_in(user) -> Browser:
        browser = Browser(app.test_client())
        browser.login(user.email)
        return browser

    return signed_in


def profile_form(**overrides) -> dict:
    form = {
        **IDENTITY,
        "description": "EVA slippers since 2005.",
        "year_established": "2005",
        "employees": "150",
        "monthly_capacity_pairs": "400000",
        "main_markets": "US, PH",
    }
    return form | overrides


def test_the_page_refuses_staff_a_new_name_on_the_form(page, staff, supplier):
    browser = page(staff)
    form_page = unescape(browser.get("/dashboard/profile").text)
    assert "Only the company's owner can change the company name" in form_page
    assert 'id="name" name="name" type="text" value="' in form_page and "readonly" in form_page
    before = company(supplier.id)

    response = browser.post("/dashboard/profile", profile_form(name="Nike Factory Outlet"))

    assert response.status_code == 403
    assert "Only the company's owner can change this." in unescape(response.text)
    assert 'value="Nike Factory Outlet"' in response.text  # the form keeps what was typed
    assert company(supplier.id) == before
    assert identity_audit_rows(supplier.id) == []


def test_the_page_saves_the_rest_of_the_profile_for_staff(page, staff, supplier):
    response = page(staff).post("/dashboard/profile", profile_form(description="Six lines."))

    assert response.status_code == 302
    assert company(supplier.id)["description"] == "Six lines."
    assert company(supplier.id)["verification_status"] == VerificationStatus.VERIFIED


def test_the_page_tells_the_owner_the_badge_is_gone(page, owner, supplier):
    browser = page(owner)
    response = browser.post("/dashboard/profile", profile_form(name="Happy Feet Footwear Group"))

    assert response.status_code == 302
    assert company(supplier.id)["verification_status"] == VerificationStatus.PENDING
    shown = browser.get("/dashboard/profile").text
    assert "the verified badge is removed until the platform team verifies" in shown
    assert len(identity_audit_rows(supplier.id)) == 1


def test_the_page_names_the_prohibited_term(page, owner, supplier):
    prohibit("Nike")
    before = company(supplier.id)

    response = page(owner).post("/dashboard/profile", profile_form(address="5 Nike Road"))

    assert response.status_code == 422
    assert "“Nike” is a prohibited term" in unescape(response.text)
    assert company(supplier.id) == before
