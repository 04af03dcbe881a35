"""The OpenAPI links in ``/api/v1/openapi.json`` (``Blueprint.links``) can be followed.

Schemathesis' stateful run (tests/test_schemathesis_stateful.py) and generated clients walk
these links from the object an operation returned to the next operation on it; a link to an
operation that does not exist, or whose expression reads a field the response does not
have, would quietly turn that walk into random ids.
"""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.api_base import Blueprint, operation_ref
from tests.catalog.conftest import product_payload
from tests.factories import SupplierOwnerFactory

SPEC_PATH = "/api/v1/openapi.json"
METHODS = {"get", "put", "post", "delete", "patch"}

# The state-changing chains of the contract that the stateful run must be able to follow:
# (source operation, status) -> the operations reachable from it.
REQUIRED_LINKS = {
    ("POST /api/v1/rfqs", "201"): {
        "GET /api/v1/rfqs/{rfq_id}",
        "POST /api/v1/rfqs/{rfq_id}/cancel",
        "POST /api/v1/rfqs/{rfq_id}/quotations",
        "GET /api/v1/rfqs/{rfq_id}/quotations",
    },
    ("POST /api/v1/rfqs/{rfq_id}/quotations", "201"): {
        "GET /api/v1/quotations/{quotation_id}",
        "POST /api/v1/quotations/{quotation_id}/accept",
        "POST /api/v1/quotations/{quotation_id}/withdraw",
        "POST /api/v1/rfqs/{rfq_id}/quotations",
    },
    ("POST /api/v1/rfqs/{rfq_id}/quotations", "200"): {
        "POST /api/v1/quotations/{quotation_id}/accept",
        "POST /api/v1/quotations/{quotation_id}/withdraw",
    },
    ("POST /api/v1/quotations/{quotation_id}/accept", "200"): {
        "POST /api/v1/quotations/{quotation_id}/order",
    },
    ("POST /api/v1/quotations/{quotation_id}/order", "201"): {
        "GET /api/v1/orders/{order_id}",
        "PATCH /api/v1/orders/{order_id}",
        "POST /api/v1/orders/{order_id}/confirm",
        "POST /api/v1/orders/{order_id}/cancel",
        "POST /api/v1/orders/{order_id}/documents",
    },
    ("POST /api/v1/orders", "201"): {
        "GET /api/v1/orders/{order_id}",
        "POST /api/v1/orders/{order_id}/confirm",
    },
    ("POST /api/v1/orders/{order_id}/confirm", "200"): {
        "POST /api/v1/orders/{order_id}/start-production",
    },
    ("POST /api/v1/orders/{order_id}/start-production", "200"): {
        "POST /api/v1/orders/{order_id}/ship",
    },
    ("POST /api/v1/orders/{order_id}/ship", "200"): {
        "POST /api/v1/orders/{order_id}/deliver",
        "POST /api/v1/orders/{order_id}/dispute",
    },
    ("POST /api/v1/orders/{order_id}/deliver", "200"): {
        "POST /api/v1/orders/{order_id}/complete",
    },
    ("POST /api/v1/products", "201"): {
        "GET /api/v1/products/{product_id}",
        "PATCH /api/v1/products/{product_id}",
        "DELETE /api/v1/products/{product_id}",
        "POST /api/v1/products/{product_id}/submit",
        "POST /api/v1/products/{product_id}/images",
    },
    ("POST /api/v1/products/{product_id}/submit", "200"): {
        "POST /api/v1/admin/products/{product_id}/approve",
        "POST /api/v1/admin/products/{product_id}/reject",
    },
    ("DELETE /api/v1/products/{product_id}", "204"): {
        "POST /api/v1/products/{product_id}/restore",
    },
    ("POST /api/v1/admin/products/{product_id}/suspend", "200"): {
        "POST /api/v1/admin/products/{product_id}/reinstate",
    },
    ("POST /api/v1/inquiries", "201"): {
        "GET /api/v1/inquiries/{inquiry_id}",
        "GET /api/v1/inquiries/{inquiry_id}/messages",
        "POST /api/v1/inquiries/{inquiry_id}/messages",
        "POST /api/v1/inquiries/{inquiry_id}/close",
    },
    ("POST /api/v1/auth/tokens", "201"): {"DELETE /api/v1/auth/tokens/{token_id}"},
    ("POST /api/v1/suppliers/{supplier_id}/members", "201"): {
        "DELETE /api/v1/suppliers/{supplier_id}/members/{user_id}",
    },
    ("POST /api/v1/suppliers/{supplier_id}/verification-request", "201"): {
        "POST /api/v1/admin/suppliers/{supplier_id}/verify",
    },
    ("POST /api/v1/admin/suppliers/{supplier_id}/suspend", "200"): {
        "POST /api/v1/admin/suppliers/{supplier_id}/reinstate",
    },
    ("POST /api/v1/admin/users/{user_id}/suspend", "200"): {
        "POST /api/v1/admin/users/{user_id}/reinstate",
    },
    ("POST /api/v1/reports", "201"): {"POST /api/v1/admin/reports/{report_id}/resolve"},
    ("POST /api/v1/admin/prohibited-terms", "201"): {
        "DELETE /api/v1/admin/prohibited-terms/{term_id}",
    },
}


@pytest.fixture(scope="module")
def spec(app) -> dict[str, Any]:
    return app.test_client().get(SPEC_PATH).json


def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``"METHOD /path"`` -> the operation object."""
    return {
        f"{method.upper()} {path}": operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def links(spec: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Every link: (source operation, status, link name, link object)."""
    return [
        (label, status, name, link)
        for label, operation in operations(spec).items()
        for status, response in operation["responses"].items()
        for name, link in response.get("links", {}).items()
    ]


def resolve_pointer(spec: dict[str, Any], pointer: str) -> Any:
    """A local JSON pointer (``#/paths/~1api~1v1~1rfqs/post``) in the spec, or None."""
    node: Any = spec
    for token in pointer.removeprefix("#/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or token not in node:
            return None
        node = node[token]
    return node


def link_target(spec: dict[str, Any], link: dict[str, Any]) -> str | None:
    """The ``"METHOD /path"`` a link points at, or None when it points nowhere."""
    if "operationId" in link:
        found = [
            label
            for label, operation in operations(spec).items()
            if operation.get("operationId") == link["operationId"]
        ]
        return found[0] if len(found) == 1 else None
    pointer = link["operationRef"]
    if resolve_pointer(spec, pointer) is None:
        return None
    *path_tokens, method = pointer.removeprefix("#/paths/").split("/")
    path = "/".join(path_tokens).replace("~1", "/").replace("~0", "~")
    return f"{method.upper()} {path}"


def deref(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = resolve_pointer(spec, schema["$ref"])
    return schema


def schema_has(spec: dict[str, Any], schema: dict[str, Any], tokens: list[str]) -> bool:
    """Whether a JSON pointer (split into tokens) can address a value of ``schema``."""
    schema = deref(spec, schema)
    if not tokens:
        return True
    alternatives = schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", [])
    if alternatives:
        return any(schema_has(spec, alternative, tokens) for alternative in alternatives)
    head, rest = tokens[0], tokens[1:]
    if schema.get("type") == "array" or "items" in schema:
        return head.isdigit() and schema_has(spec, schema.get("items", {}), rest)
    properties = schema.get("properties", {})
    return head in properties and schema_has(spec, properties[head], rest)


def path_parameters(spec: dict[str, Any], label: str) -> set[str]:
    method, path = label.split(" ", 1)
    item = spec["paths"][path]
    declared = item.get("parameters", []) + item[method.lower()].get("parameters", [])
    return {
        deref(spec, parameter)["name"]
        for parameter in declared
        if deref(spec, parameter)["in"] == "path"
    }


def test_the_spec_has_links_for_every_state_changing_chain(spec):
    found: dict[tuple[str, str], set[str]] = {}
    for source, status, _name, link in links(spec):
        found.setdefault((source, status), set()).add(link_target(spec, link))
    missing = {
        key: targets - found.get(key, set())
        for key, targets in REQUIRED_LINKS.items()
        if targets - found.get(key, set())
    }
    assert not missing


def test_every_link_points_at_an_operation_of_the_spec(spec):
    assert links(spec)
    unresolved = [
        (source, status, name, link.get("operationRef") or link.get("operationId"))
        for source, status, name, link in links(spec)
        if link_target(spec, link) is None
    ]
    assert not unresolved


def test_every_link_fills_exactly_its_targets_path_parameters(spec):
    wrong = []
    for source, status, name, link in links(spec):
        target = link_target(spec, link)
        if set(link["parameters"]) != path_parameters(spec, target):
            wrong.append((source, status, name, sorted(link["parameters"])))
    assert not wrong


def test_every_link_expression_reads_what_the_source_has(spec):
    """``$response.body#/...`` addresses a field of the source's response schema for that
    status; ``$request.path.x`` a path parameter of the source."""
    ops = operations(spec)
    wrong = []
    for source, status, name, link in links(spec):
        response = ops[source]["responses"][status]
        for parameter, expression in link["parameters"].items():
            if expression.startswith("$response.body#/"):
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                tokens = expression.removeprefix("$response.body#/").split("/")
                ok = schema is not None and schema_has(spec, schema, tokens)
            elif expression.startswith("$request.path."):
                ok = expression.removeprefix("$request.path.") in path_parameters(spec, source)
            else:
                ok = False
            if not ok:
                wrong.append((source, status, name, parameter, expression))
    assert not wrong


def test_the_link_helper_refuses_a_link_that_cannot_fill_its_target():
    blp = Blueprint("links_probe", __name__)
    with pytest.raises(ValueError, match="quotation_id"):
        blp.links(
            200,
            {"rfq_id": "$response.body#/id"},
            acceptQuotation="POST /quotations/{quotation_id}/accept",
        )


def test_an_operation_ref_escapes_the_path_as_a_json_pointer():
    assert operation_ref("GET", "/rfqs/{rfq_id}") == "#/paths/~1api~1v1~1rfqs~1{rfq_id}/get"


# The product fields the stateful run found documented looser than the API checks them
# (any JSON for ``sizes``, duplicates in unique lists): a client following the spec got 422s.


def product_field(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"]["ProductInput"]["properties"][name]


def test_product_sizes_are_documented_as_the_api_checks_them(spec, login_as):
    whole_range, size_list = product_field(spec, "sizes")["anyOf"]
    size = size_list["items"]
    assert whole_range["properties"]["from"] == whole_range["properties"]["to"] == size
    low, high, step = size["minimum"], size["maximum"], size["multipleOf"]
    accepted = [
        {"system": "EU", "from": 36, "to": 41},
        {"from": low, "to": high},
        [low, low + step, high],
        [low] * size_list["maxItems"],
    ]
    refused = [
        {"system": "US", "from": 36, "to": 41},
        {"from": 36},
        {"from": 36, "to": 41, "width": "wide"},
        [],
        [high + step],
        [low - step],
        [low + step / 2],
        [low + step * n for n in range(size_list["maxItems"] + 1)],
        "36-41",
    ]
    supplier = login_as(SupplierOwnerFactory())
    for number, sizes in enumerate(accepted + refused):
        response = supplier.post(
            "/api/v1/products", json=product_payload(sku=f"SIZES-{number}", sizes=sizes)
        )
        if sizes in accepted:
            assert response.status_code == 201, (sizes, response.json)
        else:
            assert response.status_code == 422, sizes
            assert list(response.json["errors"]) == ["sizes"]


@pytest.mark.parametrize("field", ["colors", "customization", "incoterms"])
def test_lists_documented_as_unique_refuse_duplicates(spec, login_as, field):
    assert product_field(spec, field)["uniqueItems"] is True
    value = product_payload()[field][0]
    response = login_as(SupplierOwnerFactory()).post(
        "/api/v1/products", json=product_payload(**{field: [value, value]})
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]


def test_a_new_members_password_is_documented_with_the_policys_length(spec, login_as):
    password = spec["components"]["schemas"]["MemberCreate"]["properties"]["password"]
    owner = SupplierOwnerFactory()
    client = login_as(owner)
    path = f"/api/v1/suppliers/{owner.supplier_id}/members"
    short = "Tide-pool anchor tilt"[: password["minLength"] - 1]
    response = client.post(path, json={"email": "a@new.example", "name": "A", "password": short})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["password"]
    long_enough = "Tide-pool anchor " + "z" * password["minLength"]
    response = client.post(
        path, json={"email": "b@new.example", "name": "B", "password": long_enough}
    )
    assert response.status_code == 201
