"""Optional error reporting to Sentry (or a compatible service) through ``SENTRY_DSN``.

Nothing is initialised, and nothing leaves the process, unless ``SENTRY_DSN`` is set.
With it: ``SENTRY_ENVIRONMENT`` (default: the configuration's ``ENV_NAME``) and
``SENTRY_TRACES_SAMPLE_RATE`` (default 0: errors only, no performance traces), and
``send_default_pii=False`` (no cookies, user ids, IP addresses or request bodies).

Why the error handler is wrapped: ``marketplace.errors`` answers every unexpected
exception with the 500 envelope, so Flask never emits ``got_request_exception``, the
signal sentry-sdk's Flask integration listens to.  The wrapper reports the exception,
then lets the usual handler answer.
"""

from __future__ import annotations

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import ignore_logger
from werkzeug.exceptions import HTTPException

from marketplace.errors import handle_unexpected


def init_sentry(app: Flask) -> None:
    """Report unexpected exceptions when ``SENTRY_DSN`` is set (``create_app``, after
    the error handlers are registered)."""
    dsn = app.config.get("SENTRY_DSN") or ""
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("SENTRY_ENVIRONMENT") or app.config["ENV_NAME"],
        traces_sample_rate=app.config.get("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        send_default_pii=False,
        integrations=[FlaskIntegration()],
    )
    # The 500 handler logs each exception it answers (an error record, which would be
    # a second event); the access log's lines would be breadcrumbs carrying client IPs.
    ignore_logger("marketplace.errors")
    ignore_logger("marketplace.access")
    app.register_error_handler(Exception, report_unexpected)


def report_unexpected(error: Exception):
    if not isinstance(error, HTTPException):  # a 404 or 405 is an answer, not a bug
        sentry_sdk.capture_exception(error)
    return handle_unexpected(error)
