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

Logged-in principals use a session cookie (and send X-CSRFToken, like the pages'
JavaScript-free forms send their token); anonymous also sends a CSRF token, so what is
tested is the login check, not CSRF (tests/accounts and tests/web cover that).

Suspended supplier: an owner whose Supplier.status is "suspended".  Nothing in the
accounts routes treats it differently from an active supplier's owner; the catalog and
sourcing issues add the rows where it differs (no new products, no quotations, ...).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from marketplace.accounts import services
from marketplace.accounts.models import ApiToken, User
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier, SupplierStatus
from tests.authz_helpers import install_cheap_password_hashing
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


# --- the world every row is evaluated in ------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    supplier_a: Supplier
    supplier_b: Supplier
    spare: User  # an account nobody is logged in as (login bodies)
    token_x: ApiToken  # buyer X's API token
    counter: dict[str, int] = field(default_factory=lambda: {"n": 0})

    def unique(self, prefix: str) -> str:
        self.counter["n"] += 1
        return f"{prefix}{self.counter['n']}"


def build_world(password_hash: str) -> World:
    supplier_a = SupplierFactory(name="Supplier A")
    supplier_b = SupplierFactory(name="Supplier B")
    suspended = SupplierFactory(name="Suspended Supplier", status=SupplierStatus.SUSPENDED)
    users = {
        "buyer_x": BuyerFactory(password_hash=password_hash),
        "buyer_y": BuyerFactory(password_hash=password_hash),
        "owner_a": SupplierOwnerFactory(supplier=supplier_a, password_hash=password_hash),
        "staff_a": SupplierStaffFactory(supplier=supplier_a, password_hash=password_hash),
        "staff_b": SupplierStaffFactory(supplier=supplier_b, password_hash=password_hash),
        "suspended_owner": SupplierOwnerFactory(supplier=suspended, password_hash=password_hash),
        "admin": AdminFactory(password_hash=password_hash),
    }
    token_x, _secret = services.create_token(users["buyer_x"], "buyer X's ERP")
    spare = UserFactory(password_hash=password_hash)
    db.session.commit()
    return World(users, supplier_a, supplier_b, spare, token_x)


# --- the matrix -------------------------------------------------------------------

Body = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    expect: dict[str, int]
    path: str | Callable[[World], str] | None = None  # None: the rule itself
    json: Body | None = None  # API body
    form: Body | None = None  # page form body (sent with the CSRF header)
    page: bool = False  # send Accept: text/html
    location: str | None = None  # where a 302 must point (prefix)
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
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


# --- the tests --------------------------------------------------------------------


def test_every_route_is_in_the_matrix(app):
    missing = sorted(app_routes(app) - MATRIX.keys(), key=lambda item: (item[1], item[0]))
    assert not missing, "routes without a row in tests/test_authz_matrix.py MATRIX:\n" + "\n".join(
        f"  {method} {rule}" for method, rule in missing
    )


def test_no_row_for_a_route_that_is_gone(app):
    stale = sorted(MATRIX.keys() - app_routes(app))
    assert not stale, f"MATRIX rows for routes that no longer exist: {stale}"


def test_every_row_names_every_principal():
    incomplete = {key: set(PRINCIPALS) - route.expect.keys() for key, route in MATRIX.items()}
    assert not {key: gap for key, gap in incomplete.items() if gap}


def database_fingerprint() -> str:
    """A digest of every row of every table: equal before and after = nothing written."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{rows!r}".encode())
    return digest.hexdigest()


@pytest.fixture
def world(monkeypatch) -> World:
    return build_world(install_cheap_password_hashing(monkeypatch))


def client_for(principal: str, world: World, make_api, login_as):
    if principal == "anonymous":
        client = make_api()
        client.refresh_csrf()
        return client
    return login_as(world.users[principal])


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(
    ("method", "rule"), sorted(MATRIX), ids=[f"{m} {r}" for m, r in sorted(MATRIX)]
)
def test_matrix(method, rule, principal, world, make_api, login_as):
    route = MATRIX[(method, rule)]
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

    body = response.get_data(as_text=True)[:300]
    response.close()  # send_file responses hold the file open until closed
    assert response.status_code == expected, f"{principal} {method} {path}: {body}"
    if expected == 302 and route.location:
        location = response.headers["Location"]
        assert location.startswith(route.location), location
    if expected >= 400 or method == "GET":
        db.session.expire_all()
        assert database_fingerprint() == before, f"{principal} {method} {path} wrote rows"


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
