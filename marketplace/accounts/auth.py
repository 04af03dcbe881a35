"""Request authentication: session cookies (flask-login) and Bearer API tokens.

A request with ``Authorization: Bearer`` is authenticated by the token alone (its
cookies are ignored) and is exempt from CSRF; every other unsafe request must carry
a valid CSRF token, API and forms alike.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, request, session
from flask_login import login_user
from werkzeug.exceptions import BadRequest

from marketplace.accounts import services
from marketplace.errors import Unauthorized
from marketplace.extensions import csrf, login_manager

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


@login_manager.user_loader
def load_user_from_session(cookie_id: str):
    if bearer_token() is not None:
        return None
    return services.load_session_user(cookie_id)


def authenticate_bearer() -> None:
    """A Bearer request is the token's user, whatever cookies came with it."""
    token = bearer_token()
    if token is None:
        return
    user = services.load_token_user(token)
    if user is None:
        raise Unauthorized("The API token is invalid or has been revoked.")
    g.auth_method = "token"
    login_manager._update_request_context_with_user(user)


@login_manager.unauthorized_handler
def unauthorized():
    raise Unauthorized()


FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


def protect_from_csrf() -> None:
    if request.method not in UNSAFE_METHODS or request.routing_exception is not None:
        return  # a 404 or 405 is reported as such
    if bearer_token() is not None:
        return
    if request.mimetype in FORM_TYPES and None in request.form:
        # A form field whose name is not valid UTF-8 (werkzeug keys it None), which
        # Flask-WTF's token look-up cannot read.
        raise BadRequest("A form field name is not valid UTF-8.")
    csrf.protect()


def register_auth(app: Flask) -> None:
    # One setting for both halves of remember-me: the cookie and the server-side row.
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_ME_DAYS"])
    login_manager.init_app(app)
    login_manager.session_protection = None  # server-side sessions do this job
    login_manager.login_view = "web.login"
    csrf.init_app(app)
    app.before_request(authenticate_bearer)
    app.before_request(protect_from_csrf)


def start_login(user, *, remember: bool) -> None:
    """A fresh Flask session (no fixation), a server-side session row, a new CSRF token."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the token per request: make a new one
    services.start_session(user, remember=remember)
    # The remember-me cookie lives exactly as long as the server-side session row.
    duration = timedelta(days=current_app.config["REMEMBER_ME_DAYS"])
    login_user(user, remember=remember, duration=duration)
