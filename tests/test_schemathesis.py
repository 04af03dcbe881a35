"""Schemathesis over the whole OpenAPI spec, in-process (WSGI), once per principal.

Every operation in ``/api/v1/openapi.json`` is fuzzed as anonymous, buyer, supplier
owner and admin with the default checks (no server error, documented status codes,
content types, response schemas and headers, negative data rejected, positive data
accepted, 405 with ``Allow``, auth actually enforced).  A failure here is a bug in
the API or in its spec; fix it at the source, never by loosening this file.

- Logged-in principals authenticate with a Bearer token made for a *fresh* user on
  every case called, so logout, a password change or revoking a token in one case
  cannot affect the next one (or another principal's run).  Creating an API token needs
  a session signed in with the password (a token gets 403): its cases use a fresh user's
  fresh login session instead (``SESSION_ONLY``).
- Anonymous is a browser visitor: it carries a session cookie and its CSRF token, so
  register and login are exercised for real; every logged-in operation must answer
  401 (``ignored_auth`` checks that).  Without the CSRF token an unsafe request is a
  400, which every unsafe operation documents.
- Positive data never contains NUL characters (``allow-x00 = false``): they are
  refused with a documented 400 before anything else looks at the body (see
  marketplace/api_base.py), so they belong to negative testing.
- Rate limits are reset before each case, and argon2 runs at TestingConfig's tiny cost
  (ARGON2_*); both have their own tests, and at full cost login cases would take most
  of the run.
- Schemathesis calls the app through a plain werkzeug Client, so ``g`` is cleared at
  each request start, as the suite's FreshRequestClient does (tests/conftest.py).

Each principal's operations are split into ``SHARDS`` tests by path (a path's operations
stay together, about as many operations in each), so pytest-xdist spreads the cases over
its workers, and tests/conftest.py schedules these tests first (the longest first keeps
the workers busy to the end).  Each shard hands schemathesis only its own paths, checks
that it ran every operation of the spec on them, and the shards cover the spec.

The case count of each test is recorded as the ``schemathesis_cases`` user property
(junit XML, xdist reports) and printed at the end of the run by tests/conftest.py's
``pytest_terminal_summary``.
"""

from __future__ import annotations

import contextlib
import re
import secrets

import pytest
import schemathesis
from flask import g, request_started
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode

# The public lazy loader (schemathesis.pytest.from_fixture) trips over pytest 9.2's node
# ids; this is the function it uses to build one Hypothesis test per operation.
from schemathesis.pytest.lazy import get_all_tests

from marketplace import ratelimit, transaction
from marketplace.accounts import services
from marketplace.accounts.models import ApiToken
from marketplace.extensions import db
from tests.conftest import PASSWORD
from tests.factories import AdminFactory, BuyerFactory, SupplierOwnerFactory

SPEC_PATH = "/api/v1/openapi.json"
MAX_EXAMPLES = 10  # fuzzing cases per operation and principal (plus the coverage phase)
SHARDS = 6  # tests per principal

LOGGED_IN_FACTORIES = {
    "buyer": BuyerFactory,
    "supplier": SupplierOwnerFactory,
    "admin": AdminFactory,
}
PRINCIPALS = ["anonymous", *LOGGED_IN_FACTORIES]
# Operations only a session signed in with the password may call (a Bearer token: 403).
SESSION_ONLY = {"POST /api/v1/auth/tokens"}

# Operations whose schema-valid input can still break a business rule the schema cannot
# express; for them a 422 is a correct answer to "positive" data.
BUSINESS_RULE_422 = [
    # password policy (common passwords, the e-mail as password); company_name for suppliers
    ("POST", "/api/v1/auth/register"),
    # the current password is checked against the stored hash
    ("POST", "/api/v1/auth/password"),
    # a new member's password: required for a new account, the password policy
    ("POST", "/api/v1/suppliers/{supplier_id}/members"),
    # price tiers against the MOQ (the first tier at the MOQ, prices non-increasing),
    # category and materials from vocabulary tables admins extend, SKU unique per supplier
    ("POST", "/api/v1/products"),
    ("PATCH", "/api/v1/products/{product_id}"),
    # the ids of this product's images, each exactly once (reached by the stateful run)
    ("PUT", "/api/v1/products/{product_id}/images/order"),
    # a name is trimmed first: one of only spaces (NBSP included) is empty
    ("PATCH", "/api/v1/auth/me"),
    # the file's content must be a CSV (UTF-8) or an XLSX workbook, whatever its name
    ("POST", "/api/v1/catalog/import"),
    # the file's content must be a JPEG, PNG or WebP image (reached by the stateful run)
    ("POST", "/api/v1/products/{product_id}/images"),
    # the category from the vocabulary; needed_by today or later, the deadline in the future
    ("POST", "/api/v1/rfqs"),
    # valid_until today or later and before 2100
    ("POST", "/api/v1/rfqs/{rfq_id}/quotations"),
    # removing the reported target needs a note
    ("POST", "/api/v1/admin/reports/{report_id}/resolve"),
    # a company's name and address may not contain a term of the admins' prohibited list
    ("PATCH", "/api/v1/suppliers/{supplier_id}"),
    # refusing a verification needs a reason (reached when the drawn body is
    # {"decision": "refuse", "reason": null})
    ("POST", "/api/v1/admin/suppliers/{supplier_id}/verify"),
    # an order goes to a buyer who has an inquiry with the company; a line's sizes add up
    # to its quantity and its product is the company's own
    ("POST", "/api/v1/orders"),
    # the same line rules; at least one field to change
    ("PATCH", "/api/v1/orders/{order_id}"),
    # the file's content must be a PDF, XLSX, JPEG or PNG, whatever its name
    ("POST", "/api/v1/orders/{order_id}/documents"),
]
# Operations whose schema-valid input carries a secret only an e-mail delivers: a made-up
# one is the contract's 400 ("a used, expired or forged token"), and the new password may
# break the password policy (422).
EMAILED_TOKEN_400 = [
    ("POST", "/api/v1/auth/password-reset/confirm"),
]
POSITIVE_STATUSES = ["2xx", "3xx", 401, 403, 404, 409, 429]

HYPOTHESIS_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # Every case runs through the whole Flask stack and the database; that is the point.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def schemathesis_config(principal: str | None = None) -> SchemathesisConfig:
    settings_ = schemathesis_settings()
    if principal is not None:
        settings_["operations"].extend(
            {
                "include-name": f"{method} {path}",
                # The refusal comes before the input is read (the role decorators wrap
                # the argument parsing), so every case is the same 401/403: a few
                # examples check it is documented, the coverage phase would add nothing.
                "phases": {"coverage": {"enabled": False}},
                "generation": {"max-examples": REFUSED_EXAMPLES},
            }
            for method, path in sorted(refused_operations(principal))
        )
    return SchemathesisConfig.from_dict(settings_)


REFUSED_EXAMPLES = 3
# The authorization matrix's principal each run stands for: a fresh buyer, a fresh owner of
# a fresh company, a fresh admin (tests/authz/framework.py).
MATRIX_PRINCIPAL = {
    "anonymous": "anonymous",
    "buyer": "buyer_x",
    "supplier": "owner_a",
    "admin": "admin",
}


def refused_operations(principal: str) -> set[tuple[str, str]]:
    """The API operations the authorization matrix says ``principal``'s kind of user is
    refused by role or login (401/403), as (METHOD, OpenAPI path)."""
    from tests.test_authz_matrix import MATRIX

    who = MATRIX_PRINCIPAL[principal]
    return {
        (method, re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule))
        for (method, rule), route in MATRIX.items()
        if rule.startswith("/api/") and route.expect[who] in (401, 403)
    }


def schemathesis_settings() -> dict:
    """The configuration as a dict (tests/test_schemathesis_stateful.py extends it)."""
    return {
        "generation": {
            "allow-x00": False,
            "codec": "utf-8",
            # Credentials come from the auth providers below, not from random values.
            "with-security-parameters": False,
        },
        "operations": [
            {
                # Unsafe requests are checked for CSRF before anything else, so the
                # probe without credentials gets the documented 400, not a 401;
                # tests/test_authz_matrix.py checks every anonymous refusal instead.
                "include-method": ["POST", "PUT", "PATCH", "DELETE"],
                "checks": {"ignored_auth": {"enabled": False}},
            },
            *[
                {
                    # One operation: a selector's include-* keys are alternatives (any
                    # of them matches), so method + path would select every POST.
                    "include-name": f"{method} {path}",
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, 422]}
                    },
                }
                for method, path in BUSINESS_RULE_422
            ],
            *[
                {
                    "include-name": f"{method} {path}",
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [*POSITIVE_STATUSES, 400, 422]
                        }
                    },
                }
                for method, path in EMAILED_TOKEN_400
            ],
        ],
    }


# What the auth provider puts on a generated case: schemathesis asks providers for every
# *generated* case, executed or not (four times as many as it calls, most thrown away), so
# the fresh user and token are only made in check_case, for a case about to be called.
PENDING_BEARER = "Bearer <a fresh user's token, made when the case is called>"


class PendingBearer:
    """Marks a case as carrying the Bearer credentials the spec declares (so ignored_auth
    probes it without them); check_case swaps in the real token."""

    def get(self, case, context):
        return PENDING_BEARER

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": data}


def login_session(app, user) -> dict:
    """``user``'s fresh login session: its CSRF token and cookie."""
    client = app.test_client()
    csrf = client.get("/api/v1/auth/csrf").json["csrf_token"]
    body = {"email": user.email, "password": PASSWORD}
    response = client.post("/api/v1/auth/login", json=body, headers={"X-CSRFToken": csrf})
    assert response.status_code == 200, response.json
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return {"csrf": response.headers["X-CSRFToken"], "cookies": {cookie.key: cookie.value}}


class FreshBearers:
    """``Bearer <secret>`` of a user of ``principal``'s kind nobody has used yet.

    Users and their tokens are made a batch at a time (one multi-row INSERT per table, a
    supplier owner's company with it) rather than one by one: one case, one user still."""

    BATCH = 100

    def __init__(self, principal: str) -> None:
        self.factory = LOGGED_IN_FACTORIES[principal]
        self.unused: list[str] = []

    def take(self) -> str:
        if not self.unused:
            self.unused = self._make(self.BATCH)
        return f"Bearer {self.unused.pop()}"

    def session(self, app) -> dict:
        """A fresh user's fresh login session: its cookie and CSRF token."""
        session = login_session(app, self.factory())
        return {"headers": {"X-CSRFToken": session["csrf"]}, "cookies": session["cookies"]}

    def _make(self, count: int) -> list[str]:
        users = self.factory.build_batch(count)
        secrets_ = [services.TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in users]
        tokens = [
            ApiToken(user=user, name="schemathesis", token_hash=services.sha256(s), prefix=s[:10])
            for user, s in zip(users, secrets_, strict=True)
        ]
        db.session.add_all([*users, *tokens])
        # Commit (a savepoint inside the test's transaction): an error response rolls the
        # request's work back and must not take these users with it.
        transaction.commit()
        return secrets_


def anonymous_browser(app) -> dict:
    """The cookie and CSRF token a browser has after GET /api/v1/auth/csrf."""
    client = app.test_client()
    token = client.get("/api/v1/auth/csrf").json["csrf_token"]
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "GET /auth/csrf must set the session cookie"
    return {"headers": {"X-CSRFToken": token}, "cookies": {cookie.key: cookie.value}}


@contextlib.contextmanager
def fresh_g_per_request(app):
    """Schemathesis calls the app through a plain werkzeug Client, not the suite's
    FreshRequestClient; the test's pushed app context would otherwise hand one request's
    ``g`` (its user!) to the next, e.g. to ignored_auth's unauthenticated probe."""

    def clear_g(sender, **extra):
        g.__dict__.clear()

    request_started.connect(clear_g, app)
    try:
        yield
    finally:
        request_started.disconnect(clear_g, app)


def check_case(case, bearers: FreshBearers | None, browser: dict, counter: dict) -> None:
    ratelimit.reset()
    counter["cases"] += 1
    counter.setdefault("operations", set()).add(case.operation.label)
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        # A list cursor is opaque and signed: only the API can make a valid one, so a
        # made-up cursor is a 422 by design.  Negative cases keep fuzzing it.
        (case.query or {}).pop("cursor", None)
    if bearers is not None and case.operation.label in SESSION_ONLY:
        (case.headers or {}).pop("Authorization", None)
        browser = bearers.session(case.operation.schema.app)
    elif bearers is not None and (case.headers or {}).get("Authorization") == PENDING_BEARER:
        case.headers["Authorization"] = bearers.take()
    case.call_and_validate(**browser)


def shard_paths(operations: set[str]) -> list[set[str]]:
    """The spec's paths dealt into ``SHARDS`` shards of about as many operations each (the
    paths with most operations first, each to the emptiest shard; ties by name, so the
    same spec gives the same shards). A path's operations stay together: the
    undeclared-method probes need all of them."""
    by_path: dict[str, int] = {}
    for label in operations:
        path = label.split(" ", 1)[1]
        by_path[path] = by_path.get(path, 0) + 1
    shards: list[set[str]] = [set() for _ in range(SHARDS)]
    sizes = [0] * SHARDS
    for path, count in sorted(by_path.items(), key=lambda item: (-item[1], item[0])):
        emptiest = sizes.index(min(sizes))
        shards[emptiest].add(path)
        sizes[emptiest] += count
    return shards


@pytest.mark.parametrize("shard", range(SHARDS))
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_openapi_spec_holds(app, principal, shard, subtests, record_property):
    operations_in_spec = spec_operations(app)
    paths = shard_paths(operations_in_spec)[shard]
    expected = {label for label in operations_in_spec if label.split(" ", 1)[1] in paths}
    schema = shard_schema(app, expected, principal)
    counter = {"cases": 0}
    bearers = None
    if principal == "anonymous":
        browser = anonymous_browser(app)
    else:
        browser = {}
        bearers = FreshBearers(principal)
        schema.auth(refresh_interval=None)(PendingBearer)
    schema = schema.clone(test_function=check_case)

    operations = 0
    tests = get_all_tests(
        schema=schema, test_func=check_case, settings=HYPOTHESIS_SETTINGS, given_kwargs={}
    )
    with fresh_g_per_request(app):
        for result in tests:
            if isinstance(result, Err):  # a part of the spec schemathesis cannot use
                error = result.err()
                label = f"{getattr(error, 'method', '') or ''} {getattr(error, 'path', '')}"
                with subtests.test(msg=f"{principal} invalid spec: {label}"):
                    pytest.fail(str(error))
                continue
            operation, hypothesis_test = result.ok()
            operations += 1
            with subtests.test(msg=f"{principal} {operation.label}"):
                hypothesis_test(bearers=bearers, browser=browser, counter=counter)

    record_property("schemathesis_cases", counter["cases"])
    print(f"\nschemathesis: {counter['cases']} cases over {operations} operations as {principal}")
    assert expected, f"shard {shard} of {SHARDS} holds no operation: lower SHARDS"
    assert operations == len(expected), "every operation of the shard is tested"
    assert counter.get("operations", set()) == expected, "each ran a case"


def shard_schema(app, labels: set[str], principal: str):
    """The served spec with only the paths of the operations in ``labels``: schemathesis
    builds every operation's coverage cases up front (a fifth of a shard's time), and its
    ``include()`` filter is not applied once the config has an ``operations`` section."""
    spec = app.test_client().get(SPEC_PATH).json
    paths = {label.split(" ", 1)[1] for label in labels}
    spec["paths"] = {path: item for path, item in spec["paths"].items() if path in paths}
    schema = schemathesis.openapi.from_dict(spec, config=schemathesis_config(principal))
    # What from_wsgi sets: the app the cases are sent to, where the spec came from.
    schema.app = app
    schema.location = SPEC_PATH
    return schema


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def spec_operations(app) -> set[str]:
    """``METHOD /path`` of every operation the served OpenAPI document lists."""
    spec = app.test_client().get(SPEC_PATH).json
    return {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_the_shards_cover_every_operation_once(app):
    operations = spec_operations(app)
    shards = shard_paths(operations)
    paths = [path for shard in shards for path in shard]
    assert len(paths) == len(set(paths)), "no path is in two shards"
    assert {label.split(" ", 1)[1] for label in operations} == set(paths)
    sizes = [sum(label.split(" ", 1)[1] in shard for label in operations) for shard in shards]
    assert max(sizes) - min(sizes) <= 4, sizes
