"""A suspended company is read-only for its members, on the API and the pages alike.

Every writing route answers 403 "Your company is suspended..." and writes nothing: the
authorization matrix holds every writing route to it for the suspended company's owner
and staff (tests/test_authz_matrix.py, ``test_a_suspended_company_is_read_only``).
Here: the message, in the reader's language; reading still works, so the members see
why; their own account stays theirs; reinstating opens the company again at once.
"""

from __future__ import annotations

import io
from html import unescape

import pytest

from marketplace import transaction
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.moderation import services as moderation
from marketplace.suppliers.models import SupplierStatus
from tests.catalog.conftest import product_payload
from tests.catalog.support import commit, count, make_product
from tests.factories import SupplierFactory, SupplierOwnerFactory, SupplierStaffFactory
from tests.web.conftest import Browser

MESSAGE = (
    "Your company is suspended: its catalog, profile, team, quotations and inquiries are "
    "read-only. Contact the platform administrators."
)
MESSAGE_ZH = "贵公司已被停用：产品目录、公司资料、团队、报价和询盘均为只读。请联系平台管理员。"  # noqa: RUF001 - the Chinese colon


@pytest.fixture
def supplier():
    return SupplierFactory(name="Jinjiang Happy Feet Shoes Co., Ltd.")


@pytest.fixture
def owner(supplier):
    return SupplierOwnerFactory(supplier=supplier)


@pytest.fixture
def staff(supplier):
    return SupplierStaffFactory(supplier=supplier)


@pytest.fixture
def draft(supplier):
    return make_product(supplier, sku="EVA-SUS-1")


def suspend(supplier) -> None:
    moderation.suspend_supplier(supplier, "Counterfeit certificates.")
    transaction.commit()


def browser_for(app, user, language: str = "en") -> Browser:
    browser = Browser(app.test_client())
    browser.client.set_cookie("mp_lang", language)
    browser.login(user.email)
    return browser


def catalog_rows() -> int:
    from marketplace.catalog.models import Product

    return count(Product)


def test_the_api_refuses_with_the_reason_and_writes_nothing(login_as, owner, staff, draft):
    suspend(owner.supplier)
    before = catalog_rows()
    for user in (owner, staff):
        client = login_as(user)
        for method, path, kwargs in (
            ("POST", "/api/v1/products", {"json": product_payload(sku="NEW-1")}),
            ("PATCH", f"/api/v1/products/{draft.id}", {"json": {"name": "Renamed slide"}}),
            ("POST", f"/api/v1/products/{draft.id}/submit", {}),
            (
                "POST",
                "/api/v1/catalog/import",
                {"data": {"file": (io.BytesIO(b"sku,name\n"), "catalog.csv")}},
            ),
            ("PATCH", f"/api/v1/suppliers/{owner.supplier_id}", {"json": {"employees": 9}}),
        ):
            response = client.open(method, path, **kwargs)
            assert (response.status_code, response.json["message"]) == (403, MESSAGE), path
    assert catalog_rows() == before
    db.session.expire_all()
    assert owner.supplier.employees == 120
    assert draft.status == ProductStatus.DRAFT and draft.name != "Renamed slide"


def test_a_page_form_refuses_in_the_readers_language(app, owner, draft):
    suspend(owner.supplier)
    english = browser_for(app, owner)
    chinese = browser_for(app, owner, "zh")

    response = english.post(f"/dashboard/products/{draft.id}/submit", {})
    assert response.status_code == 403
    assert MESSAGE in unescape(response.text)
    response = chinese.post("/dashboard/profile", {"name": owner.supplier.name})
    assert response.status_code == 403
    assert MESSAGE_ZH in response.text
    db.session.expire_all()
    assert draft.status == ProductStatus.DRAFT


def test_reading_still_works_and_says_why(app, login_as, owner, draft):
    suspend(owner.supplier)
    browser = browser_for(app, owner)

    home = browser.get("/dashboard")
    assert home.status_code == 200
    assert "Counterfeit certificates." in home.text
    products = browser.get("/dashboard/products")
    assert products.status_code == 200
    assert MESSAGE in unescape(products.text)  # every dashboard page says why
    assert browser.get(f"/dashboard/products/{draft.id}").status_code == 200
    client = login_as(owner)
    assert client.get(f"/api/v1/suppliers/{owner.supplier_id}").json["status"] == "suspended"
    assert client.get("/api/v1/catalog/export").status_code == 200


def test_the_members_own_account_stays_theirs(login_as, owner):
    suspend(owner.supplier)
    client = login_as(owner)

    assert client.patch("/api/v1/auth/me", json={"name": "Lin Hua"}).status_code == 200
    assert client.post("/api/v1/auth/tokens", json={"name": "ERP"}).status_code == 201
    assert client.post("/api/v1/notifications/read-all").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204


def test_reinstating_opens_the_company_again_at_once(login_as, owner, draft):
    suspend(owner.supplier)
    client = login_as(owner)
    assert client.post(f"/api/v1/products/{draft.id}/submit").status_code == 403

    moderation.reinstate_supplier(owner.supplier)
    transaction.commit()

    assert client.post(f"/api/v1/products/{draft.id}/submit").status_code == 200
    db.session.expire_all()
    assert owner.supplier.status == SupplierStatus.ACTIVE


def test_another_companys_members_are_not_affected(login_as, owner):
    suspend(owner.supplier)
    other = SupplierOwnerFactory()
    commit()

    response = login_as(other).post("/api/v1/products", json=product_payload(sku="OK-1"))

    assert response.status_code == 201, response.json
