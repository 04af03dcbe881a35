"""The authorization matrix's framework: every route x every principal -> the status it must get.

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

Suspended supplier: the owner and a staff member of a company whose Supplier.status is
"suspended".  They can still sign in and read their own company (dashboard, catalog,
export, inquiries, quotations), but the company is read-only for them: every writing
route answers 403 "Your company is suspended..." and writes nothing, except the routes
that change only their own account (``SUSPENDED_MAY_WRITE`` in tests/test_authz_matrix.py
lists them; ``test_a_suspended_company_is_read_only`` holds every other writing row to
403).  Its profile and products are 404 for everyone but its members and admins.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from PIL import Image
from werkzeug.datastructures import FileStorage

from marketplace import transaction
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
    "suspended_staff",
    "admin",
)
SUSPENDED = ("suspended_owner", "suspended_staff")  # the suspended company's members
ACTIVE_MEMBERS = ("owner_a", "staff_a", "staff_b")
SUPPLIER_MEMBERS = (*ACTIVE_MEMBERS, *SUSPENDED)
MEMBERS_OF_A = ("owner_a", "staff_a")
NOT_OF_A = ("staff_b", *SUSPENDED)  # members of other companies: A's objects are 404
OWNERS = ("owner_a", "suspended_owner")
ACTIVE_OWNERS = ("owner_a",)
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


def read_only_while_suspended(expect: dict[str, int]) -> dict[str, int]:
    """A writing route: the suspended company's members are refused (403) before the
    route looks at anything, whoever's object it names."""
    return expect | dict.fromkeys(SUSPENDED, 403)


def suspended_company_only(status: int, anonymous: int = 401) -> dict[str, int]:
    """The suspended company's own object behind a supplier-only route: its members get
    ``status``, other companies' members 404, buyers and admins 403."""
    return only(status, *SUSPENDED, anonymous=anonymous) | dict.fromkeys(ACTIVE_MEMBERS, 404)


# --- the world every row is evaluated in ------------------------------------------


@cache
def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def add_image(product: Product) -> ProductImage:
    upload = FileStorage(io.BytesIO(png_bytes()), filename="photo.png")
    image = product_images.add_image(product, upload)
    transaction.commit()
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
    counter_objects: dict[str, Any] = field(default_factory=dict)

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """The object ``make()`` builds, built once per world: how a rows module adds
        its own objects (an inquiry, an RFQ...) without editing this class."""
        if key not in self.counter_objects:
            self.counter_objects[key] = make()
        return self.counter_objects[key]

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
        transaction.commit()
        return product


def build_world() -> World:
    """The principals and companies, built in memory and written in one flush and one
    commit (a world per test: ~15 rows, a savepoint each was half a row's time)."""
    supplier_a = SupplierFactory.build(name="Supplier A")
    supplier_b = SupplierFactory.build(name="Supplier B")
    suspended = SupplierFactory.build(name="Suspended Supplier", status=SupplierStatus.SUSPENDED)
    users = {
        "buyer_x": BuyerFactory.build(),
        "buyer_y": BuyerFactory.build(),
        "owner_a": SupplierOwnerFactory.build(supplier=supplier_a),
        "staff_a": SupplierStaffFactory.build(supplier=supplier_a),
        "staff_b": SupplierStaffFactory.build(supplier=supplier_b),
        "suspended_owner": SupplierOwnerFactory.build(supplier=suspended),
        "suspended_staff": SupplierStaffFactory.build(supplier=suspended),
        "admin": AdminFactory.build(),
    }
    spare = UserFactory.build()
    staff_to_remove = SupplierStaffFactory.build(supplier=supplier_a)
    db.session.add_all([supplier_a, supplier_b, suspended, *users.values(), spare, staff_to_remove])
    token_x, _secret = services.create_token(users["buyer_x"], "buyer X's ERP")
    transaction.commit()
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
