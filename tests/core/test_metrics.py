"""``/metrics``: who may read it, the latency histogram, the gauges read at scrape time,
a scrape that survives a dead Redis, and the counts of several gunicorn workers added up."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from config import TestingConfig
from marketplace.extensions import db
from marketplace.jobs.models import FailedTask
from marketplace.notifications.models import OutboxEmail, OutboxStatus

ROOT = Path(__file__).resolve().parents[2]
# The server of TEST_REDIS_URL, database 12: the queue list there is this file's own.
REDIS_SERVER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
BROKER_URL = f"{REDIS_SERVER}/12"
TOKEN = "a-metrics-token-of-forty-characters-0123"


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(
    not redis_available(), reason=f"Redis not reachable at {BROKER_URL} (CI and dev hosts run it)"
)


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape: (name, sorted labels) -> value."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse(response.get_data(as_text=True))


def parse(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_counted(samples, endpoint: str, method: str = "GET", status: str = "2xx") -> float:
    key = (
        "marketplace_http_request_duration_seconds_count",
        (("endpoint", endpoint), ("method", method), ("status", status)),
    )
    return samples.get(key, 0.0)


def gauge(samples, name: str, **labels) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


# --- who may read it ----------------------------------------------------------------


def test_localhost_may_read_the_metrics_without_a_token(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_another_host_gets_the_same_404_as_an_unknown_path(client):
    outsider = {"REMOTE_ADDR": "203.0.113.7"}
    as_json = {"Accept": "application/json"}
    response = client.get("/metrics", environ_base=outsider, headers=as_json)
    unknown = client.get("/no-such-page", environ_base=outsider, headers=as_json)
    assert response.status_code == unknown.status_code == 404
    hidden, missing = dict(response.json), dict(unknown.json)
    assert hidden.pop("request_id") != missing.pop("request_id")
    assert hidden == missing
    page = client.get("/metrics", environ_base=outsider)
    assert page.status_code == 404
    assert b"marketplace_" not in page.get_data()


def test_a_forwarded_for_header_does_not_make_a_remote_client_local(client):
    response = client.get(
        "/metrics",
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
        headers={"X-Forwarded-For": "127.0.0.1"},
    )
    assert response.status_code == 404


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_one_checked(tmp_path):
    from marketplace import create_app

    class BehindProxy(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        UPLOAD_DIR = str(tmp_path)
        TRUSTED_PROXY_COUNT = 1

    client = create_app(BehindProxy).test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}  # nginx on the same host
    remote = client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.4"})
    local = client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "127.0.0.1"})
    assert remote.status_code == 404
    assert local.status_code == 200


def test_with_a_token_only_its_bearer_may_read_them_from_anywhere(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    outsider = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics").status_code == 404  # localhost is not enough any more
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 404
    basic = client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 404
    # The API's token check never sees the metrics token (it would answer 401).
    right = client.get(
        "/metrics", environ_base=outsider, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert right.status_code == 200
    assert b"marketplace_http_request_duration_seconds" in right.get_data()


def test_a_buyers_api_token_does_not_open_the_metrics(app, make_api, monkeypatch):
    from marketplace.accounts import services
    from tests.factories import BuyerFactory

    buyer = BuyerFactory()
    _token, secret = services.create_token(buyer, "ERP")
    db.session.commit()
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    api = make_api()
    api.bearer = secret
    assert api.get("/api/v1/auth/me").status_code == 200  # the token itself works
    assert api.get("/metrics").status_code == 404


# --- the latency histogram ------------------------------------------------------------


def delta(before, after, endpoint: str, method: str = "GET", status: str = "2xx") -> float:
    return requests_counted(after, endpoint, method, status) - requests_counted(
        before, endpoint, method, status
    )


def test_requests_are_counted_by_endpoint_name_never_by_path(client):
    before = scrape(client)
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/media/products/no-such-image-unlabelled.png").status_code == 404
    assert client.get("/no-such-page-unlabelled").status_code == 404
    login = client.post("/api/v1/auth/login", json={})  # no CSRF token: refused
    assert 400 <= login.status_code < 500
    response = client.get("/metrics")
    text = response.get_data(as_text=True)
    after = parse(text)

    assert delta(before, after, "health.healthz") == 2
    assert delta(before, after, "media.product_image", status="4xx") == 1
    assert delta(before, after, "none", status="4xx") == 1  # no route matched
    assert delta(before, after, "auth.login", "POST", "4xx") == 1
    # No raw path, id or file name becomes a label value.
    # (Words, not numbers: the samples' timestamps are full of digits.)
    assert "unlabelled" not in text and "/healthz" not in text


def test_a_500_is_counted_as_5xx(app, client, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "health.healthz", broken)
    before = scrape(client)
    assert client.get("/healthz").status_code == 500
    after = scrape(client)
    assert delta(before, after, "health.healthz", status="5xx") == 1


def test_timing_a_request_adds_no_query(app, client):
    """The histogram is fed from the WSGI layer and an after_request hook: a request to
    a view that queries nothing makes no query."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    import sqlalchemy as sa

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert statements == []


# --- gauges read at scrape time -----------------------------------------------------------


def outbox_email(status: OutboxStatus) -> OutboxEmail:
    return OutboxEmail(
        to_address="buyer@importer.example", subject="Hello", body_text="Hi", status=status
    )


def test_outbox_pending_counts_the_mails_waiting(client):
    before = gauge(scrape(client), "marketplace_outbox_pending")
    db.session.add_all(
        [
            outbox_email(OutboxStatus.PENDING),
            outbox_email(OutboxStatus.PENDING),
            outbox_email(OutboxStatus.SENT),
            outbox_email(OutboxStatus.FAILED),
        ]
    )
    db.session.commit()
    samples = scrape(client)
    assert gauge(samples, "marketplace_outbox_pending") == before + 2
    assert gauge(samples, "marketplace_metrics_source_up", source="database") == 1


def test_failed_tasks_counts_the_unresolved_ones(client):
    from marketplace.db import utcnow

    before = gauge(scrape(client), "marketplace_failed_tasks")
    assert before is not None
    db.session.add_all(
        [
            FailedTask(task_name="mail.send", error="SMTPError: down"),
            FailedTask(task_name="mail.send", error="SMTPError: down"),
            FailedTask(task_name="mail.send", error="gone", resolved_at=utcnow()),
        ]
    )
    db.session.commit()
    samples = scrape(client)
    assert gauge(samples, "marketplace_failed_tasks") == before + 2
    assert gauge(samples, "marketplace_metrics_source_up", source="jobs") == 1


def test_without_the_jobs_count_the_scrape_leaves_it_out(client, monkeypatch):
    """Before marketplace.jobs offers ``failed_task_count`` (or if it cannot be imported)."""
    monkeypatch.setitem(sys.modules, "marketplace.jobs", None)  # import -> ImportError
    samples = scrape(client)
    assert gauge(samples, "marketplace_failed_tasks") is None
    assert gauge(samples, "marketplace_outbox_pending") is not None


def test_without_a_broker_there_is_no_queue_depth(client):
    samples = scrape(client)
    assert not [key for key in samples if key[0] == "marketplace_queue_depth"]
    assert gauge(samples, "marketplace_metrics_source_up", source="redis") is None


QUEUE = "metrics-test-queue"


@pytest.fixture
def broker(app, monkeypatch):
    client = redis.Redis.from_url(BROKER_URL)
    client.delete(QUEUE)
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", BROKER_URL)
    monkeypatch.setitem(app.config, "CELERY_QUEUE", QUEUE)
    yield client
    client.delete(QUEUE)


@needs_redis
def test_queue_depth_is_the_length_of_the_celery_queue_list(client, broker):
    assert gauge(scrape(client), "marketplace_queue_depth", queue=QUEUE) == 0
    broker.rpush(QUEUE, "job-1", "job-2", "job-3")
    broker.rpush("another-list", "not-a-job")
    samples = scrape(client)
    broker.delete("another-list")
    assert gauge(samples, "marketplace_queue_depth", queue=QUEUE) == 3
    assert gauge(samples, "marketplace_metrics_source_up", source="redis") == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_dead_redis_leaves_the_rest_of_the_scrape(app, client, monkeypatch, caplog):
    # A port nobody listens on: the connection is refused at once.
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")
    metrics_log = logging.getLogger("marketplace.metrics")
    metrics_log.addHandler(caplog.handler)
    try:
        samples = scrape(client)
    finally:
        metrics_log.removeHandler(caplog.handler)
    assert gauge(samples, "marketplace_metrics_source_up", source="redis") == 0
    assert not [key for key in samples if key[0] == "marketplace_queue_depth"]
    assert gauge(samples, "marketplace_outbox_pending") is not None
    assert "queue depth unavailable" in caplog.text


# --- several gunicorn workers -------------------------------------------------------------

APP_MODULE = textwrap.dedent(
    """
    from config import TestingConfig
    from marketplace import create_app

    class Served(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite:///{database}"
        UPLOAD_DIR = "{uploads}"

    app = create_app(Served)
    """
)

# Counts left by an earlier run in the directory: gunicorn.conf.py must empty it.
STALE_COUNTS = textwrap.dedent(
    """
    from marketplace.metrics import REQUEST_LATENCY
    for _ in range(7):
        REQUEST_LATENCY.labels("health.healthz", "GET", "2xx").observe(0.01)
    """
)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_gunicorn_workers_counts_add_up_in_multiprocess_mode(tmp_path):
    """Each worker exits after 4 requests (``--max-requests``), so 12 requests are served
    by at least three processes, two of them gone: the scrape still counts all 12."""
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    (tmp_path / "served_app.py").write_text(
        APP_MODULE.format(database=tmp_path / "app.db", uploads=tmp_path / "uploads")
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "XDG_RUNTIME_DIR": str(tmp_path),  # gunicorn's control socket: this server's own
        "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
    }
    stale = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", STALE_COUNTS], env=env, cwd=ROOT, capture_output=True, timeout=120
    )
    assert stale.returncode == 0, stale.stderr.decode()[-2000:]
    assert list(multiproc_dir.glob("*.db"))

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            "2",
            "--max-requests",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "served_app:app",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if get(f"{base}/readyz")[0] in (200, 503):
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        served = [get(f"{base}/healthz")[0] for _ in range(12)]
        assert served == [200] * 12
        scrapes = []
        for _ in range(3):
            status, body = get(f"{base}/metrics")
            assert status == 200, body[:500]
            scrapes.append(requests_counted(parse(body), "health.healthz"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()
    assert scrapes == [12, 12, 12]
