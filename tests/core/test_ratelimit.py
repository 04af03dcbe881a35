"""One rate-limit module: the API and the pages share each allowance, and limits fail open
(a logged warning, never a 500) when their storage is unreachable."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.moderation.models import Report
from tests.catalog.support import make_product
from tests.factories import BuyerFactory, SupplierOwnerFactory
from tests.inquiries.conftest import INQUIRIES, inquiry_body

ROOT = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html"}
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NOTHING_LISTENS = "redis://:not-for-the-log@127.0.0.1:1/0"  # port 1: connection refused
PASSWORD_IN_URL = "not-for-the-log"
GOOD_PASSWORD = "slippers from neikeng 2026"
IP = "198.51.100.7"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def report_via_api(client, product_id: int):
    body = {"target_type": "product", "target_id": product_id, "reason": "Counterfeit logo."}
    return client.post("/api/v1/reports", json=body)


def report_via_page(client, product_id: int):
    data = {"target_type": "product", "target_id": str(product_id), "reason": "Fake logo."}
    return client.post("/reports", data=data, headers=HTML)


def register_via_api(client, email: str):
    body = {"role": "buyer", "name": "Api Buyer", "email": email, "password": GOOD_PASSWORD}
    return client.post("/api/v1/auth/register", json=body, environ_base={"REMOTE_ADDR": IP})


def register_via_page(client, email: str):
    data = {"role": "buyer", "name": "Page Buyer", "email": email, "password": GOOD_PASSWORD}
    return client.post("/register", data=data, headers=HTML, environ_base={"REMOTE_ADDR": IP})


@pytest.fixture
def products():
    supplier = SupplierOwnerFactory().supplier
    return [make_product(supplier, ProductStatus.PUBLISHED, sku=f"RL{n}") for n in range(4)]


# Shared buckets ---------------------------------------------------------------------


def assert_page_429(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) > 0


def assert_api_429(response) -> None:
    assert response.status_code == 429
    assert response.json["code"] == 429
    assert int(response.headers["Retry-After"]) > 0


def test_a_report_via_the_api_and_one_via_the_page_share_one_allowance(
    app, monkeypatch, login_as, products
):
    monkeypatch.setitem(app.config, "REPORT_LIMITS_PER_USER", "2 per hour")
    buyer = login_as(BuyerFactory())

    assert report_via_api(buyer, products[0].id).status_code == 201
    assert report_via_page(buyer, products[1].id).status_code == 302

    assert_api_429(report_via_api(buyer, products[2].id))
    assert_page_429(report_via_page(buyer, products[3].id))
    assert count(Report) == 2
    # Per user: another buyer still has the whole allowance.
    assert report_via_page(login_as(BuyerFactory()), products[2].id).status_code == 302


def test_the_page_spends_the_allowance_the_api_then_lacks(app, monkeypatch, login_as, products):
    monkeypatch.setitem(app.config, "REPORT_LIMITS_PER_USER", "1 per hour")
    buyer = login_as(BuyerFactory())
    assert report_via_page(buyer, products[0].id).status_code == 302
    assert_api_429(report_via_api(buyer, products[1].id))
    assert count(Report) == 1


def test_registration_via_the_api_and_the_page_share_one_allowance(app, monkeypatch, make_api):
    monkeypatch.setitem(app.config, "REGISTER_LIMIT_PER_IP", "2 per hour")

    assert register_via_api(make_api(), "first@importer.example").status_code == 201
    assert register_via_page(make_api(), "second@importer.example").status_code == 302

    assert_api_429(register_via_api(make_api(), "third@importer.example"))
    assert_page_429(register_via_page(make_api(), "fourth@importer.example"))
    assert count(User) == 2


# Storage unreachable: fail open ----------------------------------------------------


@pytest.fixture
def dead_storage(app, monkeypatch, caplog):
    """Limits whose storage is a Redis port where nothing listens; the warnings caught."""
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", NOTHING_LISTENS)
    for setting in ("REPORT_LIMITS_PER_USER", "REGISTER_LIMIT_PER_IP", "LOGIN_LIMIT_PER_IP"):
        monkeypatch.setitem(app.config, setting, "1 per hour")  # would refuse the 2nd
    monkeypatch.setitem(app.config, "INQUIRY_LIMITS_PER_BUYER", "1 per hour")
    logger = logging.getLogger("marketplace")  # does not propagate to the root logger
    logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


def test_without_their_storage_limits_let_requests_through_and_warn(
    dead_storage, make_api, login_as, products
):
    buyer_user = BuyerFactory()
    supplier_id = products[0].supplier_id
    # Failed and successful logins, twice what the allowances would let through.
    for _ in range(2):
        assert make_api().login(buyer_user.email, "wrong password").status_code == 401
    buyer = login_as(buyer_user)
    for n in range(2):
        assert register_via_api(make_api(), f"api{n}@importer.example").status_code == 201
        assert register_via_page(make_api(), f"page{n}@importer.example").status_code == 302
        assert report_via_api(buyer, products[n].id).status_code == 201
        assert report_via_page(buyer, products[n + 2].id).status_code == 302
        response = buyer.post(INQUIRIES, json=inquiry_body(supplier_id=supplier_id))
        assert response.status_code == 201, response.json

    warnings = [r for r in dead_storage.records if r.name == "marketplace.ratelimit"]
    assert len(warnings) == 1  # once, then the storage is left alone for a while
    (warning,) = warnings
    assert warning.levelname == "WARNING"
    assert "rate limits are off" in warning.getMessage()
    assert "\n" not in warning.getMessage()
    assert warning.exc_info is None  # no stack trace
    assert PASSWORD_IN_URL not in dead_storage.text
    assert "127.0.0.1:1" not in dead_storage.text


def test_the_page_login_works_without_the_storage(dead_storage, make_api):
    buyer = BuyerFactory()
    client = make_api()
    data = {"email": buyer.email, "password": "correct horse battery staple"}
    response = client.post("/login", data=data, headers=HTML)
    assert response.status_code == 302
    assert client.get("/api/v1/auth/me").json["id"] == buyer.id


# An app started with its Redis down: nothing shared with the suite's app but the code.
STARTED_WITH_REDIS_DOWN = textwrap.dedent(
    """
    import json, sys
    from flask_migrate import upgrade
    from config import TestingConfig

    storage_uri, database_url = sys.argv[1:]

    class RedisDown(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        RATELIMIT_STORAGE_URI = storage_uri
        REGISTER_LIMIT_PER_IP = LOGIN_LIMIT_PER_IP = "1 per hour"  # would refuse the 2nd
        REPORT_LIMITS_PER_USER = INQUIRY_LIMITS_PER_BUYER = "1 per hour"

    from marketplace import create_app
    from marketplace.catalog.models import ProductStatus

    app = create_app(RedisDown)
    with app.app_context():
        upgrade()
        from tests.catalog.support import make_product
        from tests.factories import BuyerFactory, SupplierOwnerFactory

        supplier = SupplierOwnerFactory().supplier
        product_ids = [make_product(supplier, ProductStatus.PUBLISHED, sku=f"D{n}").id
                       for n in range(2)]
        supplier_id, buyer_email = supplier.id, BuyerFactory().email

    def client():
        c = app.test_client()
        return c, {"X-CSRFToken": c.get("/api/v1/auth/csrf").json["csrf_token"]}

    statuses = {"login": [], "register": [], "register_page": [], "report": [], "inquiry": []}
    for password in ("wrong password", "wrong password", "correct horse battery staple"):
        c, h = client()
        body = {"email": buyer_email, "password": password}
        statuses["login"].append(c.post("/api/v1/auth/login", json=body, headers=h).status_code)
    buyer, headers = c, {"X-CSRFToken": c.get("/api/v1/auth/csrf").json["csrf_token"]}
    for n in range(2):
        c, h = client()
        body = {"role": "buyer", "name": "B", "email": f"a{n}@x.example",
                "password": "slippers from neikeng 2026"}
        statuses["register"].append(
            c.post("/api/v1/auth/register", json=body, headers=h).status_code)
        c, h = client()
        form = {**body, "email": f"p{n}@x.example"}
        statuses["register_page"].append(c.post("/register", data=form, headers=h).status_code)
        report = {"target_type": "product", "target_id": product_ids[n], "reason": "Fake."}
        statuses["report"].append(
            buyer.post("/api/v1/reports", json=report, headers=headers).status_code)
        inquiry = {"supplier_id": supplier_id, "quantity": 2000, "destination_country": "PH",
                   "message": "Quote please"}
        statuses["inquiry"].append(
            buyer.post("/api/v1/inquiries", json=inquiry, headers=headers).status_code)
    print(json.dumps(statuses))
    """
)


def test_an_app_started_with_its_redis_down_serves_every_limited_request(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PYTHONPATH"] = str(ROOT)
    database_url = f"sqlite:///{tmp_path / 'redis-down.db'}"
    result = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", STARTED_WITH_REDIS_DOWN, NOTHING_LISTENS, database_url],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "login": [401, 401, 200],
        "register": [201, 201],
        "register_page": [302, 302],
        "report": [201, 201],
        "inquiry": [201, 201],
    }
    log_lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    warnings = [line for line in log_lines if line["logger"] == "marketplace.ratelimit"]
    assert len(warnings) == 1, warnings
    assert warnings[0]["level"] == "WARNING"
    assert warnings[0]["message"] == (
        "rate limits are off for 10s: their storage failed (ConnectionError)"
    )
    assert not [line for line in log_lines if line["level"] == "ERROR"]
    assert "Traceback" not in result.stderr
    assert PASSWORD_IN_URL not in result.stderr


# Real Redis: the same sharing across separate clients of one storage ---------------


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


@pytest.fixture
def redis_storage(app, monkeypatch):
    """The app's limits in the real Redis, under a key prefix of this test's own."""
    if not redis_available():
        pytest.skip(f"Redis not reachable at {REDIS_URL} (CI and dev hosts run it)")
    import redis

    prefix = f"test-ratelimit-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", REDIS_URL)
    monkeypatch.setitem(app.config, "RATELIMIT_KEY_PREFIX", prefix)
    client = redis.Redis.from_url(REDIS_URL)
    yield client, prefix
    keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    assert not list(client.scan_iter(match=f"*{prefix}*", count=1000))


def test_with_redis_the_api_and_the_page_share_the_report_allowance(
    app, monkeypatch, redis_storage, login_as, products
):
    client, prefix = redis_storage
    monkeypatch.setitem(app.config, "REPORT_LIMITS_PER_USER", "2 per hour")
    buyer = login_as(BuyerFactory())

    assert report_via_page(buyer, products[0].id).status_code == 302
    assert report_via_api(buyer, products[1].id).status_code == 201
    assert_api_429(report_via_api(buyer, products[2].id))
    assert_page_429(report_via_page(buyer, products[3].id))

    assert count(Report) == 2
    assert list(client.scan_iter(match=f"*{prefix}/report/*", count=1000))  # counted there


def test_with_redis_one_address_signs_in_many_accounts_but_not_many_failures(
    redis_storage, make_api
):
    buyers = [BuyerFactory() for _ in range(15)]
    office = {"REMOTE_ADDR": "198.51.100.20"}
    for buyer in buyers:
        client = make_api()
        body = {"email": buyer.email, "password": "correct horse battery staple"}
        assert client.post("/api/v1/auth/login", json=body, environ_base=office).status_code == 200
    for buyer in buyers[:10]:
        body = {"email": buyer.email, "password": "wrong"}
        response = make_api().post("/api/v1/auth/login", json=body, environ_base=office)
        assert response.status_code == 401
    body = {"email": buyers[10].email, "password": "wrong"}
    assert_api_429(make_api().post("/api/v1/auth/login", json=body, environ_base=office))
