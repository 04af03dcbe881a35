"""Cross-cutting request handling: request ids, input hygiene, headers, access log."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from flask import Flask, current_app, g, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from marketplace.api_base import bad_text_reason

access_log = logging.getLogger("marketplace.access")
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def accepts(*content_types: str, max_body_size: int | str | None = None) -> Callable:
    """Declare which request body types (and size) a view takes; default JSON and the app cap.

    ``max_body_size`` may name a config key so deployments can change it.
    """

    def decorator(view: Callable) -> Callable:
        view.accepted_content_types = set(content_types)  # type: ignore[attr-defined]
        view.max_body_size = max_body_size  # type: ignore[attr-defined]
        return view

    return decorator


def _view_attr(name: str, default):
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, name, default) if view else default


def assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def check_body() -> None:
    limit = _view_attr("max_body_size", None)
    if isinstance(limit, str):
        limit = current_app.config[limit]
    if limit:
        request.max_content_length = limit
    max_length = request.max_content_length
    if max_length is not None and (request.content_length or 0) > max_length:
        raise RequestEntityTooLarge(f"The request body is larger than {max_length} bytes.")
    if (
        max_length is not None
        and request.content_length is None
        and "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    ):
        # No length announced: read one byte past the cap to tell "too large" from "fits"
        # (Werkzeug would otherwise cut the body at the cap and the parser report a 400).
        request.max_content_length = max_length + 1
        if len(request.get_data(cache=True)) > max_length:
            raise RequestEntityTooLarge(f"The request body is larger than {max_length} bytes.")
        request.max_content_length = max_length
    if request.routing_exception is not None:
        return  # no view to take the body: the 404 or 405 is the answer
    if request.method not in UNSAFE_METHODS or not request.path.startswith("/api/"):
        return
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    if not has_body:
        return
    accepted = _view_attr("accepted_content_types", {"application/json"})
    if request.mimetype not in accepted:
        raise UnsupportedMediaType(f"Send the body as {' or '.join(sorted(accepted))}.")


def check_text_inputs() -> None:
    """NUL bytes and lone surrogates become database errors later; refuse them now."""
    sources = [request.args.items(multi=True), (request.view_args or {}).items()]
    if request.method in UNSAFE_METHODS and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sources.append(request.form.items(multi=True))
    for items in sources:
        for key, value in items:
            for text in (key, value):
                if isinstance(text, str) and (reason := bad_text_reason(text)):
                    raise BadRequest(reason)


def add_headers(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HSTS_ENABLED"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def log_request(response):
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    from flask_login import current_user

    user_id = None
    try:
        if g.get("_login_user") is not None and current_user.is_authenticated:
            user_id = current_user.id
    except Exception:  # noqa: BLE001 - logging must never break the response
        user_id = None
    access_log.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": user_id,
            "remote_addr": request.remote_addr,
        },
    )
    return response


def register_http_hooks(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.before_request(check_body)
    app.before_request(check_text_inputs)
    app.after_request(add_headers)
    app.after_request(log_request)
