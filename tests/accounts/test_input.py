"""Input hygiene on the accounts API: bad text, huge ints, sizes, types, JSON depth."""

from __future__ import annotations

import io
import json

import pytest

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.accounts.conftest import (
    LOGIN,
    ME,
    REGISTER,
    TOKENS,
    assert_error_envelope,
    buyer_payload,
    commit,
    count_users,
    user_by_email,
)
from tests.factories import BuyerFactory


@pytest.fixture
def buyer():
    user = BuyerFactory()
    commit()
    return user


@pytest.fixture
def browser(login_as, buyer):
    return login_as(buyer)


def post_raw(api_client, path: str, text: str, method: str = "POST"):
    """Send JSON text exactly as given (``json=`` would escape what we want to test)."""
    return api_client.open(method, path, data=text.encode("utf-8"), content_type="application/json")


# Text ----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["email", "name", "company_name", "password"])
def test_nul_byte_in_a_field_is_4xx_and_writes_nothing(api, field):
    payload = buyer_payload()
    payload[field] = payload[field] + "\x00" if payload.get(field) else "Acme\x00"
    users_before = count_users()
    response = api.post(REGISTER, json=payload)
    assert 400 <= response.status_code < 500
    assert_error_envelope(response, response.status_code)
    assert count_users() == users_before


@pytest.mark.parametrize("field", ["email", "name", "company_name", "password"])
def test_lone_surrogate_is_4xx_and_writes_nothing(api, field):
    payload = buyer_payload(company_name="Acme")
    payload[field] = "PLACEHOLDER"
    text = json.dumps(payload).replace("PLACEHOLDER", "abc\\ud800def")
    users_before = count_users()
    response = post_raw(api, REGISTER, text)
    assert 400 <= response.status_code < 500
    assert_error_envelope(response, response.status_code)
    assert count_users() == users_before


@pytest.mark.parametrize(
    "text",
    [
        '{"email": "a\\u0000@x.example", "password": "whatever password"}',
        '{"email": "\\udc00@x.example", "password": "whatever password"}',
        '{"email": "a@x.example", "password": "\\ud800\\ud800\\ud800\\ud800"}',
        '{"email\\u0000": "a@x.example", "password": "whatever password"}',
    ],
)
def test_bad_text_on_login_is_4xx(api, text):
    response = post_raw(api, LOGIN, text)
    assert 400 <= response.status_code < 500
    assert_error_envelope(response, response.status_code)


def test_bad_text_in_a_key_is_4xx(browser):
    response = post_raw(browser, ME, '{"na\\ud800me": "x"}', method="PATCH")
    assert_error_envelope(response, 400)


def test_bad_text_in_the_query_string_is_4xx(browser):
    assert_error_envelope(browser.get(TOKENS, query_string={"q": "a\x00b"}), 400)


def test_cjk_and_emoji_round_trip_unchanged(api, make_api):
    payload = buyer_payload(
        name="陈伟明 🩴",
        company_name="晋江内坑拖鞋厂 👡🏭",
        email="chen.weiming@importer.example",
    )
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 201
    assert response.json["name"] == "陈伟明 🩴"
    assert response.json["company_name"] == "晋江内坑拖鞋厂 👡🏭"

    stored = user_by_email(payload["email"])
    db.session.refresh(stored)
    assert stored.name == "陈伟明 🩴"

    client = make_api()
    assert client.login(payload["email"], payload["password"]).status_code == 200
    me = client.get(ME)
    assert me.json["name"] == "陈伟明 🩴"

    renamed = client.patch(ME, json={"name": "Zoë Ñúñez 👟 — 拖鞋"})
    assert renamed.json["name"] == "Zoë Ñúñez 👟 — 拖鞋"
    assert client.get(ME).json["name"] == "Zoë Ñúñez 👟 — 拖鞋"

    token = client.post(TOKENS, json={"name": "集成 🔑"}).json
    assert token["name"] == "集成 🔑"
    assert client.get(TOKENS).json["items"][0]["name"] == "集成 🔑"


def test_name_length_counts_characters(browser):
    assert browser.patch(ME, json={"name": "🩴" * 120}).status_code == 200
    assert browser.patch(ME, json={"name": "🩴" * 121}).status_code == 422


# Integers -------------------------------------------------------------------------


@pytest.mark.parametrize("token_id", ["2147483648", "9223372036854775808", "99999999999999999999"])
def test_huge_int_in_a_path_is_404(browser, token_id):
    assert_error_envelope(browser.delete(f"{TOKENS}/{token_id}"), 404)


@pytest.mark.parametrize("token_id", ["-1", "0x10", "1.5", "%00", "1%00"])
def test_non_int_in_a_path_is_404(browser, token_id):
    assert_error_envelope(browser.delete(f"{TOKENS}/{token_id}"), 404)


def test_largest_int32_in_a_path_is_an_ordinary_404(browser):
    assert_error_envelope(browser.delete(f"{TOKENS}/2147483647"), 404)


@pytest.mark.parametrize("value", [2**31, 2**63, 10**30, -(2**31) - 1])
@pytest.mark.parametrize(
    ("path", "field"),
    [(TOKENS, "name"), (ME, "name"), (ME, "country"), (LOGIN, "remember")],
)
def test_huge_int_in_a_body_is_4xx(browser, value, path, field):
    method = "PATCH" if path == ME else "POST"
    body = {"email": "x@y.example", "password": "p" * 12} if path == LOGIN else {}
    body[field] = value
    response = browser.open(method, path, json=body)
    assert 400 <= response.status_code < 500
    assert_error_envelope(response, response.status_code)


def test_huge_int_in_register_is_422_and_writes_nothing(api):
    users_before = count_users()
    response = api.post(REGISTER, json=buyer_payload(country=2**64, name=2**40))
    assert_error_envelope(response, 422)
    assert {"country", "name"} <= set(response.json["errors"])
    assert count_users() == users_before


# Body size, type and syntax --------------------------------------------------------


def test_body_over_max_content_length_is_413(app, api):
    limit = app.config["MAX_CONTENT_LENGTH"]
    payload = buyer_payload(name="x" * limit)
    users_before = count_users()
    response = api.post(REGISTER, json=payload)
    assert_error_envelope(response, 413)
    assert count_users() == users_before


def test_body_just_under_the_limit_is_read(app, api):
    limit = app.config["MAX_CONTENT_LENGTH"]
    payload = buyer_payload()
    payload["name"] = ""
    size = len(json.dumps(payload).encode())
    payload["name"] = "x" * (limit - size - 10)
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 422  # read and validated (name too long), not 413
    assert "name" in response.json["errors"]


def test_body_without_content_length_over_the_limit_is_413(app, api):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = json.dumps(buyer_payload(name="x" * (limit + 10))).encode()
    response = api.open(
        "POST",
        REGISTER,
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn sets it
    )
    assert_error_envelope(response, 413)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", "{}"),
        ("application/x-www-form-urlencoded", "email=a%40b.example&password=xxxxxxxxxxxx"),
        ("multipart/form-data; boundary=x", "--x--"),
        ("application/xml", "<user/>"),
    ],
)
def test_wrong_content_type_is_415(api, content_type, data):
    users_before = count_users()
    response = api.open("POST", REGISTER, data=data, content_type=content_type)
    assert_error_envelope(response, 415)
    assert count_users() == users_before


def test_json_with_charset_is_fine(api):
    response = api.open(
        "POST",
        REGISTER,
        data=json.dumps(buyer_payload()).encode(),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("text", ["{", "{'email': 1}", '{"a": 1,}', "nul", "\xff\xfe", "[1, 2"])
@pytest.mark.parametrize("path", [REGISTER, LOGIN])
def test_invalid_json_is_400(api, path, text):
    response = api.open("POST", path, data=text.encode("latin-1"), content_type="application/json")
    assert_error_envelope(response, 400)


@pytest.mark.parametrize("path", [REGISTER, LOGIN, TOKENS])
@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_10000_deep_json_is_400(browser, path, opener):
    closer = "]" if opener == "[" else "}"
    text = opener * 10_000 + "1" + closer * 10_000
    response = post_raw(browser, path, text)
    assert_error_envelope(response, 400)


def test_deep_json_inside_a_field_is_400(browser):
    text = '{"email": ' + "[" * 10_000 + "]" * 10_000 + ', "password": "x"}'
    assert_error_envelope(post_raw(browser, LOGIN, text), 400)


def test_moderately_nested_json_is_refused_as_a_shape_not_a_crash(browser):
    text = '{"name": ' + "[" * 40 + "]" * 40 + "}"
    response = post_raw(browser, TOKENS, text)
    assert_error_envelope(response, 400)
    assert response.json["message"].startswith("Invalid JSON body: JSON nested deeper than")


def test_json_that_is_not_an_object_is_422(api):
    for text in ("[]", '"x"', "1", "null"):
        response = post_raw(api, REGISTER, text)
        assert_error_envelope(response, 422)


def test_empty_body_is_422_naming_the_fields(api):
    response = api.open("POST", REGISTER, data=b"", content_type="application/json")
    assert_error_envelope(response, 422)
    assert "email" in response.json["errors"]


# Method and envelope ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", ME, {"GET", "PATCH"}),
        ("DELETE", ME, {"GET", "PATCH"}),
        ("GET", REGISTER, {"POST"}),
        ("GET", LOGIN, {"POST"}),
        ("PATCH", TOKENS, {"GET", "POST"}),
        ("GET", f"{TOKENS}/1", {"DELETE"}),
    ],
)
def test_405_has_an_allow_header(api, method, path, allowed):
    response = api.open(method, path, json={})
    assert_error_envelope(response, 405)
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_404_for_an_unknown_api_path_uses_the_envelope(api):
    assert_error_envelope(api.get("/api/v1/auth/nope"), 404)


def test_validation_error_lists_every_bad_field(api):
    response = api.post(REGISTER, json={"email": "nope", "role": "pirate", "extra": 1})
    assert_error_envelope(response, 422)
    assert {"email", "role", "extra", "password", "name"} <= set(response.json["errors"])


def test_user_row_count_unchanged_by_all_of_the_above(api):
    # A sanity check that the helpers count real rows: a good registration adds one.
    before = count_users()
    assert api.post(REGISTER, json=buyer_payload()).status_code == 201
    assert count_users() == before + 1
    assert db.session.query(User).count() == before + 1
