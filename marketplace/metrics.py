"""``/metrics`` in the Prometheus text format, and the request latency histogram.

Series:

- ``marketplace_http_request_duration_seconds{endpoint,method,status}``: a histogram
  per Flask endpoint name (never the raw path: ids in paths would make one series per
  product), method and status class (``2xx``).  Timed from the outermost WSGI layer to
  the view's finished response: two clock reads and one observation, no query.
- ``marketplace_outbox_pending``: e-mails waiting in the outbox (status ``pending``).
- ``marketplace_queue_depth{queue}``: messages waiting in the Celery queue
  (``CELERY_QUEUE``) on the Redis broker (``LLEN``); absent when no broker is configured.
- ``marketplace_failed_tasks``: failed tasks no admin has retried or dismissed.
- ``marketplace_metrics_source_up{source}``: 1 when the database / Redis / job count
  answered this scrape, 0 when it did not.  A scrape never fails because one source is
  down: it reports the rest and logs a warning.

Under gunicorn each worker counts its own requests.  With ``PROMETHEUS_MULTIPROC_DIR``
set (before the process starts: prometheus_client decides at import), the histogram is
kept in files in that directory and a scrape, answered by any worker, adds up every
worker's (gunicorn.conf.py empties the directory at start and tells prometheus_client
when a worker exits).  Without it a plain in-process registry is used.

Who may read it: with ``METRICS_TOKEN`` set, requests carrying
``Authorization: Bearer <METRICS_TOKEN>``; otherwise requests from the local host
(``request.remote_addr``, which ProxyFix rewrites only when ``TRUSTED_PROXY_COUNT`` says
so).  Everyone else gets the ordinary 404, so the endpoint's existence is not revealed.
"""

from __future__ import annotations

import hmac
import importlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis
import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from werkzeug.exceptions import NotFound

from marketplace.extensions import db
from marketplace.net import client_ip
from marketplace.notifications.models import OutboxEmail, OutboxStatus

log = logging.getLogger("marketplace.metrics")
bp = Blueprint("metrics", __name__)

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
LOCALHOST = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
_STARTED = "marketplace.metrics.started"
_AUTHORIZATION = "marketplace.metrics.authorization"
_REDIS_CLIENTS = "marketplace.metrics.redis"

# registry=None: not the library's global registry, whose process collectors would
# show one worker's numbers as if they were the service's.
REQUEST_LATENCY = Histogram(
    "marketplace_http_request_duration_seconds",
    "Time from the request's arrival to its response, by endpoint, method and status class.",
    ("endpoint", "method", "status"),
    registry=None,
)


class MetricsMiddleware:
    """The outermost WSGI layer: starts the request clock, and takes the credentials of
    a ``/metrics`` request aside so the API's token authentication never sees the
    metrics token (it would answer 401 "invalid token")."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        environ[_STARTED] = time.perf_counter()
        if environ.get("PATH_INFO") == "/metrics":
            environ[_AUTHORIZATION] = environ.pop("HTTP_AUTHORIZATION", "")
        return self.wsgi_app(environ, start_response)


def observe_request(response: Response) -> Response:
    started = request.environ.get(_STARTED)
    if started is not None:
        method = request.method if request.method in METHODS else "OTHER"
        REQUEST_LATENCY.labels(
            request.endpoint or "none", method, f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
    return response


def init_metrics(app: Flask) -> None:
    """Time every request and serve ``/metrics`` (``register_blueprints``)."""
    app.wsgi_app = MetricsMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(observe_request)
    app.register_blueprint(bp)


# --- /metrics ---------------------------------------------------------------------


def may_read_metrics() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    if token:
        scheme, _, value = request.environ.get(_AUTHORIZATION, "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        )
    return client_ip() in LOCALHOST


@bp.get("/metrics")
def metrics():
    if not may_read_metrics():
        raise NotFound()
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS_DIR:
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(StateCollector())
    response = Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


class StateCollector:
    """Gauges read at scrape time from the database and the broker, so every worker
    reports the same numbers (nothing to add up across processes)."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "marketplace_metrics_source_up",
            "1 when the source answered this scrape, 0 when it did not.",
            labels=["source"],
        )
        pending = outbox_pending()
        up.add_metric(["database"], 0 if pending is None else 1)
        if pending is not None:
            yield GaugeMetricFamily(
                "marketplace_outbox_pending",
                "E-mails waiting in the outbox to be sent.",
                value=pending,
            )
        if broker_url():
            depth = queue_depth()
            up.add_metric(["redis"], 0 if depth is None else 1)
            if depth is not None:
                gauge = GaugeMetricFamily(
                    "marketplace_queue_depth",
                    "Jobs waiting in the Celery queue on the broker.",
                    labels=["queue"],
                )
                gauge.add_metric([queue_name()], depth)
                yield gauge
        try:
            failed = failed_task_count()
        except sa.exc.SQLAlchemyError as error:
            _rollback()
            log.warning("metrics: failed task count unavailable: %s", type(error).__name__)
            up.add_metric(["jobs"], 0)
        else:
            if failed is not None:
                up.add_metric(["jobs"], 1)
                yield GaugeMetricFamily(
                    "marketplace_failed_tasks",
                    "Failed tasks no admin has retried or dismissed yet.",
                    value=failed,
                )
        yield up


def outbox_pending() -> int | None:
    try:
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.status == OutboxStatus.PENDING)
        )
    except sa.exc.SQLAlchemyError as error:
        _rollback()
        log.warning("metrics: outbox count unavailable: %s", type(error).__name__)
        return None


def broker_url() -> str:
    url = current_app.config.get("CELERY_BROKER_URL") or current_app.config.get("REDIS_URL") or ""
    return url if url.startswith(("redis://", "rediss://", "unix://")) else ""


def queue_name() -> str:
    """The Celery queue's name: on a Redis broker, a list of that name holds its messages."""
    return current_app.config.get("CELERY_QUEUE") or "celery"


def queue_depth() -> int | None:
    """``LLEN <CELERY_QUEUE>`` on the broker, or None (and a warning) when Redis does not answer
    within ``METRICS_REDIS_TIMEOUT_SECONDS``."""
    url = broker_url()
    clients = current_app.extensions.setdefault(_REDIS_CLIENTS, {})  # one pool per URL
    client = clients.get(url)
    if client is None:
        timeout = current_app.config.get("METRICS_REDIS_TIMEOUT_SECONDS", 1.0)
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        clients[url] = client
    try:
        return int(client.llen(queue_name()))
    except redis.RedisError as error:
        log.warning("metrics: queue depth unavailable: %s", type(error).__name__)
        return None


def failed_task_count() -> int | None:
    """Unresolved failed tasks from ``marketplace.jobs``; None while that module does
    not offer the count (the metric is then left out)."""
    try:
        jobs = importlib.import_module("marketplace.jobs")
    except ImportError:
        return None
    count = getattr(jobs, "failed_task_count", None)
    return None if count is None else int(count())


def _rollback() -> None:
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        log.warning("metrics: rollback failed")
