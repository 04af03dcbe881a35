import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.suppliers.models import Supplier
from tests.factories import BuyerFactory
from tests.web.conftest import FormScan, csrf_token_in

GOOD_PASSWORD = "slippers from neikeng 2026"


def user_by_email(db_session, email: str) -> User | None:
    return db_session.scalar(sa.select(User).where(User.email_normalized == email.lower()))


def count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_register_form_fields_are_named_like_the_api_and_labelled(browser):
    response = browser.get("/register")

    assert response.status_code == 200
    scan = FormScan(response.text)
    names = {control.get("name") for control in scan.controls}
    assert {"email", "password", "name", "role", "company_name", "country"} <= names
    for control in scan.controls:
        assert control.get("id") in scan.label_targets, control
    roles = {c["value"] for c in scan.controls if c.get("name") == "role"}
    assert roles == {"buyer", "supplier"}


def test_buyer_registers_and_lands_on_the_buyer_dashboard(browser, db_session):
    response = browser.post(
        "/register",
        {
            "role": "buyer",
            "name": "Nguyen Van An",
            "email": "An@Importer.example",
            "password": GOOD_PASSWORD,
            "company_name": "",
            "country": "VN",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/buyer")
    user = user_by_email(db_session, "an@importer.example")
    assert user.role == Role.BUYER
    assert user.country == "VN"
    assert user.company_name is None
    dashboard = browser.get("/buyer")
    assert dashboard.status_code == 200
    assert "Welcome, Nguyen Van An! Your account is ready." in dashboard.text


def test_supplier_registers_with_a_company_and_owns_it(browser, db_session):
    response = browser.post(
        "/register",
        {
            "role": "supplier",
            "name": "Chen Wei",
            "email": "chen@jinjiang-eva.example",
            "password": GOOD_PASSWORD,
            "company_name": "Jinjiang EVA Footwear Co., Ltd.",
            "country": "CN",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    user = user_by_email(db_session, "chen@jinjiang-eva.example")
    assert user.supplier.name == "Jinjiang EVA Footwear Co., Ltd."
    assert user.company_role == CompanyRole.OWNER
    page = browser.get("/dashboard")
    assert page.status_code == 200
    assert "Jinjiang EVA Footwear Co., Ltd." in page.text


def test_supplier_without_company_name_sees_the_error_and_nothing_is_written(browser, db_session):
    users_before, suppliers_before = count(db_session, User), count(db_session, Supplier)

    response = browser.post(
        "/register",
        {
            "role": "supplier",
            "name": "Chen Wei",
            "email": "chen@factory.example",
            "password": GOOD_PASSWORD,
            "company_name": "  ",
            "country": "CN",
        },
    )

    assert response.status_code == 422
    assert "Enter the name of your company." in response.text
    assert 'id="company_name-error"' in response.text
    assert 'value="chen@factory.example"' in response.text  # what was typed is kept
    assert user_by_email(db_session, "chen@factory.example") is None
    assert count(db_session, User) == users_before
    assert count(db_session, Supplier) == suppliers_before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid e-mail address"),
        ("password", "short", "Use 10 to 128 characters."),
        ("password", "x" * 129, "Use 10 to 128 characters."),
        ("password", "password123", "This password is too common"),
        ("name", "", "Enter your name."),
        ("role", "admin", "Not a valid choice"),
        ("country", "XX1", "Not a valid choice"),
    ],
)
def test_invalid_fields_are_reported_on_the_form(browser, db_session, field, value, message):
    data = {
        "role": "buyer",
        "name": "Priya Shah",
        "email": "priya@importer.example",
        "password": GOOD_PASSWORD,
        "country": "IN",
        field: value,
    }

    response = browser.post("/register", data)

    assert response.status_code == 422
    assert message in response.text
    assert user_by_email(db_session, data["email"] if field != "email" else value) is None


def test_duplicate_email_is_refused_whatever_the_case(browser, db_session):
    existing = BuyerFactory(email="taken@importer.example")
    transaction.commit()  # as in real life: the existing account is committed

    response = browser.post(
        "/register",
        {
            "role": "buyer",
            "name": "Someone Else",
            "email": "TAKEN@importer.example",
            "password": GOOD_PASSWORD,
        },
    )

    assert response.status_code == 409
    assert "An account with this e-mail already exists." in response.text
    assert count(db_session, User) == 1
    assert user_by_email(db_session, "taken@importer.example").id == existing.id


def test_register_without_csrf_token_writes_nothing(browser, db_session):
    response = browser.post(
        "/register",
        {
            "role": "buyer",
            "name": "No Token",
            "email": "notoken@importer.example",
            "password": GOOD_PASSWORD,
        },
        csrf_from=False,
    )

    assert response.status_code == 400
    assert user_by_email(db_session, "notoken@importer.example") is None


def test_page_registrations_share_the_per_ip_limit(app, browser, db_session):
    limit = int(app.config["REGISTER_LIMIT_PER_IP"].split()[0])
    token = csrf_token_in(browser.get("/register").text)
    data = {"csrf_token": token, "role": "buyer", "name": "", "email": "x@importer.example"}
    for _ in range(limit):
        assert browser.client.post("/register", data=data).status_code == 422

    response = browser.client.post(
        "/register",
        data={**data, "name": "Late", "password": GOOD_PASSWORD},
        headers={"Accept": "text/html"},
    )

    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Retry-After" in response.headers
    assert count(db_session, User) == 0
