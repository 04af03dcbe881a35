"""Background jobs: Celery on Redis at scale, in-process after the commit by default.

A task is a plain function registered with ``@task("name")``; it takes JSON arguments
(ids, never model instances) and runs as its own unit of work (committed when it
returns, rolled back when it raises).  ``enqueue(fn, *args)`` asks for it to run once
the current transaction commits, and never for a transaction that rolls back:

- with ``CELERY_BROKER_URL`` (or ``REDIS_URL``) set, it is sent to the broker after the
  commit and a worker (``celery -A marketplace.jobs.worker worker``) runs it, with late
  acknowledgement (a worker that dies mid-task leaves the message to be delivered again)
  and retries with exponential backoff;
- otherwise (the embedded default, ``make run``) it runs in this process right after the
  commit, once.

A task that fails its last try, or that could not be handed to the broker, is recorded
as a ``FailedTask`` row: the admins see it on ``/admin/jobs`` and with ``flask jobs``,
and may run it again.  Tasks must therefore be idempotent (safe to run twice); the ones
here are: they claim rows with conditional updates, or recompute from the database.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from typing import Any

from celery import Celery, Task
from flask import Flask, current_app

from marketplace import transaction
from marketplace.db import utcnow
from marketplace.extensions import db

log = logging.getLogger("marketplace.jobs")

ERROR_CHARS = 1000
# Modules whose import registers tasks (the worker imports them through init_app).
TASK_MODULES = (
    "marketplace.notifications.tasks",
    "marketplace.rfqs.tasks",
    "marketplace.search.tasks",
    "marketplace.accounts.tasks",
    "marketplace.storage.tasks",
    "marketplace.catalog.import_jobs",
    "marketplace.orders.tasks",
)

_registry: dict[str, Callable[..., Any]] = {}
# Celery options of a task, from the app's configuration (time limits...).
_options: dict[str, Callable[[Any], dict[str, Any]]] = {}


def task(
    name: str, *, options: Callable[[Any], dict[str, Any]] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as the task ``name`` (a stable name: queued messages carry it).
    ``options(config)`` gives its own Celery options, e.g. ``soft_time_limit`` and
    ``time_limit`` in place of ``JOB_TIME_LIMIT_SECONDS`` (a worker enforces them; a task
    run in-process has none)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if _registry.get(name, fn) is not fn:
            raise RuntimeError(f"Two tasks are named {name!r}.")
        _registry[name] = fn
        if options is not None:
            _options[name] = options
        fn.task_name = name  # type: ignore[attr-defined]
        return fn

    return register


def task_name(fn: Callable[..., Any] | str) -> str:
    name = fn if isinstance(fn, str) else getattr(fn, "task_name", None)
    if name not in _registry:
        raise LookupError(f"{fn!r} is not a registered task.")
    return name


def enqueue(fn: Callable[..., Any] | str, *args: Any, **kwargs: Any) -> None:
    """Run the task once the current transaction commits (never if it rolls back)."""
    name = task_name(fn)
    transaction.after_commit(functools.partial(dispatch, name, args, kwargs))


def dispatch(name: str, args: tuple | list, kwargs: dict[str, Any]) -> None:
    """Hand the task to the broker, or run it here when there is none.  Outside any
    transaction: call it after a commit (``enqueue`` does)."""
    celery_app: Celery = current_app.extensions["celery"]
    if not current_app.config["CELERY_BROKER_URL"]:
        run_in_process(name, list(args), dict(kwargs))
        return
    try:
        celery_app.send_task(name, args=list(args), kwargs=dict(kwargs))
    except Exception as exc:  # noqa: BLE001 - broker down, whatever the error: record the task
        log.warning("could not queue task %s: %s", name, type(exc).__name__)
        record_failure(name, list(args), dict(kwargs), exc, attempts=0)
        transaction.commit()


def run_in_process(name: str, args: list, kwargs: dict[str, Any]) -> bool:
    """Run the task now, as its own unit of work; a failure is recorded, never raised."""
    try:
        _registry[name](*args, **kwargs)
        transaction.commit()
    except Exception as exc:
        transaction.rollback()
        log.warning("task %s failed: %s", name, type(exc).__name__, exc_info=True)
        record_failure(name, args, kwargs, exc)
        transaction.commit()
        return False
    return True


def record_failure(
    name: str,
    args: list,
    kwargs: dict[str, Any],
    exc: BaseException,
    *,
    attempts: int = 1,
    task_id: str | None = None,
) -> None:
    from marketplace.jobs.models import FailedTask

    db.session.add(
        FailedTask(
            task_name=name,
            args=args,
            kwargs=kwargs,
            error=f"{type(exc).__name__}: {exc}"[:ERROR_CHARS],
            attempts=attempts,
            task_id=task_id,
            failed_at=utcnow(),
        )
    )


def queue_depth() -> int | None:
    """Messages waiting in the broker's queue (None without a broker or when it is down)."""
    if not current_app.config["CELERY_BROKER_URL"]:
        return None
    celery_app: Celery = current_app.extensions["celery"]
    try:
        with celery_app.connection_for_read() as connection:
            channel: Any = connection.default_channel  # kombu's Redis channel has .client
            return channel.client.llen(current_app.config["CELERY_QUEUE"])
    except Exception as exc:  # noqa: BLE001 - a scrape must not fail on a broker that is down
        log.warning("queue depth unknown: %s", type(exc).__name__)
        return None


def failed_task_count() -> int:
    """Failed tasks that no admin has retried or dismissed yet."""
    import sqlalchemy as sa

    from marketplace.jobs.models import FailedTask

    return db.session.execute(
        sa.select(sa.func.count()).select_from(FailedTask).where(FailedTask.resolved_at.is_(None))
    ).scalar_one()


# Celery ---------------------------------------------------------------------------------


class AppTask(Task):
    """Runs a registered function inside the Flask app, as one unit of work, retrying
    with exponential backoff (``JOB_MAX_RETRIES``, ``JOB_RETRY_BACKOFF_SECONDS``)."""

    flask_app: Flask

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.flask_app.app_context():
            try:
                result = self.run(*args, **kwargs)
                transaction.commit()
                return result
            except Exception as exc:
                transaction.rollback()
                if self.request.called_directly:
                    raise
                config = self.flask_app.config
                raise self.retry(
                    exc=exc,
                    countdown=backoff(self.request.retries, config["JOB_RETRY_BACKOFF_SECONDS"]),
                    max_retries=config["JOB_MAX_RETRIES"],
                ) from exc
            finally:
                db.session.remove()

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        with self.flask_app.app_context():
            log.error("task %s failed for good: %s", self.name, type(exc).__name__)
            record_failure(
                self.name,
                list(args),
                dict(kwargs),
                exc,
                attempts=self.request.retries + 1,
                task_id=task_id,
            )
            transaction.commit()
            db.session.remove()


def backoff(retries: int, base_seconds: int) -> int:
    """base, 2·base, 4·base ... capped at an hour, with up to 10 % jitter."""
    delay = min(base_seconds * 2**retries, 3600)
    return delay + random.randint(0, max(delay // 10, 0))  # noqa: S311 - jitter, not security


def init_app(app: Flask) -> Celery[AppTask]:
    """Make this app's Celery application (``app.extensions["celery"]``) with every task."""
    import importlib

    from marketplace.jobs.schedule import beat_schedule

    for module in TASK_MODULES:
        importlib.import_module(module)
    config = app.config
    celery_app = Celery(app.import_name, task_cls=AppTask, set_as_current=False)
    celery_app.conf.update(
        broker_url=config["CELERY_BROKER_URL"] or "memory://",
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": config["CELERY_VISIBILITY_TIMEOUT"]},
        # A request must not hang on a broker that is down: try briefly, then record.
        broker_connection_timeout=2,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        task_default_queue=config["CELERY_QUEUE"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_time_limit=config["JOB_TIME_LIMIT_SECONDS"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        beat_schedule=beat_schedule(config),
        timezone="UTC",
    )
    celery_app.Task.flask_app = app
    for name, fn in _registry.items():
        extra = _options[name](config) if name in _options else {}
        celery_app.task(name=name, **extra)(fn)
    app.extensions["celery"] = celery_app
    return celery_app
