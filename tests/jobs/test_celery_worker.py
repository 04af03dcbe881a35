"""Jobs with a broker: Celery on the real Redis, and a real worker process.

- a task reaches the broker only after the commit, never for a rolled-back change;
- a broker that is down does not fail the request: the task is recorded for the admins;
- a worker runs queued tasks in its own unit of work, retries a failing one with
  backoff and, after its last retry, records it as a failed task.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace import jobs, transaction
from marketplace.extensions import db
from marketplace.jobs.models import FailedTask
from marketplace.notifications.models import Notification
from tests.factories import BuyerFactory
from tests.jobs.test_jobs import record_task

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = pytest.mark.real_commits


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)


def redis_available() -> bool:
    try:
        return bool(redis_client().ping())
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


needs_redis = pytest.mark.skipif(not redis_available(), reason=f"no Redis at {REDIS_URL}")


@pytest.fixture
def queue():
    name = f"test-jobs-{uuid.uuid4().hex[:10]}"
    yield name
    redis_client().delete(name)


def queued_task_names(queue: str) -> list[str]:
    return [json.loads(raw)["headers"]["task"] for raw in redis_client().lrange(queue, 0, -1)]


@needs_redis
def test_the_broker_gets_the_task_only_after_the_commit(make_app, queue):
    dedicated = make_app(CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=queue)
    with dedicated.app.app_context():
        jobs.enqueue(record_task, 1, note="rolled back")
        transaction.rollback()
        assert queued_task_names(queue) == []

        jobs.enqueue(record_task, 2, note="committed")
        assert queued_task_names(queue) == []
        transaction.commit()
        assert queued_task_names(queue) == ["tests.record"]
        assert jobs.queue_depth() == 1


def test_a_broker_that_is_down_records_the_task_and_the_request_succeeds(make_app, queue):
    dedicated = make_app(CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_QUEUE=queue)
    with dedicated.app.app_context():
        user = BuyerFactory()
        transaction.commit()
        jobs.enqueue(record_task, user.id, note="lost broker")
        transaction.commit()  # does not raise
        (failed,) = db.session.scalars(sa.select(FailedTask))
        assert (failed.task_name, failed.args, failed.attempts) == (
            "tests.record",
            [user.id],
            0,
        )
        assert failed.kwargs == {"note": "lost broker"}
        assert jobs.queue_depth() is None


def start_worker(dedicated, queue: str, **settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "development",
        "DATABASE_URL": dedicated.url,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_QUEUE": queue,
        "MAIL_SERVER": "",
        **{key: str(value) for key, value in settings.items()},
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketplace.jobs.worker",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-I",
            "tests.jobs.worker_tasks",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(condition, *, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return condition()


@needs_redis
def test_a_worker_runs_tasks_retries_and_records_the_one_that_keeps_failing(make_app, queue):
    dedicated = make_app(CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=queue)
    app = dedicated.app
    with app.app_context():
        user = BuyerFactory()
        transaction.commit()
        user_id = user.id
    worker = start_worker(dedicated, queue, JOB_MAX_RETRIES=2, JOB_RETRY_BACKOFF_SECONDS=1)
    try:
        celery_app = app.extensions["celery"]
        celery_app.send_task("tests.write_note", args=[user_id, "from the worker"])
        celery_app.send_task("tests.always_fails", args=[42])

        def notes():
            with app.app_context():
                return list(
                    db.session.scalars(
                        sa.select(Notification.title).where(Notification.kind == "test.worker")
                    )
                )

        def failures():
            with app.app_context():
                return list(db.session.scalars(sa.select(FailedTask)))

        assert wait_for(notes) == ["from the worker"]
        (failed,) = wait_for(failures)
        assert failed.task_name == "tests.always_fails"
        assert failed.args == [42]
        assert failed.attempts == 3  # the first try and two retries
        assert failed.error == "RuntimeError: no factory answers (42)"
        assert failed.task_id
        assert queued_task_names(queue) == []
    finally:
        worker.kill()
        worker.communicate(timeout=10)
