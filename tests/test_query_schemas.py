"""Integers: read from text in a query string (``fields.QuerySchema``), strict in a JSON
body. Every operation of the spec with an integer query parameter is asked with it
written as text, by a user it answers."""

from __future__ import annotations

import re

import pytest

from marketplace.extensions import db
from marketplace.fields import Int, QuerySchema, Schema
from tests.factories import AdminFactory, BuyerFactory, SupplierOwnerFactory

SPEC_PATH = "/api/v1/openapi.json"


def _integer_query_parameters(spec: dict) -> list[tuple[str, str, dict]]:
    found = []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if not operation:
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter["schema"].get("type") == "integer":
                found.append((path, parameter["name"], parameter["schema"]))
    return found


@pytest.fixture
def clients(login_as):
    users = [AdminFactory(), SupplierOwnerFactory(), BuyerFactory()]
    db.session.flush()
    return [login_as(user) for user in users]


def test_every_integer_query_parameter_is_read_from_text(api, clients):
    parameters = _integer_query_parameters(api.get(SPEC_PATH).json)
    assert len(parameters) >= 20, parameters  # limit on every list, and the id filters
    for path, name, schema in parameters:
        url = re.sub(r"\{[^}]+\}", "1", path)
        value = max(schema.get("minimum", 1), 1)
        for client in clients:
            # Refused as text that is no integer: this user's request reaches the schema.
            refused = client.get(url, query_string={name: "twenty"})
            if refused.status_code == 422:
                break
        else:
            pytest.fail(f"no user reaches the query schema of GET {path}")
        assert name in refused.json["errors"], (path, refused.json)
        answer = client.get(url, query_string={name: str(value)})
        assert answer.status_code != 422 or name not in answer.json.get("errors", {}), (
            path,
            name,
            answer.json,
        )


def test_a_query_limit_written_as_text_pages_the_list(api):
    response = api.get("/api/v1/suppliers", query_string={"limit": "1"})
    assert response.status_code == 200
    assert len(response.json["items"]) <= 1
    assert api.get("/api/v1/suppliers", query_string={"limit": "0"}).status_code == 422
    assert api.get("/api/v1/suppliers", query_string={"limit": "1.0"}).status_code == 422


class Body(Schema):
    count = Int(maximum=100)


class Query(QuerySchema):
    count = Int(maximum=100)


@pytest.mark.parametrize(
    ("schema", "value", "loaded"),
    [
        (Query(), "20", 20),
        (Query(), "-1", None),  # below the minimum: the field's range still applies
        (Query(), "101", None),
        (Query(), " 20", None),
        (Query(), "2e1", None),
        (Query(), "20.0", None),
        (Query(), 20, 20),
        (Body(), 20, 20),
        (Body(), "20", None),
        (Body(), 20.0, None),
        (Body(), True, None),
    ],
)
def test_only_a_query_schema_reads_an_integer_from_text(schema, value, loaded):
    errors = schema.validate({"count": value})
    if loaded is None:
        assert "count" in errors
    else:
        assert errors == {}
        assert schema.load({"count": value}) == {"count": loaded}
