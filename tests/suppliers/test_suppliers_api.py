"""Supplier companies: profiles, the directory, teams, verification requests, stats and
a supplier's product list."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.suppliers.models import (
    Certification,
    Supplier,
    SupplierStatus,
    VerificationRequest,
    VerificationStatus,
)
from tests.catalog.support import commit, count, make_product
from tests.conftest import PASSWORD
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
    UserFactory,
)

NEW_PASSWORD = "slipper factory night shift"
ME = "/api/v1/auth/me"


@pytest.fixture
def owner():
    return SupplierOwnerFactory()


@pytest.fixture
def staff(owner):
    return SupplierStaffFactory(supplier=owner.supplier)


@pytest.fixture
def supplier(owner):
    return owner.supplier


def base(supplier) -> str:
    return f"/api/v1/suppliers/{supplier.id}"


def supplier_row(supplier_id: int) -> tuple:
    db.session.expire_all()
    s = db.session.get(Supplier, supplier_id)
    return (
        s.name,
        s.description,
        s.city,
        s.year_established,
        s.employees,
        s.monthly_capacity_pairs,
        s.main_markets,
        s.status,
        s.verification_status,
        [(c.name, c.valid_until) for c in s.certifications],
    )


# Profile ------------------------------------------------------------------------------

PROFILE = {
    "name": "Jinjiang Neikeng Happy Feet Shoes Co., Ltd.",
    "description": "EVA injection and PVC blow-moulding, 6 lines. 晋江内坑.",
    "city": "Neikeng, Jinjiang",
    "province": "Fujian",
    "address": "No. 8 Industrial Road, Neikeng Town",
    "year_established": 2003,
    "employees": 260,
    "monthly_capacity_pairs": 900_000,
    "main_markets": ["US", "vn", "ZA"],
    "certifications": [
        {
            "name": "BSCI",
            "certificate_number": "BSCI-2211",
            "issued_by": "amfori",
            "valid_until": "2027-06-30",
        },
        {"name": "ISO 9001", "valid_until": None},
    ],
}


IDENTITY = ("name", "city", "province", "address")  # the owner's: tests/suppliers/test_identity.py


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_owner_and_staff_edit_the_profile(login_as, owner, staff, who):
    client = login_as(owner if who == "owner" else staff)
    sent = PROFILE if who == "owner" else {k: v for k, v in PROFILE.items() if k not in IDENTITY}
    kept = client.get(base(owner.supplier)).json
    response = client.patch(base(owner.supplier), json=sent)
    assert response.status_code == 200, response.json
    body = response.json
    for field in (
        "name",
        "description",
        "city",
        "province",
        "address",
        "year_established",
        "employees",
        "monthly_capacity_pairs",
    ):
        assert body[field] == (sent[field] if field in sent else kept[field]), field
    assert body["main_markets"] == ["US", "VN", "ZA"]
    certificates = {c["name"]: c for c in body["certifications"]}
    assert certificates["BSCI"]["valid_until"] == "2027-06-30"
    assert certificates["BSCI"]["issued_by"] == "amfori"
    assert certificates["ISO 9001"]["valid_until"] is None
    assert body["country"] == "CN" and body["status"] == "active"
    assert client.get(base(owner.supplier)).json == body

    # Certifications are replaced as a whole.
    response = client.patch(base(owner.supplier), json={"certifications": []})
    assert response.json["certifications"] == []
    assert count(Certification) == 0
    assert response.json["name"] == body["name"]  # the rest is untouched


BAD_PROFILE = [
    ("name", "A"),
    ("name", "x" * 201),
    ("name", None),
    ("description", "x" * 5001),
    ("city", "x" * 101),
    ("address", "x" * 301),
    ("year_established", 1800),
    ("year_established", date.today().year + 1),
    ("year_established", 2100),
    ("year_established", "2003"),
    ("employees", 0),
    ("employees", 2**31),
    ("monthly_capacity_pairs", 0),
    ("monthly_capacity_pairs", -1),
    ("main_markets", ["XX"]),
    ("main_markets", ["USA"]),
    ("main_markets", "US"),
    ("main_markets", [1]),
    ("main_markets", ["US", "us"]),
    ("certifications", [{"valid_until": "2027-01-01"}]),
    ("certifications", [{"name": "BSCI", "valid_until": "2027-13-01"}]),
    ("certifications", [{"name": "BSCI", "valid_until": "next year"}]),
    ("certifications", [{"name": "BSCI", "score": "A"}]),
    ("certifications", [{"name": "B"}]),
    ("certifications", [{"name": f"Cert {i}"} for i in range(31)]),
    ("certifications", {"name": "BSCI"}),
    # not profile fields: no mass assignment
    ("status", "active"),
    ("is_verified", True),
    ("verification_status", "verified"),
    ("response_rate", 1),
    ("country", "US"),
    ("id", 1),
]


@pytest.mark.parametrize(("field", "value"), BAD_PROFILE)
def test_bad_profile_values_are_422_naming_the_field(login_as, owner, field, value):
    client = login_as(owner)
    before = supplier_row(owner.supplier_id)
    response = client.patch(base(owner.supplier), json={field: value})
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert supplier_row(owner.supplier_id) == before


def test_year_established_this_year_is_fine(login_as, owner):
    response = login_as(owner).patch(
        base(owner.supplier), json={"year_established": date.today().year}
    )
    assert response.status_code == 200
    assert response.json["year_established"] == date.today().year


def test_cjk_profile_round_trips(login_as, owner):
    client = login_as(owner)
    body = {"name": "晋江市内坑快乐鞋业有限公司 👟", "city": "晋江 内坑"}
    assert client.patch(base(owner.supplier), json=body).status_code == 200
    shown = client.get(base(owner.supplier)).json
    assert (shown["name"], shown["city"]) == (body["name"], body["city"])


def test_buyers_and_admins_cannot_edit_a_profile(login_as, owner):
    before = supplier_row(owner.supplier_id)
    for user in (BuyerFactory(), AdminFactory()):
        response = login_as(user).patch(base(owner.supplier), json={"name": "Taken Over"})
        assert (response.status_code, response.json["message"]) == (
            403,
            "Only members of a supplier company can do this.",
        )
    assert supplier_row(owner.supplier_id) == before


# Directory ------------------------------------------------------------------------------


@pytest.fixture
def directory():
    def make(name, markets, verified=False, certs=(), status=SupplierStatus.ACTIVE):
        supplier = SupplierFactory(
            name=name,
            main_markets=markets,
            status=status,
            verification_status=(
                VerificationStatus.VERIFIED if verified else VerificationStatus.UNVERIFIED
            ),
        )
        for cert, valid_until in certs:
            supplier.certifications.append(Certification(name=cert, valid_until=valid_until))
        return supplier

    suppliers = {
        "eva": make(
            "Jinjiang EVA Slippers Co.",
            ["US", "PH"],
            verified=True,
            certs=[("BSCI", date(2030, 1, 1))],
        ),
        "pvc": make(
            "Neikeng PVC Footwear Ltd.",
            ["VN", "ZA"],
            certs=[("ISO 9001", None), ("BSCI", date(2020, 1, 1))],
        ),
        "flip": make("Xiamen Flip-Flop Works", ["US", "AE"], certs=[("ISO 9001", None)]),
        "gone": make(
            "Suspended EVA Slippers",
            ["US"],
            verified=True,
            certs=[("BSCI", None)],
            status=SupplierStatus.SUSPENDED,
        ),
    }
    commit()
    return suppliers


def names(response) -> set[str]:
    assert response.status_code == 200, response.json
    return {item["name"] for item in response.json["items"]}


def test_directory_lists_active_suppliers_newest_first(api, directory):
    response = api.get("/api/v1/suppliers")
    listed = [item["name"] for item in response.json["items"]]
    assert "Suspended EVA Slippers" not in listed
    assert listed[:3] == [
        "Xiamen Flip-Flop Works",
        "Neikeng PVC Footwear Ltd.",
        "Jinjiang EVA Slippers Co.",
    ]
    assert response.json["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # q searches name, city, province and description (the factory's description
        # says "EVA and PVC slippers", its city "Neikeng, Jinjiang"): see tests/search.
        (
            "q=eva",
            {"Jinjiang EVA Slippers Co.", "Neikeng PVC Footwear Ltd.", "Xiamen Flip-Flop Works"},
        ),
        ("q=flip-flop", {"Xiamen Flip-Flop Works"}),
        ("q=100%25", set()),
        ("verified=true", {"Jinjiang EVA Slippers Co."}),
        ("certification=bsci", {"Jinjiang EVA Slippers Co."}),  # PVC's BSCI has expired
        ("certification=ISO 9001", {"Neikeng PVC Footwear Ltd.", "Xiamen Flip-Flop Works"}),
        ("market=US", {"Jinjiang EVA Slippers Co.", "Xiamen Flip-Flop Works"}),
        ("market=za", {"Neikeng PVC Footwear Ltd."}),
        ("market=US&verified=false", {"Xiamen Flip-Flop Works"}),
        ("market=US&certification=BSCI&q=slippers", {"Jinjiang EVA Slippers Co."}),
    ],
)
def test_directory_filters(api, directory, query, expected):
    # Other tests' suppliers are rolled back; only this test's directory exists.
    assert names(api.get(f"/api/v1/suppliers?{query}")) == expected


def test_directory_unverified_filter(api, directory):
    found = names(api.get("/api/v1/suppliers?verified=false"))
    assert "Jinjiang EVA Slippers Co." not in found
    assert {"Neikeng PVC Footwear Ltd.", "Xiamen Flip-Flop Works"} <= found


@pytest.mark.parametrize(
    "query",
    ["market=XX", "verified=perhaps", "limit=0", "limit=101", "cursor=forged", "q=" + "x" * 201],
)
def test_directory_bad_filters_are_422(api, directory, query):
    assert api.get(f"/api/v1/suppliers?{query}").status_code == 422


def test_directory_pages(api, directory):
    first = api.get("/api/v1/suppliers?limit=2").json
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(f"/api/v1/suppliers?limit=2&cursor={first['next_cursor']}").json
    seen = [i["id"] for i in first["items"] + second["items"]]
    assert len(seen) == len(set(seen)) == 3


def test_a_suspended_supplier_is_visible_only_to_its_members_and_admins(
    api, login_as, owner, staff
):
    supplier = owner.supplier
    supplier.status = SupplierStatus.SUSPENDED
    commit()
    outsiders = [api, login_as(BuyerFactory()), login_as(SupplierOwnerFactory())]
    for client in outsiders:
        assert client.get(base(supplier)).status_code == 404
        assert client.get(f"{base(supplier)}/products").status_code == 404
    for user in (owner, staff, AdminFactory()):
        response = login_as(user).get(base(supplier))
        assert response.status_code == 200
        assert response.json["status"] == "suspended"


def test_unknown_supplier_is_404(api):
    assert api.get("/api/v1/suppliers/999999").status_code == 404
    assert api.get(f"/api/v1/suppliers/{2**31}").status_code == 404


# Team -------------------------------------------------------------------------------------


def test_members_list(login_as, owner, staff):
    for user in (owner, staff):
        response = login_as(user).get(f"{base(owner.supplier)}/members")
        assert response.status_code == 200
        roles = {m["email"]: m["company_role"] for m in response.json["items"]}
        assert roles == {owner.email: "owner", staff.email: "staff"}
        assert all("password" not in str(m) for m in response.json["items"])


def test_owner_adds_staff_with_a_new_account(login_as, make_api, owner):
    client = login_as(owner)
    response = client.post(
        f"{base(owner.supplier)}/members",
        json={"email": "Lin.Wei@Happyfeet.example", "name": "Lin Wei", "password": NEW_PASSWORD},
    )
    assert response.status_code == 201, response.json
    assert response.json["company_role"] == "staff"
    assert "password" not in response.json

    newcomer = make_api()
    assert newcomer.login("lin.wei@happyfeet.example", NEW_PASSWORD).status_code == 200
    me = newcomer.get(ME).json
    assert (me["role"], me["supplier_id"], me["company_role"]) == (
        "supplier",
        owner.supplier_id,
        "staff",
    )
    # The new colleague works on the catalog right away.
    assert newcomer.get(f"{base(owner.supplier)}/stats").status_code == 200


def test_owner_attaches_an_existing_companyless_supplier_account(login_as, make_api, owner):
    loner = UserFactory(role=Role.SUPPLIER, email="loner@factory.example")
    commit()
    response = login_as(owner).post(
        f"{base(owner.supplier)}/members", json={"email": "LONER@factory.example", "name": "Lo"}
    )
    assert response.status_code == 201, response.json
    assert response.json["id"] == loner.id
    db.session.expire_all()
    assert (loner.supplier_id, loner.company_role) == (owner.supplier_id, CompanyRole.STAFF)
    assert count(User, User.email_normalized == "loner@factory.example") == 1
    # Their own password still works; nobody else's was set.
    assert make_api().login("loner@factory.example", PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "who", ["buyer", "admin", "other company's staff", "already a member", "owner"]
)
def test_accounts_that_cannot_join_are_409(login_as, owner, staff, who):
    target = {
        "buyer": lambda: BuyerFactory(),
        "admin": lambda: AdminFactory(),
        "other company's staff": lambda: SupplierStaffFactory(),
        "already a member": lambda: staff,
        "owner": lambda: owner,
    }[who]()
    commit()
    before = db.session.execute(
        sa.select(User.id, User.supplier_id, User.role).order_by(User.id)
    ).all()
    response = login_as(owner).post(
        f"{base(owner.supplier)}/members",
        json={"email": target.email.upper(), "name": "X", "password": NEW_PASSWORD},
    )
    assert response.status_code == 409, response.json
    db.session.expire_all()
    assert (
        db.session.execute(sa.select(User.id, User.supplier_id, User.role).order_by(User.id)).all()
        == before
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "new@x.example", "name": "New", "password": "short"}, "password"),
        ({"email": "new@x.example", "name": "New", "password": "password123"}, "password"),
        ({"email": "new@x.example", "name": "New", "password": "x" * 129}, "password"),
        ({"email": "new@x.example", "name": "New"}, "password"),
        ({"email": "not-an-email", "name": "New", "password": NEW_PASSWORD}, "email"),
        ({"email": "new@x.example", "name": "", "password": NEW_PASSWORD}, "name"),
        ({"name": "New", "password": NEW_PASSWORD}, "email"),
        (
            {
                "email": "new@x.example",
                "name": "New",
                "password": NEW_PASSWORD,
                "company_role": "owner",
            },
            "company_role",
        ),
        (
            {"email": "new@x.example", "name": "New", "password": NEW_PASSWORD, "role": "admin"},
            "role",
        ),
    ],
)
def test_bad_new_member_is_422(login_as, owner, body, field):
    users = count(User)
    response = login_as(owner).post(f"{base(owner.supplier)}/members", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert count(User) == users


def test_staff_cannot_add_or_remove_members(login_as, owner, staff):
    other = SupplierStaffFactory(supplier=owner.supplier)
    commit()
    client = login_as(staff)
    users = count(User)
    response = client.post(
        f"{base(owner.supplier)}/members",
        json={"email": "new@x.example", "name": "New", "password": NEW_PASSWORD},
    )
    assert response.status_code == 403
    assert client.delete(f"{base(owner.supplier)}/members/{other.id}").status_code == 403
    assert client.delete(f"{base(owner.supplier)}/members/{owner.id}").status_code == 403
    db.session.expire_all()
    assert count(User) == users
    assert other.supplier_id == owner.supplier_id


def test_removed_member_loses_session_and_token_at_once(login_as, owner, staff):
    removed = login_as(staff)
    token = removed.post("/api/v1/auth/tokens", json={"name": "ERP sync"}).json["token"]
    from tests.conftest import ApiClient

    by_token = ApiClient(removed.client.application.test_client())
    by_token.bearer = token
    assert removed.get(ME).status_code == 200
    assert by_token.get(ME).status_code == 200

    response = login_as(owner).delete(f"{base(owner.supplier)}/members/{staff.id}")
    assert response.status_code == 204

    assert removed.get(ME).status_code == 401
    assert by_token.get(ME).status_code == 401
    assert by_token.get(f"{base(owner.supplier)}/stats").status_code == 401
    db.session.expire_all()
    assert (staff.supplier_id, staff.company_role) == (None, None)
    members = login_as(owner).get(f"{base(owner.supplier)}/members").json["items"]
    assert [m["id"] for m in members] == [owner.id]


def test_a_removed_member_who_logs_in_again_is_no_longer_in_the_company(
    login_as, make_api, owner, staff
):
    product = make_product(owner.supplier)
    login_as(owner).delete(f"{base(owner.supplier)}/members/{staff.id}")
    again = make_api()
    assert again.login(staff.email).status_code == 200
    assert again.get(ME).json["supplier_id"] is None
    assert again.get(f"/api/v1/products/{product.id}").status_code == 404
    assert again.patch(f"/api/v1/products/{product.id}", json={"name": "X" * 5}).status_code == 403


def test_the_owner_cannot_be_removed(login_as, owner):
    client = login_as(owner)
    assert client.delete(f"{base(owner.supplier)}/members/{owner.id}").status_code == 409
    assert client.get(ME).status_code == 200
    db.session.expire_all()
    assert owner.supplier_id is not None and owner.company_role == CompanyRole.OWNER


def test_removing_someone_who_is_not_a_member_is_404(login_as, owner):
    buyer = BuyerFactory()
    commit()
    client = login_as(owner)
    assert client.delete(f"{base(owner.supplier)}/members/{buyer.id}").status_code == 404
    assert client.delete(f"{base(owner.supplier)}/members/999999").status_code == 404


# Verification -------------------------------------------------------------------------

LICENCE = {"business_licence_number": "91350582MA2XYZ1234", "evidence": "Licence photo sent."}


def test_verification_request(login_as, owner, staff):
    client = login_as(owner)
    response = client.post(f"{base(owner.supplier)}/verification-request", json=LICENCE)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "pending"
    assert response.json["supplier_id"] == owner.supplier_id
    assert client.get(base(owner.supplier)).json["verification_status"] == "pending"

    again = client.post(f"{base(owner.supplier)}/verification-request", json=LICENCE)
    assert again.status_code == 409
    assert count(VerificationRequest) == 1


def test_staff_cannot_request_verification(login_as, owner, staff):
    response = login_as(staff).post(f"{base(owner.supplier)}/verification-request", json=LICENCE)
    assert response.status_code == 403
    assert count(VerificationRequest) == 0


def test_a_verified_company_cannot_ask_again(login_as, owner):
    owner.supplier.verification_status = VerificationStatus.VERIFIED
    commit()
    response = login_as(owner).post(f"{base(owner.supplier)}/verification-request", json=LICENCE)
    assert response.status_code == 409
    assert count(VerificationRequest) == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"business_licence_number": "short"},
        {"business_licence_number": "91350582 MA2XYZ"},
        {"business_licence_number": "x" * 51},
        {**LICENCE, "status": "verified"},
    ],
)
def test_bad_verification_request_is_422(login_as, owner, body):
    response = login_as(owner).post(f"{base(owner.supplier)}/verification-request", json=body)
    assert response.status_code == 422
    assert count(VerificationRequest) == 0
    db.session.expire_all()
    assert owner.supplier.verification_status == VerificationStatus.UNVERIFIED


# Stats ----------------------------------------------------------------------------------


def test_stats_for_members_and_admins(login_as, api, owner, staff):
    make_product(owner.supplier, ProductStatus.DRAFT)
    make_product(owner.supplier, ProductStatus.DRAFT)
    make_product(owner.supplier, ProductStatus.PUBLISHED)
    make_product(SupplierOwnerFactory().supplier, ProductStatus.DRAFT)  # not counted
    commit()
    for user in (owner, staff, AdminFactory()):
        response = login_as(user).get(f"{base(owner.supplier)}/stats")
        assert response.status_code == 200, response.json
        by_status = response.json["products_by_status"]
        assert by_status["draft"] == 2 and by_status["published"] == 1
        assert by_status["pending_review"] == 0
        assert set(by_status) == {s.value for s in ProductStatus}
        assert set(response.json) >= {
            "inquiries_last_30_days",
            "rfq_quotes_last_30_days",
            "response_rate",
            "median_response_hours",
        }
    for user in (BuyerFactory(), SupplierOwnerFactory()):
        assert login_as(user).get(f"{base(owner.supplier)}/stats").status_code == 404
    assert api.get(f"{base(owner.supplier)}/stats").status_code == 401


# A supplier's products -----------------------------------------------------------------


@pytest.fixture
def catalog(owner):
    products = {status: make_product(owner.supplier, status) for status in ProductStatus}
    commit()
    return products


def skus(response) -> set[str]:
    assert response.status_code == 200, response.json
    return {item["sku"] for item in response.json["items"]}


def test_public_sees_only_published_products(api, login_as, owner, catalog):
    published = {catalog[ProductStatus.PUBLISHED].sku}
    for client in (api, login_as(BuyerFactory()), login_as(SupplierOwnerFactory())):
        assert skus(client.get(f"{base(owner.supplier)}/products")) == published
        assert skus(client.get(f"{base(owner.supplier)}/products?status=draft")) == set()
        assert skus(client.get(f"{base(owner.supplier)}/products?status=published")) == published


def test_members_see_every_state_and_filter_by_status(login_as, owner, staff, catalog):
    for user in (owner, staff, AdminFactory()):
        client = login_as(user)
        assert skus(client.get(f"{base(owner.supplier)}/products")) == {
            p.sku for p in catalog.values()
        }
        for status, product in catalog.items():
            response = client.get(f"{base(owner.supplier)}/products?status={status.value}")
            assert skus(response) == {product.sku}
            assert response.json["items"][0]["status"] == status.value


def test_supplier_products_filters_and_paging(login_as, owner, catalog):
    client = login_as(owner)
    assert client.get(f"{base(owner.supplier)}/products?status=lost").status_code == 422
    draft = catalog[ProductStatus.DRAFT]
    assert skus(client.get(f"{base(owner.supplier)}/products?q={draft.sku.lower()}")) == {draft.sku}
    first = client.get(f"{base(owner.supplier)}/products?limit=4").json
    rest = client.get(f"{base(owner.supplier)}/products?limit=4&cursor={first['next_cursor']}")
    assert len(first["items"]) == 4 and len(rest.json["items"]) == 2
