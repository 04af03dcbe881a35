"""The authorization matrix: every route x every principal -> the status it must get.

The framework (principals, expectations, the ``World``, ``Route``) is in
tests/authz/framework.py; the rows are in one module per area, ``tests/authz/rows_*.py``,
each defining ``MATRIX`` (one row per ``(METHOD, rule)``) and ``EXTRA_ROWS``.  A new
area adds its own rows module to ``AREAS`` below.  A route listed by two areas fails
``test_areas_do_not_overlap``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import ApiToken
from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier, SupplierStatus
from tests.authz import (
    rows_core,
    rows_inquiries,
    rows_moderation,
    rows_orders,
    rows_public,
    rows_rfqs,
    rows_samples,
)
from tests.authz.framework import HTML, PRINCIPALS, SUSPENDED, Route, World, build_world

AREAS = (
    rows_core,
    rows_public,
    rows_inquiries,
    rows_rfqs,
    rows_samples,
    rows_moderation,
    rows_orders,
)

MATRIX: dict[tuple[str, str], Route] = {}
for _area in AREAS:
    MATRIX.update(_area.MATRIX)
EXTRA_ROWS = [row for area in AREAS for row in area.EXTRA_ROWS]

IGNORED_METHODS = {"HEAD", "OPTIONS"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TOKEN = "/api/v1/auth/tokens/<int(max=2147483647):token_id>"
NOTIFICATION = "/api/v1/notifications/<int(max=2147483647):notification_id>/read"
# The writing routes a suspended company's members may still use: signing in and out,
# their own account and notifications, the language, and reports (anyone signed in may
# report).  Every other writing row must refuse them (test_a_suspended_company_is_read_only).
SUSPENDED_MAY_WRITE = {
    ("POST", "/login"),
    ("POST", "/register"),
    ("POST", "/logout"),
    ("POST", "/language"),
    ("POST", "/reports"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("PATCH", "/api/v1/auth/me"),
    ("POST", "/api/v1/auth/password"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("POST", "/account/password"),
    ("POST", "/password-reset"),
    ("POST", "/api/v1/auth/tokens"),
    ("DELETE", TOKEN),
    ("POST", NOTIFICATION),
    ("POST", "/api/v1/notifications/read-all"),
    ("POST", "/api/v1/reports"),
}
SUSPENDED_MESSAGE = "Your company is suspended"
# Each suspended principal's active counterpart: when the counterpart is let in, the
# suspended principal's 403 can only be the suspension's.
COUNTERPART = {"suspended_owner": "owner_a", "suspended_staff": "staff_a"}


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


def test_areas_do_not_overlap():
    seen: dict[tuple[str, str], str] = {}
    for area in AREAS:
        for key in area.MATRIX:
            assert key not in seen, f"{key} is in {seen[key]} and {area.__name__}"
            seen[key] = area.__name__


def test_every_route_is_in_the_matrix(app):
    missing = sorted(app_routes(app) - MATRIX.keys(), key=lambda item: (item[1], item[0]))
    assert not missing, "routes without a row in a tests/authz/rows_*.py MATRIX:\n" + "\n".join(
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


def test_a_suspended_company_is_read_only():
    """Every writing row (but SUSPENDED_MAY_WRITE) refuses the suspended company's members
    with 403 and lets them write nothing: a new writing route cannot forget them."""
    wrong = [
        f"{method} {rule}{variant}: {principal} {route.expect[principal]}"
        for method, rule, variant, route in ROWS
        if method not in SAFE_METHODS and (method, rule) not in SUSPENDED_MAY_WRITE
        for principal in SUSPENDED
        if route.expect[principal] != 403 or principal in (route.writes or ())
    ]
    assert not wrong, "expected 403 and no writes:\n" + "\n".join(wrong)


def test_the_suspended_may_write_list_names_real_routes(app):
    assert app_routes(app) >= SUSPENDED_MAY_WRITE


def openapi_path(rule: str) -> str:
    """``/api/v1/products/<int(max=...):product_id>`` -> ``/api/v1/products/{product_id}``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def test_the_spec_documents_the_suspended_companys_403(app):
    """Every API operation that refuses a suspended company's members says it can 403."""
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    undocumented = [
        f"{method} {rule}"
        for method, rule in MATRIX
        if rule.startswith("/api/v1/")
        and method not in SAFE_METHODS
        and (method, rule) not in SUSPENDED_MAY_WRITE
        and "403" not in paths[openapi_path(rule)][method.lower()]["responses"]
    ]
    assert not undocumented


def suspension_refusal(method: str, rule: str, route: Route, principal: str) -> bool:
    """The refusal must say why: the suspended principal's active counterpart is let in."""
    return (
        principal in SUSPENDED
        and method not in SAFE_METHODS
        and (method, rule) not in SUSPENDED_MAY_WRITE
        and route.expect[principal] == 403
        and route.expect[COUNTERPART[principal]] not in (401, 403)
    )


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
    writes = must_write(route, method, principal, expected)
    if writes is not None:
        db.session.expire_all()
        before = database_fingerprint()

    response = client.open(method, path, **kwargs)

    text = response.get_data().decode(errors="replace")
    body = text[:300]
    response.close()  # send_file responses hold the file open until closed
    assert response.status_code == expected, f"{principal} {method} {path}: {body}"
    if suspension_refusal(method, rule, route, principal):
        assert SUSPENDED_MESSAGE in text, f"{principal} {method} {path}: {body}"
    location = route.location(world, principal) if callable(route.location) else route.location
    if expected == 302 and location:
        assert response.headers["Location"].startswith(location), response.headers["Location"]
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
    """The 403 row above, spelled out: the draft stays a draft, and the refusal says why."""
    draft = world.suspended_draft
    response = login_as(world.users["suspended_owner"]).post(f"/api/v1/products/{draft.id}/submit")
    assert response.status_code == 403, response.json
    assert response.json["message"].startswith("Your company is suspended: its catalog")
    db.session.expire_all()
    assert db.session.get(Product, draft.id).status == ProductStatus.DRAFT
