"""Logs: JSON, one object a line, each carrying the request id; no stack trace, SQL or
secret in any log line or error body (security.md)."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa
from flask import request

from marketplace.accounts import services
from tests.reliability.conftest import registration

pytestmark = pytest.mark.real_commits

EMAIL = "secret.buyer@example.com"
PASSWORD = "hunter2-but-much-longer"
TOKEN = "nkp_SuperSecretTokenValue123"
SECRETS = (EMAIL, PASSWORD, TOKEN, "secret.buyer")
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
test_log = logging.getLogger("marketplace.reliability_test")


def throwaway_routes(app) -> None:
    from marketplace.extensions import db

    def chatty():
        test_log.info("first line")
        test_log.warning("second line")
        return {"ok": True}

    def boom():
        body = request.get_json()
        # What a careless exception message could hold: SQL, e-mail, password, token.
        sql = "INSERT INTO users (email, password) VALUES ('{email}', '{password}')"
        raise RuntimeError(sql.format(**body) + f" -- {body['token']}")

    def bad_sql():
        db.session.execute(
            sa.text("SELECT password_hash FROM users WHERE email = :email AND no_such_col = 1"),
            {"email": request.get_json()["email"]},
        )
        return {"ok": True}

    def handled():
        try:
            raise ValueError(f"could not mail {request.get_json()['email']}")
        except ValueError:
            test_log.exception("mail failed")
        return {"ok": True}

    app.add_url_rule("/_test/chatty", "chatty", chatty)
    app.add_url_rule("/_test/boom", "boom", boom, methods=["POST"])
    app.add_url_rule("/_test/bad-sql", "bad_sql", bad_sql, methods=["POST"])
    app.add_url_rule("/_test/handled", "handled", handled, methods=["POST"])


@pytest.fixture
def app_and_logs(make_app, capture_logs):
    dedicated = make_app(routes=throwaway_routes)
    return dedicated, capture_logs()


def secret_body() -> dict:
    return {"email": EMAIL, "password": PASSWORD, "token": TOKEN}


def lines_of(logs, response) -> list[dict]:
    rid = response.headers["X-Request-ID"]
    return [line for line in logs.lines() if line["request_id"] == rid]


def assert_nothing_leaks(logs, response) -> None:
    for text in (logs.text, response.get_data(as_text=True)):
        for secret in SECRETS:
            assert secret not in text
        for leak in ("Traceback", 'File "', "INSERT INTO", "SELECT ", "no_such_col"):
            assert leak not in text
    assert not any("exc_info" in line for line in logs.lines())


def assert_internal_error(response) -> None:
    assert response.status_code == 500
    assert response.json == {
        "code": 500,
        "status": "Internal Server Error",
        "message": "Internal server error.",
        "request_id": response.headers["X-Request-ID"],
    }


def test_every_line_is_one_json_object_carrying_the_request_id(app_and_logs):
    dedicated, logs = app_and_logs
    response = dedicated.app.test_client().get("/_test/chatty")
    assert response.status_code == 200
    rid = response.headers["X-Request-ID"]
    assert HEX_ID.match(rid)
    lines = logs.lines()  # json.loads of every line: fails on anything not JSON
    assert [line["message"] for line in lines] == ["first line", "second line", "request"]
    assert {line["request_id"] for line in lines} == {rid}
    assert lines[1]["level"] == "WARNING"
    assert lines[2]["path"] == "/_test/chatty"
    assert lines[2]["status"] == 200
    assert lines[2]["logger"] == "marketplace.access"


def test_a_valid_incoming_request_id_is_reused(app_and_logs):
    dedicated, logs = app_and_logs
    incoming = "lb-7f3a.trace_42"
    response = dedicated.app.test_client().get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
    assert [line["request_id"] for line in logs.lines()] == [incoming]


@pytest.mark.parametrize(
    "incoming", ["has space", "x" * 65, "<script>alert(1)</script>", "line\tbreak", "é-accent"]
)
def test_an_invalid_incoming_request_id_is_replaced(app_and_logs, incoming):
    dedicated, logs = app_and_logs
    response = dedicated.app.test_client().get("/healthz", headers={"X-Request-ID": incoming})
    rid = response.headers["X-Request-ID"]
    assert HEX_ID.match(rid)
    assert [line["request_id"] for line in logs.lines()] == [rid]
    assert "script" not in logs.text


def test_unhandled_exception_logs_type_and_where_but_no_trace_or_secret(app_and_logs):
    dedicated, logs = app_and_logs
    response = dedicated.api().post(
        f"/_test/boom?token={TOKEN}", json=secret_body(), headers={"Accept": "application/json"}
    )
    assert_internal_error(response)
    error, access = lines_of(logs, response)
    assert error["level"] == "ERROR"
    assert error["message"] == "unhandled exception"
    assert error["error_type"] == "RuntimeError"
    assert re.fullmatch(r"test_logging\.py:\d+", error["where"])
    assert access["status"] == 500
    assert access["path"] == "/_test/boom"  # the query string (with its token) is not logged
    assert_nothing_leaks(logs, response)


def test_crash_inside_our_code_names_our_file(app_and_logs, monkeypatch):
    dedicated, logs = app_and_logs

    def broken_hash(password):
        raise ValueError(f"cannot hash {password!r}")

    monkeypatch.setattr(services, "hash_password", broken_hash)
    body = registration(EMAIL) | {"password": PASSWORD}
    response = dedicated.api().post("/api/v1/auth/register", json=body)
    assert_internal_error(response)
    error = lines_of(logs, response)[0]
    assert error["error_type"] == "ValueError"
    assert re.fullmatch(r"accounts/services\.py:\d+", error["where"])
    assert_nothing_leaks(logs, response)
    assert dedicated.count("users") == 0


def test_sql_error_is_500_without_sql_or_parameters(app_and_logs):
    dedicated, logs = app_and_logs
    response = dedicated.api().post(
        "/_test/bad-sql", json=secret_body(), headers={"Accept": "application/json"}
    )
    # A bug, not an outage, on both databases (SQLite calls it OperationalError).
    assert_internal_error(response)
    error = lines_of(logs, response)[0]
    assert error["message"] == "unhandled exception"
    assert error["error_type"] in {"OperationalError", "ProgrammingError"}
    assert_nothing_leaks(logs, response)


def test_exception_logged_by_our_code_has_no_traceback(app_and_logs):
    dedicated, logs = app_and_logs
    response = dedicated.api().post("/_test/handled", json=secret_body())
    assert response.status_code == 200
    logged = lines_of(logs, response)[0]
    assert logged["message"] == "mail failed"
    assert logged["error_type"] == "ValueError"
    assert_nothing_leaks(logs, response)
