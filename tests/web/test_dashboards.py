from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace.suppliers.models import SupplierStatus, VerificationStatus
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)

DASHBOARDS = ["/dashboard", "/buyer", "/admin"]


@pytest.mark.parametrize("path", DASHBOARDS)
def test_anonymous_visitors_are_sent_to_login_with_next(browser, path):
    response = browser.get(path)

    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": [path]}
    follow = browser.get(f"{target.path}?{target.query}")
    assert f'action="/login?next={path}"' in follow.text


def test_login_after_the_redirect_returns_to_the_dashboard(browser):
    owner = SupplierOwnerFactory()
    redirect_to = browser.get("/dashboard").headers["Location"]

    response = browser.post(
        redirect_to,
        {"email": owner.email, "password": "correct horse battery staple"},
        csrf_from=redirect_to,
    )

    assert urlsplit(response.headers["Location"]).path == "/dashboard"


@pytest.mark.parametrize(
    ("factory", "forbidden"),
    [
        (BuyerFactory, ["/dashboard", "/admin"]),
        (SupplierOwnerFactory, ["/buyer", "/admin"]),
        (SupplierStaffFactory, ["/buyer", "/admin"]),
        (AdminFactory, ["/dashboard", "/buyer"]),
    ],
)
def test_wrong_role_gets_the_403_page(signed_in, factory, forbidden):
    page = signed_in(factory())

    for path in forbidden:
        response = page.get(path)
        assert response.status_code == 403, path
        assert response.mimetype == "text/html"
        assert "Access denied" in response.text
        assert "Your account does not have access to this page." in response.text


def test_buyer_dashboard_shows_name_company_and_navigation(signed_in):
    buyer = BuyerFactory(name="Maria Santos", company_name="Manila Footwear Trading", country="PH")

    response = signed_in(buyer).get("/buyer")

    assert response.status_code == 200
    text = response.text
    assert "Welcome, Maria Santos" in text
    assert "Manila Footwear Trading" in text
    assert buyer.email in text
    assert "Philippines" in text
    for item in ("My inquiries", "My RFQs", "Compare quotations"):
        assert item in text
    assert 'href="/buyer" aria-current="page"' in text


def test_supplier_dashboard_shows_the_company_and_the_member_role(signed_in):
    supplier = SupplierFactory(name="Fujian Jinjiang Hengda Shoes Co., Ltd.")
    owner = SupplierOwnerFactory(name="Lin Hua", supplier=supplier)
    staff = SupplierStaffFactory(name="Wang Fang", supplier=supplier)

    owner_page = signed_in(owner).get("/dashboard").text
    staff_page = signed_in(staff).get("/dashboard").text

    for page, name, role in ((owner_page, "Lin Hua", "Owner"), (staff_page, "Wang Fang", "Staff")):
        assert "Fujian Jinjiang Hengda Shoes Co., Ltd." in page
        assert name in page
        assert f'<span class="badge">{role}</span>' in page
        for item in ("Products", "Bulk import", "Inquiries", "RFQs and quotations", "Team"):
            assert item in page
        assert "Not verified yet" in page


def test_supplier_dashboard_shows_verification_and_suspension(signed_in):
    supplier = SupplierFactory(
        verification_status=VerificationStatus.VERIFIED, status=SupplierStatus.SUSPENDED
    )
    page = signed_in(SupplierOwnerFactory(supplier=supplier)).get("/dashboard").text

    assert "Verified supplier" in page
    assert "Your company is suspended" in page


def test_admin_dashboard_lists_the_moderation_sections(signed_in):
    admin = AdminFactory(name="Platform Ops")

    response = signed_in(admin).get("/admin")

    assert response.status_code == 200
    for text in (
        "Platform Ops",
        "Product review queue",
        "Suppliers and verification",
        "Reports",
        "Audit log",
    ):
        assert text in response.text


def test_supplier_account_removed_from_its_company_is_refused(signed_in, db_session):
    staff = SupplierStaffFactory()
    page = signed_in(staff)
    staff.supplier_id = None
    staff.company_role = None
    db_session.flush()

    response = page.get("/dashboard")

    assert response.status_code == 403
    assert "Only members of a supplier company can open this page." in response.text


def test_user_names_are_escaped(signed_in):
    buyer = BuyerFactory(
        name="<script>alert(1)</script>", company_name='"><img src=x onerror=alert(2)>'
    )

    response = signed_in(buyer).get("/buyer")

    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(2)&gt;" in response.text


def test_dashboards_are_not_cached(signed_in):
    response = signed_in(BuyerFactory()).get("/buyer")

    assert "no-store" in response.headers["Cache-Control"]
