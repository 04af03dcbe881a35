"""Domain exceptions and the one error envelope for every error.

Services raise the exceptions below; nothing else in the code base decides HTTP
status codes for business rules.  API requests (``/api/...``, or clients that
prefer JSON) get ``{"code","status","message","errors"?,"request_id"}``; pages get
an HTML error page with the same status.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, cast

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as NotFoundError
from werkzeug.routing import RequestRedirect

log = logging.getLogger("marketplace.errors")


class DomainError(Exception):
    status_code = 400
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, errors: dict | None = None, **extra: Any):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.errors = errors
        self.extra = extra


class InvalidToken(DomainError):
    """A single-use token from an e-mail (password reset...) that is unknown, used or
    expired: 400, with one message for the three."""

    status_code = 400
    default_message = "The token is invalid, used or expired."


class Unauthorized(DomainError):
    status_code = 401
    default_message = "Authentication is required."


class Forbidden(DomainError):
    status_code = 403
    default_message = "You are not allowed to do this."


class NotFound(DomainError):
    status_code = 404
    default_message = "Not found."


class Conflict(DomainError):
    status_code = 409
    default_message = "The request conflicts with the current state of the resource."


class ValidationFailed(DomainError):
    status_code = 422
    default_message = "The request is not valid."


class RateLimited(DomainError):
    status_code = 429
    default_message = "Too many requests; try again later."

    def __init__(self, retry_after: int, message: str | None = None):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path in ("/healthz", "/readyz"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def error_response(code: int, message: str, errors: Any = None, headers: dict | None = None):
    status = HTTPStatus(code)
    if wants_json():
        body: dict[str, Any] = {"code": code, "status": status.phrase, "message": message}
        if errors:
            body["errors"] = errors
        body["request_id"] = g.get("request_id", "")
        response = make_response(jsonify(body), code)
    else:
        html = render_template(
            "errors/error.html", code=code, phrase=status.phrase, message=message, errors=errors
        )
        response = make_response(html, code)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _rollback() -> None:
    from marketplace.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; nothing left to undo
        log.warning("rollback failed", exc_info=False)


def handle_domain_error(error: DomainError):
    _rollback()
    headers = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return error_response(error.status_code, error.message, error.errors, headers)


def handle_http_exception(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if isinstance(error, MethodNotAllowed) and not _path_exists(error.valid_methods or []):
        error = NotFoundError()
    code = cast(int, error.code)  # checked above; a NotFoundError's is 404
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    data = getattr(error, "data", None) or {}
    message = data.get("message") or error.description or HTTPStatus(code).phrase
    errors = data.get("errors") or data.get("messages")
    if data.get("headers"):
        headers.update(data["headers"])
    if code == 429:
        _rollback()
        retry_after = getattr(error, "retry_after", None)
        if "Retry-After" not in headers:
            headers["Retry-After"] = str(retry_after or 60)
        message = "Too many requests; try again later."
    if code == 500:
        message = "Internal server error."
        errors = None
    return error_response(code, message, errors, headers)


def _path_exists(methods: Iterable[str]) -> bool:
    """Werkzeug answers 405 when a rule's pattern matches but its converter refuses the value
    (``PATCH /suppliers/99999999999``): the path names nothing, so that is a 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in methods:
        try:
            adapter.match(method=method)
        except RequestRedirect:
            return True
        except HTTPException:
            continue
        return True
    return False


def handle_database_unavailable(error: OperationalError | sa_exc.TimeoutError):
    """Lost connection, server down, a lock held too long, no pooled connection free:
    retry shortly.  (SQLite also reports bugs such as a missing column this way: 500.)"""
    if _is_sqlite_programming_error(error):
        return handle_unexpected(error)
    _rollback()
    orig = getattr(error, "orig", None)
    log.error("database unavailable", extra={"error_type": type(orig or error).__name__})
    if g.get("_login_user") is None:
        # The page layout would load the user from the unreachable database: render
        # the 503 page as signed out instead.
        from marketplace.extensions import login_manager

        login_manager._update_request_context_with_user()
    return error_response(
        503,
        "The service is temporarily unavailable; please retry shortly.",
        headers={"Retry-After": "5"},
    )


def handle_unexpected(error: Exception):
    _rollback()
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.error(
        "unhandled exception",
        extra={"error_type": type(error).__name__, "where": _where(error)},
        exc_info=error if _log_tracebacks() else None,
    )
    return error_response(500, "Internal server error.")


def _log_tracebacks() -> bool:
    from flask import current_app

    return bool(current_app.config.get("LOG_TRACEBACKS"))


_SQLITE_BUG = re.compile(r"^(no such (table|column|function)|.*syntax error|.* has no column)")
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _is_sqlite_programming_error(error: Exception) -> bool:
    orig = getattr(error, "orig", None)
    return isinstance(orig, sqlite3.Error) and bool(_SQLITE_BUG.match(str(orig)))


def _where(error: BaseException) -> str:
    """The innermost frame of our own code (else the innermost frame), so a log line
    says where without a trace."""
    tb = error.__traceback__
    where = innermost = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        innermost = f"{os.path.basename(filename)}:{tb.tb_lineno}"
        if filename.startswith(_PACKAGE_DIR):
            where = f"{filename.removeprefix(_PACKAGE_DIR)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where or innermost


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(sa_exc.TimeoutError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
