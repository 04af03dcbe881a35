"""The service on several machines, each part a real process: two gunicorn app servers
(A and B, production configuration), one Celery worker, PostgreSQL, Redis, an
S3-compatible server (moto) and an SMTP server (aiosmtpd).

- an image uploaded through A is served by B (S3 storage);
- failed logins through A and B count against one bucket (Redis);
- a mail queued by A is sent by the worker, exactly once;
- ``kill -9`` of the worker in the middle of a mail task: a restarted worker runs the
  task again and the mail is still sent exactly once.

Run by ``.ci/run`` (``make scaleout-test``) with ``SCALEOUT_DATABASE_URL`` naming a
PostgreSQL server; it needs Redis at ``TEST_REDIS_URL`` (default 127.0.0.1:6379).
"""

from __future__ import annotations

import email
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.databases import _admin_engine
from tests.s3server import CREDENTIALS, S3Server, free_port, start_server

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "scale-out-password-2026"
CLAIM_TIMEOUT = 4  # OUTBOX_CLAIM_TIMEOUT_SECONDS: a dead sender's claim is stale after it
VISIBILITY_TIMEOUT = 6  # CELERY_VISIBILITY_TIMEOUT: an unacknowledged task comes back after it

pytestmark = [pytest.mark.scaleout, pytest.mark.real_commits]


def wait_for(condition: Callable[[], object], seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


@dataclass
class Deployment:
    env: dict[str, str]
    database_url: str
    mail_dir: Path
    logs: Path
    s3: S3Server
    urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    log_files: dict[str, object] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], **env: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed by kill_group
        process = subprocess.Popen(  # noqa: S603 - our own command lines
            argv,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: kill -9 takes all of it
        )
        self.processes[name] = process
        self.log_files[name] = log
        return process

    def start_web(self, name: str) -> None:
        port = free_port()
        runtime = self.logs / f"run-{name}"  # gunicorn's control socket, one per server
        runtime.mkdir(exist_ok=True)
        self.start(
            name,
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            XDG_RUNTIME_DIR=str(runtime),
        )
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _ready(url), 60, f"{name} to answer /readyz")
        self.urls[name] = url

    def start_worker(self) -> subprocess.Popen:
        process = self.start(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "marketplace.jobs.worker",
                "worker",
                "--pool",
                "solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
        )
        wait_for(lambda: b"ready" in self.log("worker"), 60, "the worker to be ready")
        return process

    def kill_group(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(timeout=30)
        self.log_files.pop(name).close()

    def log(self, name: str) -> bytes:
        path = self.logs / f"{name}.log"
        return path.read_bytes() if path.exists() else b""

    def mails(self) -> list[email.message.Message]:
        return [
            email.message_from_bytes(path.read_bytes())
            for path in sorted(self.mail_dir.glob("*.eml"))
        ]

    def sql(self, statement: str, **params):
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(statement), params).all()
        finally:
            engine.dispose()


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


def _missing(reason: str) -> None:
    if os.environ.get("SCALEOUT_REQUIRED"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    base_url = os.environ.get("SCALEOUT_DATABASE_URL", "")
    if not base_url.startswith("postgresql"):
        _missing("SCALEOUT_DATABASE_URL does not name a PostgreSQL server")
    if not _redis_available():
        _missing(f"no Redis at {REDIS_URL}")
    base = sa.engine.make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"scaleout_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine(base)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database_url = base.set(database=name).render_as_string(hide_password=False)
    tmp = tmp_path_factory.mktemp("scaleout")
    s3 = start_server()
    s3.bucket = f"scaleout-{uuid.uuid4().hex[:8]}"
    for key, value in CREDENTIALS.items():
        os.environ.setdefault(key, value)
    s3.client().create_bucket(Bucket=s3.bucket)
    smtp_port = free_port()
    run = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        **CREDENTIALS,
        "MARKETPLACE_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"scaleout-{run}",
        "CELERY_QUEUE": f"scaleout-{run}",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "OUTBOX_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT),
        "SITE_URL": "http://slippers.scaleout.test",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_TIMEOUT_SECONDS": "60",
        "STORAGE_URL": f"s3://{s3.bucket}/uploads",
        "S3_ENDPOINT_URL": s3.endpoint_url,
        "SESSION_COOKIE_SECURE": "false",  # plain http on loopback
        "HSTS_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TEST_DATABASE_URL", None)
    deployment = Deployment(env, database_url, tmp / "mail", tmp, s3)
    try:
        subprocess.run(  # noqa: S603
            [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        deployment.start(
            "smtp",
            [sys.executable, "-m", "tests.scaleout.smtp_sink", str(smtp_port), str(tmp / "mail")],
        )
        wait_for(lambda: b"listening" in deployment.log("smtp"), 30, "the SMTP server")
        deployment.start_web("A")
        deployment.start_web("B")
        deployment.start_worker()
        yield deployment
    finally:
        for process_name in list(deployment.processes):
            deployment.kill_group(process_name, signal.SIGTERM)
        s3.stop()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Browser(requests.Session):
    """A client of one app server, speaking JSON with the CSRF header."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.csrf = self.get(f"{base}/api/v1/auth/csrf").json()["csrf_token"]

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if method != "GET":
            headers.setdefault("X-CSRFToken", self.csrf)
        response = self.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kwargs)
        if "X-CSRFToken" in response.headers:
            self.csrf = response.headers["X-CSRFToken"]
        return response

    def login(self, address: str, password: str = PASSWORD) -> requests.Response:
        return self.call(
            "POST", "/api/v1/auth/login", json={"email": address, "password": password}
        )


def register(deployment: Deployment, server: str, role: str, **extra) -> str:
    address = f"{role}-{uuid.uuid4().hex[:8]}@scaleout.example"
    body = {"email": address, "password": PASSWORD, "name": f"Scale-out {role}", "role": role}
    response = Browser(deployment.urls[server]).call(
        "POST", "/api/v1/auth/register", json={**body, "country": "US", **extra}
    )
    assert response.status_code == 201, response.text
    return address


def signed_in(deployment: Deployment, server: str, address: str) -> Browser:
    browser = Browser(deployment.urls[server])
    response = browser.login(address)
    assert response.status_code == 200, response.text
    return browser


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_an_image_uploaded_through_a_is_served_by_b(deployment):
    owner = register(deployment, "A", "supplier", company_name="Scale-out Slippers")
    factory = signed_in(deployment, "A", owner)
    product = factory.call(
        "POST",
        "/api/v1/products",
        json={
            "sku": "SO-EVA-1",
            "name": "EVA bathroom slippers",
            "category": "eva-slippers",
            "materials": ["EVA"],
            "moq": 1000,
            "currency": "USD",
            "price_tiers": [{"min_qty": 1000, "unit_price": "1.10"}],
        },
    )
    assert product.status_code == 201, product.text
    upload = factory.call(
        "POST",
        f"/api/v1/products/{product.json()['id']}/images",
        files={"file": ("photo.png", png(), "image/png")},
    )
    assert upload.status_code == 201, upload.text
    url = upload.json()["url"]

    # A draft's photo is private: its company's members get it from either server (the
    # session made on A holds on B), anyone else gets 404 as for the draft itself.
    served = factory.get(f"{deployment.urls['B']}{url}", timeout=30)
    through_a = factory.get(f"{deployment.urls['A']}{url}", timeout=30)
    anonymous = requests.get(f"{deployment.urls['B']}{url}", timeout=30)

    assert served.status_code == 200, served.text
    assert anonymous.status_code == 404
    assert "no-store" in served.headers["Cache-Control"]
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.content == through_a.content and served.content[:8] == b"\x89PNG\r\n\x1a\n"
    key = "uploads/products/" + url.rsplit("/", 1)[1]
    stored = deployment.s3.client().get_object(Bucket=deployment.s3.bucket, Key=key)
    assert stored["Body"].read() == served.content
    print(
        f"\nimage {url} of a draft: uploaded through A, served by B to its company "
        f"({len(served.content)} bytes from S3), 404 to anyone else"
    )


def inquire(deployment: Deployment, server: str, message: str) -> str:
    """A buyer's inquiry to a new supplier; returns the supplier owner's address."""
    owner = register(deployment, server, "supplier", company_name=f"Factory {message[:20]}")
    supplier_id = (
        signed_in(deployment, server, owner).call("GET", "/api/v1/auth/me").json()["supplier_id"]
    )
    buyer = signed_in(deployment, server, register(deployment, server, "buyer"))
    response = buyer.call(
        "POST",
        "/api/v1/inquiries",
        json={
            "supplier_id": supplier_id,
            "quantity": 5000,
            "destination_country": "ZA",
            "message": message,
        },
    )
    assert response.status_code == 201, response.text
    return owner


def mails_to(deployment: Deployment, address: str) -> list[email.message.Message]:
    return [m for m in deployment.mails() if m["To"] == address]


def test_a_mail_queued_by_a_is_sent_by_the_worker_exactly_once(deployment):
    owner = inquire(deployment, "A", "EVA slides for Johannesburg, 4 colours.")

    (mail,) = wait_for(lambda: mails_to(deployment, owner), 60, "the worker to send the mail")
    time.sleep(2)  # anything that would send it twice has had its chance

    assert len(mails_to(deployment, owner)) == 1
    assert mail["Subject"].startswith("New inquiry from")
    rows = deployment.sql(
        "SELECT status, attempts FROM outbox_emails WHERE to_address = :to", to=owner
    )
    assert [tuple(row) for row in rows] == [("sent", 1)]
    assert b"outbox.send" in deployment.log("worker")
    print(f"\nmail to {owner}: queued by A, sent by the worker once ({mail['Message-ID']})")


def test_a_worker_killed_mid_task_still_sends_the_mail_exactly_once(deployment):
    (deployment.mail_dir / "ehlo-delay").write_text("120")  # the SMTP server stalls at EHLO
    owner = inquire(deployment, "B", "Plush winter slippers for Cape Town.")

    def claimed():
        rows = deployment.sql(
            "SELECT status, claimed_at FROM outbox_emails WHERE to_address = :to", to=owner
        )
        return rows and rows[0][0] == "sending"

    wait_for(claimed, 60, "the worker to claim the mail and talk to the SMTP server")
    killed_at = time.monotonic()
    deployment.kill_group("worker")  # kill -9, in the middle of the task
    assert mails_to(deployment, owner) == []
    (deployment.mail_dir / "ehlo-delay").unlink()
    # Past the claim time-out and the broker's visibility time-out, a new worker starts:
    # the unacknowledged task is delivered to it again.
    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 1 - (time.monotonic() - killed_at)))
    deployment.start_worker()

    (mail,) = wait_for(lambda: mails_to(deployment, owner), 90, "the task to run again")
    time.sleep(2)

    assert len(mails_to(deployment, owner)) == 1
    rows = deployment.sql(
        "SELECT status, attempts FROM outbox_emails WHERE to_address = :to", to=owner
    )
    assert [tuple(row) for row in rows] == [("sent", 2)]  # claimed twice, sent once
    print(
        f"\nworker killed (-9) while the mail to {owner} was claimed; a new worker ran the "
        f"task again: {len(mails_to(deployment, owner))} mail ({mail['Message-ID']}), "
        f"attempts {rows[0][1]}"
    )


def test_failed_logins_through_a_and_b_share_one_bucket(deployment):
    """Last: after it, this IP's logins are refused for the limit's window."""
    buyer = register(deployment, "B", "buyer")
    statuses = []
    for attempt in range(10):
        server = "A" if attempt % 2 == 0 else "B"
        statuses.append(
            Browser(deployment.urls[server]).login(buyer, "wrong password!").status_code
        )
    eleventh = Browser(deployment.urls["A"]).login(buyer)  # the right password

    assert statuses == [401] * 10
    assert eleventh.status_code == 429
    assert int(eleventh.headers["Retry-After"]) > 0
    print(f"\nfailed logins A,B,A,B...: {statuses}; the 11th (right password) through A: 429")
