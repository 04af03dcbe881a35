"""Schemathesis' stateful run: it follows the spec's OpenAPI links (``Blueprint.links``)
from the object one operation returned to the next operation on it, so RFQs get quoted,
quotations accepted and withdrawn, products submitted, approved, archived and restored,
inquiries answered and closed, sample requests quoted, accepted and shipped, on real
objects rather than random ids.

- Three principals at once, as the contract's "who" columns have them: each operation is
  called by the role that may call it (a buyer posts RFQs and accepts, the supplier quotes
  and withdraws, an admin moderates); an operation several roles may call is called by
  each of them in turn (``ACTORS``).  Every scenario starts with fresh principals (a buyer,
  the owner of an active supplier with a published product in ``eva-slippers``, an admin)
  in its own savepoint, rolled back after it: nothing leaks from one scenario to the next.
- The linked operations run in five chains (``CHAINS``), and a scenario starts only from
  an operation that creates or lists something (``ROOTS``); the rest are reached through
  links.  Both keep the ~600 calls on real objects.
- Checks: tests/test_schemathesis.py's configuration (no server error, documented status
  codes, content types and headers, response schema conformance, positive data accepted)
  plus the stateful ones (a created resource is available through its links, nothing
  answers 2xx after a DELETE), except: ``ignored_auth`` (tests/test_schemathesis.py and
  tests/test_authz_matrix.py hold auth; here its probes would be a third of the calls) and
  ``use_after_free`` on GET /products/{id}, which the contract keeps visible after a
  DELETE (see ``stateful_config``).
- The run counts the 2xx answers per operation and asserts that the deep operations of
  each chain were reached (``MUST_REACH``).

Generated bodies are made to respect business rules the schema cannot express, only in
``realistic`` below (a category from the vocabulary tables, price tiers starting at the
MOQ, dates in the future, the scenario's supplier as inquiry target): without that almost
every creation would be a correct 422 and nothing would follow.  Positive data only:
negative data is tests/test_schemathesis.py's.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from requests.structures import CaseInsensitiveDict
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.generation.stateful.state_machine import normalize_name
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.stateful import OpenAPIStateMachine

from marketplace import ratelimit, transaction
from marketplace.accounts import services as accounts
from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from tests.catalog.support import make_product
from tests.conftest import _session_on
from tests.factories import AdminFactory, BuyerFactory
from tests.rfqs.support import supplier_with_catalog
from tests.test_schemathesis import (
    SPEC_PATH,
    fresh_g_per_request,
    login_session,
    schemathesis_settings,
)

SUPPLIER_NUMBERS = itertools.count(1)
CATEGORY = "eva-slippers"  # seeded by the migrations; the scenario's supplier sells in it
# Hypothesis examples per chain, each a fresh cast and up to STEPS calls: about 700 calls.
SCENARIOS = {"sourcing": 12, "catalog": 14, "conversations": 10, "accounts": 30, "samples": 14}
STEPS = 15

# The linked operations, in chains run separately: a scenario spent in one chain goes
# deeper than one spread over the whole API.  ``MUST_REACH`` lists, per chain, the
# operations that must have answered 2xx at least once: the run reached real objects.
CHAINS: dict[str, list[str]] = {
    "sourcing": [
        "POST /rfqs",
        "GET /rfqs/{rfq_id}",
        "POST /rfqs/{rfq_id}/cancel",
        "GET /rfqs/{rfq_id}/quotations",
        "POST /rfqs/{rfq_id}/quotations",
        "GET /quotations/{quotation_id}",
        "GET /quotations/{quotation_id}/revisions",
        "POST /quotations/{quotation_id}/accept",
        "POST /quotations/{quotation_id}/withdraw",
        "POST /quotations/{quotation_id}/order",
        "POST /orders",
        "GET /orders/{order_id}",
        "PATCH /orders/{order_id}",
        "POST /orders/{order_id}/confirm",
        "POST /orders/{order_id}/start-production",
        "POST /orders/{order_id}/ship",
        "POST /orders/{order_id}/deliver",
        "POST /orders/{order_id}/complete",
        "POST /orders/{order_id}/cancel",
        "POST /orders/{order_id}/dispute",
        "POST /orders/{order_id}/documents",
    ],
    "catalog": [
        "POST /products",
        "GET /products/{product_id}",
        "PATCH /products/{product_id}",
        "DELETE /products/{product_id}",
        "POST /products/{product_id}/submit",
        "POST /products/{product_id}/restore",
        "POST /products/{product_id}/images",
        "PUT /products/{product_id}/images/order",
        "DELETE /products/{product_id}/images/{image_id}",
        "GET /admin/products",
        "POST /admin/products/{product_id}/approve",
        "POST /admin/products/{product_id}/reject",
        "POST /admin/products/{product_id}/suspend",
        "POST /admin/products/{product_id}/reinstate",
    ],
    "conversations": [
        "POST /inquiries",
        "GET /inquiries/{inquiry_id}",
        "GET /inquiries/{inquiry_id}/messages",
        "POST /inquiries/{inquiry_id}/messages",
        "POST /inquiries/{inquiry_id}/close",
        "POST /inquiries/{inquiry_id}/read",
        "GET /notifications",
        "POST /notifications/{notification_id}/read",
        "POST /reports",
        "GET /admin/reports",
        "POST /admin/reports/{report_id}/resolve",
    ],
    "samples": [
        "POST /sample-requests",
        "GET /sample-requests/{sample_request_id}",
        "POST /sample-requests/{sample_request_id}/quote",
        "POST /sample-requests/{sample_request_id}/accept",
        "POST /sample-requests/{sample_request_id}/ship",
        "POST /sample-requests/{sample_request_id}/receive",
        "POST /sample-requests/{sample_request_id}/decline",
        "POST /sample-requests/{sample_request_id}/cancel",
    ],
    "accounts": [
        "POST /auth/tokens",
        "DELETE /auth/tokens/{token_id}",
        "GET /auth/me",
        "GET /suppliers/{supplier_id}",
        "PATCH /suppliers/{supplier_id}",
        "GET /suppliers/{supplier_id}/members",
        "POST /suppliers/{supplier_id}/members",
        "DELETE /suppliers/{supplier_id}/members/{user_id}",
        "POST /suppliers/{supplier_id}/verification-request",
        "GET /suppliers/{supplier_id}/stats",
        "POST /admin/suppliers/{supplier_id}/verify",
        "POST /admin/suppliers/{supplier_id}/suspend",
        "POST /admin/suppliers/{supplier_id}/reinstate",
        "GET /admin/users",
        "POST /admin/users/{user_id}/suspend",
        "POST /admin/users/{user_id}/reinstate",
        "POST /admin/prohibited-terms",
        "DELETE /admin/prohibited-terms/{term_id}",
    ],
}
# Where a scenario may start: operations that create something or list what exists.  Every
# other operation is only called through a link, on an object a previous step returned
# (schemathesis would also start from any POST with random ids: a 404 wasting the step).
ROOTS = {
    "POST /rfqs",
    "POST /products",
    "GET /admin/products",
    "POST /inquiries",
    "POST /reports",
    "GET /notifications",
    "GET /admin/reports",
    "POST /auth/tokens",
    "GET /auth/me",
    "GET /admin/users",
    "POST /admin/prohibited-terms",
    "POST /sample-requests",
}
MUST_REACH: dict[str, list[str]] = {
    "sourcing": [
        "POST /rfqs",
        "POST /rfqs/{rfq_id}/quotations",
        "POST /quotations/{quotation_id}/accept",
        "POST /quotations/{quotation_id}/withdraw",
        "POST /rfqs/{rfq_id}/cancel",
        "POST /quotations/{quotation_id}/order",
    ],
    "catalog": [
        "POST /products",
        "PATCH /products/{product_id}",
        "POST /products/{product_id}/submit",
        "DELETE /products/{product_id}",
        "POST /products/{product_id}/restore",
        "POST /admin/products/{product_id}/approve",
    ],
    "conversations": [
        "POST /inquiries",
        "POST /inquiries/{inquiry_id}/messages",
        "POST /inquiries/{inquiry_id}/close",
        "POST /admin/reports/{report_id}/resolve",
    ],
    "samples": [
        "POST /sample-requests",
        "POST /sample-requests/{sample_request_id}/quote",
        "POST /sample-requests/{sample_request_id}/accept",
    ],
    "accounts": [
        "DELETE /auth/tokens/{token_id}",
        "POST /suppliers/{supplier_id}/verification-request",
        "POST /admin/suppliers/{supplier_id}/verify",
        "DELETE /admin/prohibited-terms/{term_id}",
    ],
}

# Who calls an operation (the contract's "who"); several roles take turns.  Anything
# under /admin/ is the admin's.  A token or a notification is personal: one owner only.
ACTORS: dict[str, tuple[str, ...]] = {
    "POST /rfqs": ("buyer",),
    "GET /rfqs/{rfq_id}": ("buyer", "supplier", "admin"),
    "POST /rfqs/{rfq_id}/cancel": ("buyer",),
    "GET /rfqs/{rfq_id}/quotations": ("buyer", "supplier", "admin"),
    "POST /rfqs/{rfq_id}/quotations": ("supplier",),
    "GET /quotations/{quotation_id}": ("supplier", "buyer", "admin"),
    "GET /quotations/{quotation_id}/revisions": ("supplier", "buyer", "admin"),
    "POST /quotations/{quotation_id}/accept": ("buyer",),
    "POST /quotations/{quotation_id}/withdraw": ("supplier",),
    "POST /quotations/{quotation_id}/order": ("buyer", "supplier"),
    "POST /orders": ("supplier",),
    "GET /orders/{order_id}": ("buyer", "supplier", "admin"),
    "PATCH /orders/{order_id}": ("supplier",),
    "POST /orders/{order_id}/confirm": ("buyer",),
    "POST /orders/{order_id}/start-production": ("supplier",),
    "POST /orders/{order_id}/ship": ("supplier",),
    "POST /orders/{order_id}/deliver": ("buyer",),
    "POST /orders/{order_id}/complete": ("buyer",),
    "POST /orders/{order_id}/cancel": ("buyer", "supplier"),
    "POST /orders/{order_id}/dispute": ("buyer",),
    "POST /orders/{order_id}/documents": ("buyer", "supplier"),
    "GET /products/{product_id}": ("supplier", "admin"),
    "POST /inquiries": ("buyer",),
    "GET /inquiries/{inquiry_id}": ("buyer", "supplier", "admin"),
    "GET /inquiries/{inquiry_id}/messages": ("buyer", "supplier"),
    "POST /inquiries/{inquiry_id}/messages": ("supplier", "buyer"),
    "POST /inquiries/{inquiry_id}/close": ("buyer", "supplier"),
    "POST /inquiries/{inquiry_id}/read": ("buyer", "supplier"),
    "POST /auth/tokens": ("buyer",),
    "DELETE /auth/tokens/{token_id}": ("buyer",),
    "GET /auth/me": ("supplier",),
    "GET /suppliers/{supplier_id}": ("buyer", "supplier", "admin"),
    "GET /suppliers/{supplier_id}/stats": ("supplier", "admin"),
    "POST /reports": ("buyer",),
    "GET /notifications": ("buyer",),
    "POST /notifications/{notification_id}/read": ("buyer",),
    "POST /sample-requests": ("buyer",),
    "GET /sample-requests/{sample_request_id}": ("buyer", "supplier", "admin"),
    "POST /sample-requests/{sample_request_id}/quote": ("supplier",),
    "POST /sample-requests/{sample_request_id}/accept": ("buyer",),
    "POST /sample-requests/{sample_request_id}/ship": ("supplier",),
    "POST /sample-requests/{sample_request_id}/receive": ("buyer",),
    "POST /sample-requests/{sample_request_id}/decline": ("supplier",),
    "POST /sample-requests/{sample_request_id}/cancel": ("buyer",),
}
DEFAULT_ACTOR_BY_PREFIX = {"/admin/": "admin", "/products": "supplier", "/suppliers": "supplier"}

HYPOTHESIS_SETTINGS = settings(
    max_examples=1,  # per chain: SCENARIOS
    stateful_step_count=STEPS,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],  # no shrinking: a failure is reported with its whole scenario
    suppress_health_check=list(HealthCheck),
)


def stateful_config(chain: str) -> SchemathesisConfig:
    config = copy.deepcopy(schemathesis_settings())
    config["generation"]["mode"] = "positive"
    config["phases"] = {
        # Only the links the spec declares: they are what tests/test_openapi_spec.py holds.
        "stateful": {"inference": {"algorithms": []}},
    }
    config["checks"] = {
        # Auth enforcement is tests/test_schemathesis.py's and tests/test_authz_matrix.py's:
        # here its probes would be a third of the requests.
        "ignored_auth": {"enabled": False},
    }
    config["operations"].append(
        {
            # DELETE /products/{id} archives (contract, Catalog: "DELETE (→ archived)"):
            # the supplier's members and admins still see the product, edit it (PATCH is
            # its members' whatever the state) and restore it.
            # (include-name: a selector's include-* keys are alternatives, any one matches)
            "include-name": [
                "GET /api/v1/products/{product_id}",
                "PATCH /api/v1/products/{product_id}",
            ],
            "checks": {"use_after_free": {"enabled": False}},
        }
    )
    others = [label for name, labels in CHAINS.items() if name != chain for label in labels]
    config["operations"].append(
        {
            # The state machine is built from every operation of the spec; the other
            # chains' operations take no step in this one.
            "include-name": [api_label(label) for label in others],
            "phases": {"stateful": {"enabled": False}},
        }
    )
    return SchemathesisConfig.from_dict(config)


def contract_label(operation: APIOperation) -> str:
    """``METHOD /path`` as the contract writes it (without ``/api/v1``)."""
    return f"{operation.method.upper()} {operation.path.removeprefix('/api/v1')}"


def actors_of(label: str) -> tuple[str, ...]:
    if label in ACTORS:
        return ACTORS[label]
    path = label.split(" ", 1)[1]
    for prefix, actor in DEFAULT_ACTOR_BY_PREFIX.items():
        if path.startswith(prefix):
            return (actor,)
    raise AssertionError(f"who calls {label}? add it to ACTORS")


# Operations only a session signed in with the password may call (a Bearer token: 403):
# their callers use a login session (cookie and CSRF token) instead of their token.
SESSION_ONLY = {"POST /auth/tokens"}
SESSION_ACTORS = {actor for label in SESSION_ONLY for actor in ACTORS[label]}


def realistic(case: Case, label: str, scenario: dict[str, Any]) -> None:
    """Business rules the schema cannot express, applied to a generated body."""
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    now = datetime.now(UTC)
    if label == "POST /rfqs":
        body.update(
            category=CATEGORY,
            materials=["EVA"],
            needed_by=(now + timedelta(days=60)).date().isoformat(),
            quote_deadline=(now + timedelta(days=10)).isoformat(),
        )
    elif label == "POST /rfqs/{rfq_id}/quotations":
        body.pop("currency", None)  # the RFQ's currency is the only one accepted
        body["valid_until"] = (now + timedelta(days=30)).date().isoformat()
    elif label in ("POST /products", "PATCH /products/{product_id}"):
        if "category" in body or label == "POST /products":
            body["category"] = CATEGORY
        if "materials" in body:
            body["materials"] = ["EVA"]
        if "price_tiers" in body or "moq" in body:
            moq = body.setdefault("moq", 1000)
            body["price_tiers"] = [{"min_qty": moq, "unit_price": "1.20"}]
    elif label in ("POST /orders", "PATCH /orders/{order_id}"):
        for line in body.get("lines") or []:
            if isinstance(line, dict):
                line.pop("product_id", None)  # the scenario's company's products only
                line["size_breakdown"] = None  # sizes must add up to the quantity
    elif label == "POST /inquiries":
        body.pop("product_id", None)
        body["supplier_id"] = scenario["supplier_id"]
    elif label == "POST /sample-requests":
        body["product_id"] = scenario["product_id"]  # the scenario's published product
    elif label == "POST /reports":
        body.update(target_type="supplier", target_id=scenario["supplier_id"])
    elif label == "POST /auth/tokens":
        body.pop("password", None)  # a drawn one is wrong; the session's login is recent


@pytest.mark.parametrize("chain", CHAINS)
def test_stateful_links_reach_the_deep_operations(
    app: Flask, chain: str, record_property: Callable[[str, object], None]
) -> None:
    schema = schemathesis.openapi.from_wsgi(SPEC_PATH, app, config=stateful_config(chain))
    # The scenario's principals (``setup``).  Their tokens reach the requests through
    # schemathesis' auth hook, which runs when a case is generated.
    scenario: dict[str, Any] = {}

    @schema.auth(refresh_interval=None)
    class TurnBearer:
        """The token of the principal whose turn it is to call the operation."""

        def get(self, case: Case, context: Any) -> str:
            label = contract_label(context.operation)
            actors = actors_of(label)
            turns: Counter[str] = scenario["turns"]
            actor = actors[turns[label] % len(actors)]
            turns[label] += 1
            if label in SESSION_ONLY:
                return actor
            return scenario["tokens"][actor]

        def set(self, case: Case, data: str, context: Any) -> None:
            headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(case.headers or {})
            if contract_label(context.operation) in SESSION_ONLY:
                # Only a session signed in with the password makes tokens (a token: 403).
                session = scenario["sessions"][data]
                headers["X-CSRFToken"] = session["csrf"]
                case.cookies = {**(case.cookies or {}), **session["cookies"]}
            else:
                headers["Authorization"] = f"Bearer {data}"
            case.headers = headers

    successes: Counter[str] = Counter()
    calls: Counter[str] = Counter()

    base = cast("type[OpenAPIStateMachine]", schema.as_state_machine())
    # Not a root: schemathesis' root rules are named after their operation, and its
    # transition controller spreads root calls over ``_root_labels`` (4.32.5; checked here so
    # that an upgrade renaming them fails instead of quietly starting from random ids).
    not_roots = {api_label(label) for label in CHAINS[chain] if label not in ROOTS}
    not_root_rules = {normalize_name(f"RANDOM -> {label}") for label in not_roots}
    assert not_root_rules & base.root_rules and not_roots & base._root_labels

    class Workflow(base):  # type: ignore[misc,valid-type]
        root_rules = base.root_rules - not_root_rules
        _root_labels = base._root_labels - not_roots

        def setup(self) -> None:
            # Each scenario in its own savepoint, rolled back in ``teardown``: every scenario
            # starts from the same database, so Hypothesis replaying a scenario's choices
            # gets the same responses (else: FlakyStrategyDefinition).
            self.savepoint = _session_on(db.session.connection())
            self.savepoint.__enter__()
            buyer = BuyerFactory()
            supplier, owner = supplier_with_catalog(
                f"Stateful {next(SUPPLIER_NUMBERS)}", category=CATEGORY
            )
            if chain == "catalog":  # the admins' review queue is not empty
                make_product(supplier, ProductStatus.PENDING_REVIEW, category=CATEGORY)
            admin = AdminFactory()  # last: the newest user, first in GET /admin/users
            tokens: dict[str, str] = {}
            users: dict[str, Any] = {"buyer": buyer, "supplier": owner, "admin": admin}
            for role, user in users.items():
                _token, tokens[role] = accounts.create_token(user, "stateful")
            transaction.commit()
            sessions = {role: login_session(app, users[role]) for role in SESSION_ACTORS}
            scenario.update(
                tokens=tokens,
                sessions=sessions,
                turns=Counter(),
                supplier_id=supplier.id,
                product_id=db.session.scalar(
                    sa.select(Product.id).where(Product.supplier_id == supplier.id)
                ),
            )

        def teardown(self) -> None:
            self.savepoint.__exit__(None, None, None)

        def before_call(self, case: Case) -> None:
            ratelimit.reset()
            # A list cursor is opaque and signed, as in tests/test_schemathesis.py.
            (case.query or {}).pop("cursor", None)
            realistic(case, contract_label(case.operation), scenario)

        def after_call(self, response: Response, case: Case) -> None:
            super().after_call(response, case)
            label = contract_label(case.operation)
            calls[label] += 1
            if 200 <= response.status_code < 300:
                successes[label] += 1

    for name in not_root_rules & base.root_rules:
        setattr(Workflow, name, None)  # Hypothesis finds rules by attribute
    with fresh_g_per_request(app):
        Workflow.run(settings=settings(HYPOTHESIS_SETTINGS, max_examples=SCENARIOS[chain]))

    record_property("schemathesis_cases", sum(calls.values()))
    print(f"\n{chain}: {sum(calls.values())} calls; 2xx per operation: {dict(successes)}")
    unreached = [label for label in MUST_REACH[chain] if not successes[label]]
    # Derandomized, so stable for given code; a change of links or rules may need more
    # SCENARIOS for a chain (the counts above say how close it was).
    assert not unreached, f"no 2xx for {unreached}; 2xx per operation: {dict(successes)}"


def test_the_chains_hold_every_linked_operation(app: Flask) -> None:
    """A new link's operations join a chain here (and get a caller), or the stateful run
    would silently leave them out."""
    spec = app.test_client().get(SPEC_PATH).json
    assert spec is not None
    linked = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            for response in operation["responses"].values():
                for link in response.get("links", {}).values():
                    linked.add(f"{method.upper()} {path.removeprefix('/api/v1')}")
                    target_path, target_method = link["operationRef"].rsplit("/", 1)
                    target = target_path.removeprefix("#/paths/").replace("~1", "/")
                    linked.add(f"{target_method.upper()} {target.removeprefix('/api/v1')}")
    chained = [label for labels in CHAINS.values() for label in labels]
    assert sorted(chained) == sorted(linked)
    assert all(actors_of(label) for label in chained)


def api_label(label: str) -> str:
    method, path = label.split(" ", 1)
    return f"{method} /api/v1{path}"
