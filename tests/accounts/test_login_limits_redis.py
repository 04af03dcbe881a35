"""Login limits are shared by every worker process when Redis storage is configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# One "worker": its own app, its own memory, only Redis in common with the others.
WORKER = textwrap.dedent(
    """
    import json, sys
    from config import TestingConfig

    redis_url, prefix, ip, *bodies = sys.argv[1:]

    class Worker(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        RATELIMIT_STORAGE_URI = redis_url
        RATELIMIT_KEY_PREFIX = prefix

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app(Worker)
    with app.app_context():
        db.create_all()
    statuses = []
    for body in bodies:
        client = app.test_client()
        token = client.get("/api/v1/auth/csrf").json["csrf_token"]
        response = client.post(
            "/api/v1/auth/login", data=body.encode("utf-8", "surrogatepass"),
            content_type="application/json",
            headers={"X-CSRFToken": token}, environ_base={"REMOTE_ADDR": ip},
        )
        statuses.append(response.status_code)
    print(json.dumps(statuses))
    """
)


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


pytestmark = pytest.mark.skipif(
    not redis_available(), reason=f"Redis not reachable at {REDIS_URL} (CI and dev hosts run it)"
)


@pytest.fixture
def prefix():
    import redis

    value = f"test-login-{uuid.uuid4().hex}"
    yield value
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{value}*", count=1000))
    if keys:
        client.delete(*keys)
    assert not list(client.scan_iter(match=f"*{value}*", count=1000))


def run_worker(prefix: str, ip: str, bodies: list[str], tmp_path) -> list[int]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", WORKER, REDIS_URL, prefix, ip, *bodies],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def login_body(email: str) -> str:
    return json.dumps({"email": email, "password": "wrong password guess"})


def test_account_address_limit_is_shared_across_worker_processes(prefix, tmp_path):
    # The two "workers" count the same (account, address) pair, whatever the case.
    first = run_worker(prefix, "192.0.2.11", [login_body("Shared@Importer.example")] * 5, tmp_path)
    second = run_worker(prefix, "192.0.2.11", [login_body("shared@importer.example")] * 5, tmp_path)
    assert first == second == [401] * 5
    third = run_worker(prefix, "192.0.2.11", [login_body("shared@importer.example")], tmp_path)
    assert third == [429]


def test_account_slow_down_is_shared_across_worker_processes(prefix, tmp_path):
    first = run_worker(prefix, "192.0.2.14", [login_body("Slowed@Importer.example")] * 5, tmp_path)
    second = run_worker(prefix, "192.0.2.15", [login_body("slowed@importer.example")] * 5, tmp_path)
    assert first == second == [401] * 5
    # Ten failures from two addresses: a third address gets one try, then waits seconds.
    third = run_worker(prefix, "192.0.2.16", [login_body("slowed@importer.example")] * 2, tmp_path)
    assert third == [401, 429]


def test_ip_limit_is_shared_across_worker_processes(prefix, tmp_path):
    bodies = [login_body(f"guess{i}@importer.example") for i in range(10)]
    assert run_worker(prefix, "192.0.2.21", bodies[:5], tmp_path) == [401] * 5
    assert run_worker(prefix, "192.0.2.21", bodies[5:], tmp_path) == [401] * 5
    assert run_worker(prefix, "192.0.2.21", [login_body("new@importer.example")], tmp_path) == [429]


def test_text_that_is_not_unicode_is_a_400_with_redis_storage(prefix, tmp_path):
    # A lone surrogate cannot be encoded into a Redis key; it must not become a 500.
    bodies = ['{"email": "\\ud800@x.example", "password": "wrong password guess"}']
    assert run_worker(prefix, "192.0.2.31", bodies, tmp_path) == [400]
