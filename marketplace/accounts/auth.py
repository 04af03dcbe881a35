"""Request authentication: session cookies (flask-login) and Bearer API tokens.

A request with ``Authorization: Bearer`` is authenticated by the token alone (its
cookies are ignored) and is exempt from CSRF; every other unsafe request must carry
a valid CSRF token, API and forms alike.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import Flask, current_app, g, request, session
from flask_login import current_user, login_user
from werkzeug.exceptions import BadRequest

from marketplace import ratelimit
from marketplace.accounts import services
from marketplace.errors import Forbidden, Unauthorized
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


# Actions that need the password, not just a credential --------------------------------

NOT_WITH_A_TOKEN = (
    "An API token cannot do this: sign in with your password (a session cookie) first."
)
PASSWORD_AGAIN = "Enter your password again."
RECENT_PASSWORD_NEEDED = (
    'Enter your password again: send it as "password" with this request (it was last '
    "entered in this session more than %d minutes ago)."
)


def session_required(view):
    """Only for a session signed in with the password: a Bearer request gets 403 before
    its body is read (a leaked token must not be able to make more tokens)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("auth_method") == "token":
            raise Forbidden(NOT_WITH_A_TOKEN)
        return view(*args, **kwargs)

    return wrapper


def require_recent_password(password: str | None, *, seconds: int) -> None:
    """The current session must have seen the password less than ``seconds`` ago, or
    ``password`` is it (which then counts as just seen).

    Without one: 403 whose ``errors.password`` tells the client to ask for the password.
    A wrong one: 403 too, counted like a failed login (same limits), so a stolen session
    cookie is no way to guess the password."""
    if password is not None:
        email = current_user.email_normalized
        ratelimit.login_attempt(email)
        try:
            services.confirm_password(current_user, password)
        except Forbidden:
            ratelimit.login_failed(email)
            raise
        return
    if not services.password_entered_within(current_user, seconds):
        raise Forbidden(
            RECENT_PASSWORD_NEEDED % max(1, seconds // 60), errors={"password": [PASSWORD_AGAIN]}
        )
