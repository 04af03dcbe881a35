"""A failure half-way through a multi-row write leaves 0 partial rows (security.md, faults).

Registering a supplier writes a ``suppliers`` row and then a ``users`` row; here the
second write fails, once with a bug in our code and once with a database constraint."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from marketplace.accounts.models import User
from marketplace.suppliers.models import Supplier
from tests.reliability.conftest import registration

pytestmark = pytest.mark.real_commits

SUPPLIER = registration("owner@factory.example", role="supplier", company="Jinjiang Slippers Co.")


def assert_clean_error(response, status: int) -> None:
    assert response.status_code == status
    body = response.json
    assert set(body) <= {"code", "status", "message", "errors", "request_id"}
    assert body["code"] == response.status_code
    assert body["request_id"] == response.headers["X-Request-ID"]
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "INSERT", "suppliers", "owner@factory", SUPPLIER["password"]):
        assert leak not in text


@pytest.fixture
def listener():
    """``listener(target, name, fn)``; removed again after the test."""
    added = []

    def add(target, name, fn):
        event.listen(target, name, fn)
        added.append((target, name, fn))

    yield add
    for target, name, fn in added:
        if event.contains(target, name, fn):
            event.remove(target, name, fn)


def test_exception_after_the_first_insert_rolls_everything_back(make_app, listener):
    dedicated = make_app()
    partial_rows_seen = []

    def fail_after_supplier_insert(_mapper, connection, _target):
        # The suppliers row really is written inside the transaction at this point.
        partial_rows_seen.append(
            connection.execute(sa.text("SELECT count(*) FROM suppliers")).scalar_one()
        )
        raise RuntimeError("simulated crash between the two inserts")

    listener(Supplier, "after_insert", fail_after_supplier_insert)
    client = dedicated.api()
    response = client.post("/api/v1/auth/register", json=SUPPLIER)

    assert partial_rows_seen == [1]
    assert_clean_error(response, 500)
    assert response.json["message"] == "Internal server error."
    assert dedicated.count("suppliers") == 0
    assert dedicated.count("users") == 0

    event.remove(Supplier, "after_insert", fail_after_supplier_insert)
    retry = client.post("/api/v1/auth/register", json=SUPPLIER)
    assert retry.status_code == 201  # nothing left behind blocks the same sign-up
    assert dedicated.count("suppliers") == 1
    assert dedicated.count("users") == 1


def test_constraint_violation_on_the_second_insert_rolls_everything_back(make_app, listener):
    dedicated = make_app()

    def point_at_missing_supplier(_mapper, _connection, target):
        target.supplier_id = 2_000_000_000  # foreign key violation on the users insert

    listener(User, "before_insert", point_at_missing_supplier)
    response = dedicated.api().post("/api/v1/auth/register", json=SUPPLIER)

    # Not the e-mail's unique index, so not a 409 for the caller: a broken insert is our
    # bug, answered as one.
    assert_clean_error(response, 500)
    assert response.json["message"] == "Internal server error."
    assert dedicated.count("suppliers") == 0
    assert dedicated.count("users") == 0
