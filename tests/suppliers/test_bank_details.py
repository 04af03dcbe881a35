"""A supplier's bank details (printed on its proforma invoices): its own members edit
them; only they and the admins ever see them."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.suppliers.models import Supplier
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)
from tests.web.conftest import Browser

DETAILS = (
    "Beneficiary: 晋江市内坑鞋业有限公司\nBank: Bank of China, Jinjiang Branch\nSWIFT: BKCHCNBJ73A"
)
SECRET = "BKCHCNBJ73A"


@pytest.fixture
def owner():
    owner = SupplierOwnerFactory()
    owner.supplier.bank_details = DETAILS
    db.session.flush()
    return owner


def path(supplier: Supplier) -> str:
    return f"/api/v1/suppliers/{supplier.id}"


def stored(supplier_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(Supplier, supplier_id).bank_details


def test_members_and_admins_see_the_bank_details(login_as, owner):
    staff = SupplierStaffFactory(supplier=owner.supplier)
    for user in (owner, staff, AdminFactory()):
        response = login_as(user).get(path(owner.supplier))
        assert response.status_code == 200
        assert response.json["bank_details"] == DETAILS, user


def test_nobody_else_sees_them_in_any_supplier_response(api, login_as, owner):
    outsiders = [api, login_as(BuyerFactory()), login_as(SupplierOwnerFactory())]
    for client in outsiders:
        response = client.get(path(owner.supplier))
        assert response.status_code == 200
        assert "bank_details" not in response.json
        assert response.json["name"] == owner.supplier.name  # the rest of the profile is there
        directory = client.get("/api/v1/suppliers?limit=100")
        assert directory.status_code == 200
        assert SECRET not in directory.text
        assert all("bank_details" not in item for item in directory.json["items"])
    page = Browser(outsiders[0].client).get(f"/suppliers/{owner.supplier.id}")
    assert page.status_code == 200
    assert owner.supplier.name in page.text
    assert SECRET not in page.text


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_owner_and_staff_edit_them(login_as, owner, who):
    user = owner if who == "owner" else SupplierStaffFactory(supplier=owner.supplier)
    new = "Beneficiary: Neikeng Shoes\r\nA/C 6222 0000 1111\nSWIFT: ICBKCNBJFJN  "
    response = login_as(user).patch(path(owner.supplier), json={"bank_details": new})
    assert response.status_code == 200, response.json
    assert response.json["bank_details"] == new.strip()
    assert stored(owner.supplier.id) == new.strip()
    # cleared with null; other fields untouched
    response = login_as(user).patch(path(owner.supplier), json={"bank_details": None})
    assert response.json["bank_details"] is None
    assert stored(owner.supplier.id) is None


def test_outsiders_cannot_edit_them(login_as, owner):
    for user in (BuyerFactory(), SupplierOwnerFactory(), AdminFactory()):
        response = login_as(user).patch(path(owner.supplier), json={"bank_details": "mine"})
        assert response.status_code in (403, 404)
    assert stored(owner.supplier.id) == DETAILS


@pytest.mark.parametrize("value", ["x" * 1001, 42, ["list"]])
def test_bad_bank_details_are_422(login_as, owner, value):
    response = login_as(owner).patch(path(owner.supplier), json={"bank_details": value})
    assert response.status_code == 422
    assert "bank_details" in response.json["errors"]
    assert stored(owner.supplier.id) == DETAILS


def test_a_nul_byte_is_refused(login_as, owner):
    response = login_as(owner).patch(path(owner.supplier), json={"bank_details": "a\x00b"})
    assert response.status_code == 400
    assert stored(owner.supplier.id) == DETAILS


def test_a_thousand_characters_of_chinese_fit(login_as, owner):
    text = "开户行" * 333 + "行"
    response = login_as(owner).patch(path(owner.supplier), json={"bank_details": text})
    assert response.status_code == 200
    assert stored(owner.supplier.id) == text


def test_the_dashboard_profile_form_edits_them(app, owner):
    browser = Browser(app.test_client())
    browser.login(owner.email)
    page = browser.get("/dashboard/profile")
    assert 'name="bank_details"' in page.text
    assert "SWIFT: BKCHCNBJ73A</textarea>" in page.text
    form = {
        "name": owner.supplier.name,
        "description": "",
        "bank_details": "Bank: ICBC Jinjiang\r\nSWIFT: ICBKCNBJFJN\r\n",
    }
    response = browser.post("/dashboard/profile", form)
    assert response.status_code == 302, response.text
    assert stored(owner.supplier.id) == "Bank: ICBC Jinjiang\nSWIFT: ICBKCNBJFJN"
    response = browser.post("/dashboard/profile", {**form, "bank_details": "x" * 1001})
    assert response.status_code == 422
    assert stored(owner.supplier.id) == "Bank: ICBC Jinjiang\nSWIFT: ICBKCNBJFJN"
    response = browser.post("/dashboard/profile", {**form, "bank_details": "  "})
    assert response.status_code == 302
    assert stored(owner.supplier.id) is None


def test_the_form_label_is_in_chinese_for_a_chinese_member(app, owner):
    browser = Browser(app.test_client())
    browser.login(owner.email)
    page = browser.get("/dashboard/profile", headers={"Accept-Language": "zh-CN"})
    assert "形式发票上的收款银行信息" in page.text
