"""The authorization matrix: every route x every principal -> the status it must get.

security.md: every route x {anonymous, buyer X, buyer Y, supplier A owner, supplier A
staff, supplier B staff, suspended supplier, admin}; a meta-test fails when a route of
``app.url_map`` has no row; someone else's object is a 404; a refused write changes 0
rows (checked here for every refusal and every GET: the whole database is compared).

Adding a route: add a ``Route`` to ``MATRIX`` under ``(METHOD, rule)`` exactly as
``app.url_map`` spells the rule.  ``path`` and ``body`` are functions of the ``World``
(the users and objects below), so a row can point at "buyer X's token" or "supplier A's
draft".  Expectations: ``everyone(200)``, ``logged_in(200)`` (401 for anonymous API
calls), ``only(200, "admin", others=403)``, or any of them ``| {"buyer_y": 404}``.
``EXTRA_ROWS`` evaluates some routes a second time against other objects (a published
product, the suspended company's own objects).

Each test gets a fresh world (rolled back afterwards), so one principal's successful
write never changes what the next one sees.  A page that refuses with a flash message
answers 302 like a success: its rows say who must change the database (``writes``),
and everyone else must leave it as it was.

Logged-in principals use a session cookie (and send X-CSRFToken, like the pages'
JavaScript-free forms send their token); anonymous also sends a CSRF token, so what is
tested is the login check, not CSRF (tests/accounts and tests/web cover that).

Suspended supplier: the owner of a company whose Supplier.status is "suspended".  It
can still log in and manage its own company: edit the profile and the team, create and
edit drafts, import and export (the contract does not stop it, and the products stay
hidden); it cannot submit a product for review (409), and its profile and products are
404 for everyone but its members and admins.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from marketplace.accounts import services
from marketplace.accounts.models import ApiToken, User
from marketplace.catalog import exporter
from marketplace.catalog import images as product_images
from marketplace.catalog.models import Product, ProductImage, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier, SupplierStatus
from tests.catalog.conftest import product_payload
from tests.catalog.support import make_product
from tests.conftest import PASSWORD
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
    UserFactory,
)

PRINCIPALS = (
    "anonymous",
    "buyer_x",
    "buyer_y",
    "owner_a",
    "staff_a",
    "staff_b",
    "suspended_owner",
    "admin",
)
SUPPLIER_MEMBERS = ("owner_a", "staff_a", "staff_b", "suspended_owner")
MEMBERS_OF_A = ("owner_a", "staff_a")
NOT_OF_A = ("staff_b", "suspended_owner")  # members of other companies: A's objects are 404
OWNERS = ("owner_a", "suspended_owner")
NEW_PASSWORD = "a brand new slipper passphrase"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


# --- expectations ----------------------------------------------------------------


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PRINCIPALS, status)


def logged_in(status: int, anonymous: int = 401) -> dict[str, int]:
    """``status`` for every logged-in principal; 401 (API) or 302 (page) for anonymous."""
    return everyone(status) | {"anonymous": anonymous}


def only(status: int, *principals: str, others: int = 403, anonymous: int = 401) -> dict[str, int]:
    """``status`` for ``principals``; ``others`` for the rest of the logged-in ones."""
    return logged_in(others, anonymous) | dict.fromkeys(principals, status)


def a_members(status: int, anonymous: int = 401) -> dict[str, int]:
    """Supplier A's object behind a supplier-only route: ``status`` for A's members, 404
    for other companies' members, 403 for buyers and admins."""
    return only(status, *MEMBERS_OF_A, anonymous=anonymous) | dict.fromkeys(NOT_OF_A, 404)


# --- the world every row is evaluated in ------------------------------------------


@cache
def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def add_image(product: Product) -> ProductImage:
    upload = FileStorage(io.BytesIO(png_bytes()), filename="photo.png")
    image = product_images.add_image(product, upload)
    db.session.commit()
    return image


@dataclass
class World:
    """The principals' users and companies; products are made when a row asks for them."""

    users: dict[str, User]
    supplier_a: Supplier
    supplier_b: Supplier
    suspended: Supplier  # the suspended principal's company
    spare: User  # an account nobody is logged in as (login bodies)
    token_x: ApiToken  # buyer X's API token
    staff_to_remove: User  # a staff member of A nobody is logged in as
    counter: dict[str, int] = field(default_factory=lambda: {"n": 0})

    def unique(self, prefix: str) -> str:
        self.counter["n"] += 1
        return f"{prefix}{self.counter['n']}"

    @cached_property
    def draft_a(self) -> Product:
        """Supplier A's draft with one photo: every member action is allowed on it."""
        product = make_product(self.supplier_a, sku="A-DRAFT")
        add_image(product)
        return product

    @cached_property
    def image_a(self) -> ProductImage:
        return self.draft_a.images[0]

    @cached_property
    def archived_a(self) -> Product:
        return make_product(self.supplier_a, ProductStatus.ARCHIVED, sku="A-ARCHIVED")

    @cached_property
    def published_a(self) -> Product:
        return make_product(self.supplier_a, ProductStatus.PUBLISHED, sku="A-PUBLISHED")

    @cached_property
    def suspended_draft(self) -> Product:
        return make_product(self.suspended, sku="S-DRAFT")

    @cached_property
    def suspended_published(self) -> Product:
        """Published before the admins suspended the company (submitting is closed now)."""
        product = make_product(self.suspended, sku="S-PUBLISHED")
        product.status, product.published_at = ProductStatus.PUBLISHED, utcnow()
        db.session.commit()
        return product


def build_world() -> World:
    supplier_a = SupplierFactory(name="Supplier A")
    supplier_b = SupplierFactory(name="Supplier B")
    suspended = SupplierFactory(name="Suspended Supplier", status=SupplierStatus.SUSPENDED)
    users = {
        "buyer_x": BuyerFactory(),
        "buyer_y": BuyerFactory(),
        "owner_a": SupplierOwnerFactory(supplier=supplier_a),
        "staff_a": SupplierStaffFactory(supplier=supplier_a),
        "staff_b": SupplierStaffFactory(supplier=supplier_b),
        "suspended_owner": SupplierOwnerFactory(supplier=suspended),
        "admin": AdminFactory(),
    }
    token_x, _secret = services.create_token(users["buyer_x"], "buyer X's ERP")
    spare = UserFactory()
    staff_to_remove = SupplierStaffFactory(supplier=supplier_a)
    db.session.commit()
    return World(users, supplier_a, supplier_b, suspended, spare, token_x, staff_to_remove)


# --- the matrix -------------------------------------------------------------------

Body = Callable[[World], dict[str, Any]]
Location = Callable[[World, str], str | None]


@dataclass(frozen=True)
class Route:
    expect: dict[str, int]
    path: str | Callable[[World], str] | None = None  # None: the rule itself
    json: Body | None = None  # API body
    form: Body | None = None  # page form or multipart body (sent with the CSRF header)
    page: bool = False  # send Accept: text/html
    location: str | Location | None = None  # where a 302 must point (prefix)
    # Who must change the database (pages answer 302 to a refusal too); None: nobody
    # has to, and every refusal (>= 400) and every GET must change nothing.
    writes: tuple[str, ...] | None = None
    known_bugs: dict[str, str] = field(default_factory=dict)  # principal -> the bug
    note: str = ""


def register_body(world: World) -> dict[str, Any]:
    return {
        "email": f"{world.unique('new')}@importer.example",
        "password": "slippers for the whole family",
        "name": "New Buyer",
        "role": "buyer",
        "country": "US",
    }


def login_body(world: World) -> dict[str, Any]:
    return {"email": world.spare.email, "password": PASSWORD}


def photo(world: World) -> dict[str, Any]:
    return {"file": (io.BytesIO(png_bytes()), "photo.png")}


def catalog_file(world: World) -> dict[str, Any]:
    """The import template: one valid row with a SKU new to every catalog."""
    return {"file": (io.BytesIO(exporter.template_file("csv")), "catalog.csv")}


def new_product(world: World) -> dict[str, Any]:
    return product_payload(sku=world.unique("NEW-"))


def product_form(world: World) -> dict[str, Any]:
    """The product page's form, named like the API fields."""
    return {
        "sku": world.unique("FORM-"),
        "name": "Men's PVC slides, embossed logo",
        "description": "One-piece PVC, soft footbed.",
        "category": "pvc-slippers",
        "materials": "PVC",
        "currency": "USD",
        "moq": "2000",
        "price_tiers-0-min_qty": "2000",
        "price_tiers-0-unit_price": "0.85",
    }


def profile_form(world: World) -> dict[str, Any]:
    return {
        "name": "Renamed Slipper Factory",
        "description": "EVA slippers since 2005.",
        "city": "Jinjiang",
        "province": "Fujian",
        "address": "Neikeng Industrial Zone",
        "year_established": "2005",
        "employees": "150",
        "monthly_capacity_pairs": "400000",
        "main_markets": "US, PH",
        "certifications-0-name": "BSCI",
        "certifications-0-valid_until": "2030-01-31",
    }


def staff_body(world: World) -> dict[str, Any]:
    return {
        "email": f"{world.unique('staff')}@factory.example",
        "name": "New Staff",
        "password": "slippers for the whole team",
    }


def verification_body(world: World) -> dict[str, Any]:
    return {"business_licence_number": "91350582MA2Y3K4L5X", "evidence": "Licence scan."}


def product_path(name: str, suffix: str = "", api: bool = True) -> Callable[[World], str]:
    prefix = "/api/v1/products" if api else "/dashboard/products"
    return lambda w: f"{prefix}/{getattr(w, name).id}{suffix}"


def supplier_path(name: str, suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/suppliers/{getattr(w, name).id}{suffix}"


def to_login(path: str | Callable[[World], str]) -> Callable[[World], str]:
    return lambda w: "/login?next=" + (path(w) if callable(path) else path)


def dashboard(
    expect: dict[str, int],
    path: str | Callable[[World], str],
    *,
    form: Body | None = None,
    success: str | Callable[[World], str] | None = None,
    writes: tuple[str, ...] | None = None,
    known_bugs: dict[str, str] | None = None,
) -> Route:
    """A supplier dashboard page: anonymous is sent to the login page with ``next``; a
    302 for anyone else must point at ``success``."""
    login = to_login(path)

    def location(world: World, principal: str) -> str | None:
        if principal == "anonymous":
            return login(world)
        return success(world) if callable(success) else success

    return Route(
        expect,
        path=path,
        form=form,
        page=True,
        location=location,
        writes=writes if writes is not None else (() if form is not None else None),
        known_bugs=known_bugs or {},
    )


PRODUCT = "/api/v1/products/<int(max=2147483647):product_id>"
SUPPLIER = "/api/v1/suppliers/<int(max=2147483647):supplier_id>"
PAGE_PRODUCT = "/dashboard/products/<int(max=2147483647):product_id>"
draft_page = product_path("draft_a", api=False)

MATRIX: dict[tuple[str, str], Route] = {
    # Public pages and assets --------------------------------------------------------
    ("GET", "/"): Route(everyone(200), page=True),
    ("GET", "/static/<path:filename>"): Route(everyone(200), path="/static/site.css"),
    ("GET", "/api/docs"): Route(everyone(200), page=True),
    ("GET", "/api/docs/assets/<path:filename>"): Route(
        everyone(200), path="/api/docs/assets/swagger-ui.css"
    ),
    ("GET", "/healthz"): Route(everyone(200)),
    ("GET", "/readyz"): Route(everyone(200)),
    ("GET", "/api/v1/openapi.json"): Route(everyone(200)),
    ("GET", "/media/products/<filename>"): Route(
        # Served by its unguessable server-made name to whoever has it (a reverse proxy
        # may serve UPLOAD_DIR directly), even while the product is a draft.
        everyone(200),
        path=lambda w: f"/media/products/{w.image_a.filename}",
    ),
    # Account pages: signed-in visitors are sent home from the forms ------------------
    ("GET", "/login"): Route(logged_in(302, anonymous=200), page=True),
    ("POST", "/login"): Route(everyone(302), form=login_body, page=True, location="/"),
    ("GET", "/register"): Route(logged_in(302, anonymous=200), page=True),
    ("POST", "/register"): Route(
        everyone(302),
        page=True,
        form=lambda w: register_body(w) | {"company_name": "", "country": "US"},
    ),
    ("GET", "/logout"): Route(everyone(200), page=True),
    ("POST", "/logout"): Route(everyone(302), page=True, form=lambda w: {}, location="/"),
    ("POST", "/language"): Route(
        everyone(302), page=True, form=lambda w: {"language": "zh", "next": "/"}, location="/"
    ),
    # Dashboards: anonymous -> the login page, wrong role -> 403 ----------------------
    ("GET", "/dashboard"): Route(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), page=True, location="/login?next=/dashboard"
    ),
    ("GET", "/buyer"): Route(
        only(200, "buyer_x", "buyer_y", anonymous=302), page=True, location="/login?next=/buyer"
    ),
    ("GET", "/admin"): Route(
        only(200, "admin", anonymous=302), page=True, location="/login?next=/admin"
    ),
    # Supplier dashboard: a member's own company; supplier A's products for the rest --
    ("GET", "/dashboard/products"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/products"
    ),
    ("GET", "/dashboard/products/new"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/products/new"
    ),
    ("POST", "/dashboard/products/new"): dashboard(
        only(302, *SUPPLIER_MEMBERS, anonymous=302),
        "/dashboard/products/new",
        form=product_form,
        success="/dashboard/products/",
        writes=SUPPLIER_MEMBERS,
    ),
    ("GET", PAGE_PRODUCT): dashboard(a_members(200, anonymous=302), draft_page),
    ("POST", PAGE_PRODUCT): dashboard(
        a_members(302, anonymous=302),
        draft_page,
        form=product_form,
        success=draft_page,
        writes=MEMBERS_OF_A,
    ),
    ("POST", f"{PAGE_PRODUCT}/<any(submit, archive, restore):action>"): dashboard(
        a_members(302, anonymous=302),
        product_path("draft_a", "/submit", api=False),
        form=lambda w: {},
        success=draft_page,
        writes=MEMBERS_OF_A,
    ),
    ("POST", f"{PAGE_PRODUCT}/images"): dashboard(
        a_members(302, anonymous=302),
        product_path("draft_a", "/images", api=False),
        form=photo,
        success=draft_page,
        writes=MEMBERS_OF_A,
    ),
    (
        "POST",
        f"{PAGE_PRODUCT}/images/<int(max=2147483647):image_id>/<any(up, down, delete):action>",
    ): dashboard(
        a_members(302, anonymous=302),
        lambda w: f"/dashboard/products/{w.draft_a.id}/images/{w.image_a.id}/delete",
        form=lambda w: {},
        success=draft_page,
        writes=MEMBERS_OF_A,
    ),
    ("GET", "/dashboard/import"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/import"
    ),
    ("POST", "/dashboard/import"): dashboard(
        # The page shows the import report (200), like the API's 201.
        only(200, *SUPPLIER_MEMBERS, anonymous=302),
        "/dashboard/import",
        form=catalog_file,
        writes=SUPPLIER_MEMBERS,
    ),
    ("GET", "/dashboard/profile"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/profile"
    ),
    ("POST", "/dashboard/profile"): dashboard(
        only(302, *SUPPLIER_MEMBERS, anonymous=302),
        "/dashboard/profile",
        form=profile_form,
        success="/dashboard/profile",
        writes=SUPPLIER_MEMBERS,
    ),
    ("POST", "/dashboard/verification"): dashboard(
        # The owner asks for its own company; staff may not.
        only(302, *OWNERS, anonymous=302),
        "/dashboard/verification",
        form=verification_body,
        success="/dashboard/profile#verification",
        writes=OWNERS,
    ),
    ("GET", "/dashboard/team"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/team"
    ),
    ("POST", "/dashboard/team"): dashboard(
        only(302, *OWNERS, anonymous=302),
        "/dashboard/team",
        form=staff_body,
        success="/dashboard/team",
        writes=OWNERS,
    ),
    ("POST", "/dashboard/team/<int(max=2147483647):user_id>/remove"): dashboard(
        # A's staff member: only A's owner removes them; another company's owner is told
        # they are not found.
        only(302, "owner_a", anonymous=302) | {"suspended_owner": 404},
        lambda w: f"/dashboard/team/{w.staff_to_remove.id}/remove",
        form=lambda w: {},
        success="/dashboard/team",
        writes=("owner_a",),
    ),
    # Accounts API -------------------------------------------------------------------
    ("GET", "/api/v1/auth/csrf"): Route(everyone(200)),
    ("POST", "/api/v1/auth/register"): Route(everyone(201), json=register_body),
    ("POST", "/api/v1/auth/login"): Route(everyone(200), json=login_body),
    ("POST", "/api/v1/auth/logout"): Route(logged_in(204)),
    ("GET", "/api/v1/auth/me"): Route(logged_in(200)),
    ("PATCH", "/api/v1/auth/me"): Route(logged_in(200), json=lambda w: {"name": "Renamed"}),
    ("POST", "/api/v1/auth/password"): Route(
        logged_in(204),
        json=lambda w: {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    ),
    ("GET", "/api/v1/auth/tokens"): Route(logged_in(200)),
    ("POST", "/api/v1/auth/tokens"): Route(logged_in(201), json=lambda w: {"name": "ERP"}),
    ("DELETE", "/api/v1/auth/tokens/<int(max=2147483647):token_id>"): Route(
        # Buyer X's token: everyone else is told it does not exist.
        logged_in(404) | {"buyer_x": 204},
        path=lambda w: f"/api/v1/auth/tokens/{w.token_x.id}",
    ),
    # Suppliers API: supplier A's company ---------------------------------------------
    ("GET", "/api/v1/suppliers"): Route(everyone(200)),
    ("GET", SUPPLIER): Route(everyone(200), path=supplier_path("supplier_a")),
    ("PATCH", SUPPLIER): Route(
        a_members(200),
        path=supplier_path("supplier_a"),
        json=lambda w: {"description": "EVA slippers since 2005.", "main_markets": ["US"]},
    ),
    ("GET", f"{SUPPLIER}/products"): Route(
        everyone(200), path=supplier_path("supplier_a", "/products")
    ),
    ("GET", f"{SUPPLIER}/members"): Route(
        a_members(200), path=supplier_path("supplier_a", "/members")
    ),
    ("POST", f"{SUPPLIER}/members"): Route(
        a_members(201) | {"staff_a": 403},
        path=supplier_path("supplier_a", "/members"),
        json=staff_body,
    ),
    ("DELETE", f"{SUPPLIER}/members/<int(max=2147483647):user_id>"): Route(
        a_members(204) | {"staff_a": 403},
        path=lambda w: f"/api/v1/suppliers/{w.supplier_a.id}/members/{w.staff_to_remove.id}",
    ),
    ("POST", f"{SUPPLIER}/verification-request"): Route(
        a_members(201) | {"staff_a": 403},
        path=supplier_path("supplier_a", "/verification-request"),
        json=verification_body,
    ),
    ("GET", f"{SUPPLIER}/stats"): Route(
        # Private figures: 404 (not 403) for every logged-in outsider.
        only(200, *MEMBERS_OF_A, "admin", others=404),
        path=supplier_path("supplier_a", "/stats"),
    ),
    # Catalog API: supplier A's draft (with a photo) ---------------------------------
    ("GET", "/api/v1/products"): Route(everyone(200)),
    ("POST", "/api/v1/products"): Route(only(201, *SUPPLIER_MEMBERS), json=new_product),
    ("GET", PRODUCT): Route(
        # A draft: invisible to the public and to other companies.
        everyone(404) | dict.fromkeys((*MEMBERS_OF_A, "admin"), 200),
        path=product_path("draft_a"),
    ),
    ("PATCH", PRODUCT): Route(
        a_members(200),
        path=product_path("draft_a"),
        json=lambda w: {"moq": 1000, "lead_time_days": 25, "sample_price": 4.5},
    ),
    ("DELETE", PRODUCT): Route(a_members(204), path=product_path("draft_a")),
    ("POST", f"{PRODUCT}/submit"): Route(a_members(200), path=product_path("draft_a", "/submit")),
    ("POST", f"{PRODUCT}/restore"): Route(
        a_members(200), path=product_path("archived_a", "/restore")
    ),
    ("POST", f"{PRODUCT}/images"): Route(
        a_members(201), path=product_path("draft_a", "/images"), form=photo
    ),
    ("DELETE", f"{PRODUCT}/images/<int(max=2147483647):image_id>"): Route(
        a_members(204), path=lambda w: f"/api/v1/products/{w.draft_a.id}/images/{w.image_a.id}"
    ),
    ("PUT", f"{PRODUCT}/images/order"): Route(
        a_members(200),
        path=product_path("draft_a", "/images/order"),
        json=lambda w: {"image_ids": [w.image_a.id]},
    ),
    ("GET", "/api/v1/categories"): Route(everyone(200)),
    ("GET", "/api/v1/materials"): Route(everyone(200)),
    ("POST", "/api/v1/admin/categories"): Route(
        only(201, "admin"),
        json=lambda w: {"slug": f"beach-{w.unique('c')}", "name": "Beach slippers"},
    ),
    # Bulk import and export: a member's own catalog ---------------------------------
    ("POST", "/api/v1/catalog/import"): Route(only(201, *SUPPLIER_MEMBERS), form=catalog_file),
    ("GET", "/api/v1/catalog/export"): Route(only(200, *SUPPLIER_MEMBERS)),
    ("GET", "/api/v1/catalog/import-template"): Route(only(200, *SUPPLIER_MEMBERS)),
}

# Routes evaluated again against other objects: (method, rule, what differs, row).
EXTRA_ROWS: list[tuple[str, str, str, Route]] = [
    (
        "GET",
        PRODUCT,
        "A's published product",
        Route(everyone(200), path=product_path("published_a")),
    ),
    (
        "GET",
        PRODUCT,
        "the suspended company's published product",
        Route(
            everyone(404) | {"suspended_owner": 200, "admin": 200},
            path=product_path("suspended_published"),
        ),
    ),
    (
        "POST",
        f"{PRODUCT}/submit",
        "the suspended company's own draft",
        Route(
            only(409, "suspended_owner") | {"owner_a": 404, "staff_a": 404, "staff_b": 404},
            path=product_path("suspended_draft", "/submit"),
        ),
    ),
    (
        "POST",
        f"{PAGE_PRODUCT}/<any(submit, archive, restore):action>",
        "the suspended company's own draft",
        dashboard(
            # Refused with a flash message on the product page: nothing written.
            only(302, "suspended_owner", anonymous=302)
            | {"owner_a": 404, "staff_a": 404, "staff_b": 404},
            product_path("suspended_draft", "/submit", api=False),
            form=lambda w: {},
            success=product_path("suspended_draft", api=False),
            writes=(),
        ),
    ),
    (
        "GET",
        SUPPLIER,
        "the suspended company",
        Route(
            everyone(404) | {"suspended_owner": 200, "admin": 200},
            path=supplier_path("suspended"),
        ),
    ),
    (
        "GET",
        f"{SUPPLIER}/products",
        "the suspended company",
        Route(
            everyone(404) | {"suspended_owner": 200, "admin": 200},
            path=supplier_path("suspended", "/products"),
        ),
    ),
    (
        "GET",
        f"{SUPPLIER}/stats",
        "the suspended company",
        Route(
            only(200, "suspended_owner", "admin", others=404),
            path=supplier_path("suspended", "/stats"),
        ),
    ),
]

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


ROWS = [(method, rule, "", route) for (method, rule), route in sorted(MATRIX.items())] + [
    (method, rule, f" [{variant}]", route) for method, rule, variant, route in EXTRA_ROWS
]


# --- the tests --------------------------------------------------------------------


def test_every_route_is_in_the_matrix(app):
    missing = sorted(app_routes(app) - MATRIX.keys(), key=lambda item: (item[1], item[0]))
    assert not missing, "routes without a row in tests/test_authz_matrix.py MATRIX:\n" + "\n".join(
        f"  {method} {rule}" for method, rule in missing
    )


def test_no_row_for_a_route_that_is_gone(app):
    rows = MATRIX.keys() | {(method, rule) for method, rule, _variant, _route in EXTRA_ROWS}
    stale = sorted(rows - app_routes(app))
    assert not stale, f"MATRIX rows for routes that no longer exist: {stale}"


def test_every_row_names_every_principal():
    incomplete = {
        (method, rule + variant): set(PRINCIPALS) - route.expect.keys()
        for method, rule, variant, route in ROWS
    }
    assert not {key: gap for key, gap in incomplete.items() if gap}


def database_fingerprint() -> str:
    """A digest of every row of every table: equal before and after = nothing written."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{rows!r}".encode())
    return digest.hexdigest()


@pytest.fixture
def world() -> World:
    return build_world()


def client_for(principal: str, world: World, make_api, login_as):
    if principal == "anonymous":
        client = make_api()
        client.refresh_csrf()
        return client
    return login_as(world.users[principal])


def must_write(route: Route, method: str, principal: str, expected: int) -> bool | None:
    """True: the request must change rows; False: it must not; None: either."""
    if route.writes is not None:
        return principal in route.writes
    if expected >= 400 or method == "GET":
        return False
    return None


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(
    ("method", "rule", "variant", "route"), ROWS, ids=[f"{m} {r}{v}" for m, r, v, _ in ROWS]
)
def test_matrix(method, rule, variant, route, principal, world, make_api, login_as, request):
    if principal in route.known_bugs:
        request.applymarker(pytest.mark.xfail(reason=route.known_bugs[principal], strict=True))
    expected = route.expect[principal]
    client = client_for(principal, world, make_api, login_as)
    path = route.path(world) if callable(route.path) else route.path or rule
    kwargs: dict[str, Any] = {"headers": dict(HTML) if route.page else {}}
    if route.json is not None:
        kwargs["json"] = route.json(world)
    if route.form is not None:
        kwargs["data"] = route.form(world)
    db.session.expire_all()
    before = database_fingerprint()

    response = client.open(method, path, **kwargs)

    body = response.get_data()[:300].decode(errors="replace")
    response.close()  # send_file responses hold the file open until closed
    assert response.status_code == expected, f"{principal} {method} {path}: {body}"
    location = route.location(world, principal) if callable(route.location) else route.location
    if expected == 302 and location:
        assert response.headers["Location"].startswith(location), response.headers["Location"]
    writes = must_write(route, method, principal, expected)
    if writes is not None:
        db.session.expire_all()
        changed = database_fingerprint() != before
        assert changed == writes, f"{principal} {method} {path} " + (
            "wrote nothing" if writes else "wrote rows"
        )


def test_refused_token_revocation_keeps_the_token(world, login_as):
    """The 404 row above, spelled out: buyer Y cannot revoke buyer X's token."""
    response = login_as(world.users["buyer_y"]).delete(f"/api/v1/auth/tokens/{world.token_x.id}")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, world.token_x.id).revoked_at is None


def test_suspended_supplier_owner_is_a_supplier_member(world):
    """The suspended principal is what the rows assume: a member of a suspended company."""
    owner = world.users["suspended_owner"]
    assert owner.is_supplier_member and owner.is_supplier_owner
    assert db.session.get(Supplier, owner.supplier_id).status == SupplierStatus.SUSPENDED


def test_a_suspended_company_cannot_submit_its_draft(world, login_as):
    """The 409 row above, spelled out: the draft stays a draft."""
    draft = world.suspended_draft
    response = login_as(world.users["suspended_owner"]).post(f"/api/v1/products/{draft.id}/submit")
    assert response.status_code == 409, response.json
    db.session.expire_all()
    assert db.session.get(Product, draft.id).status == ProductStatus.DRAFT
