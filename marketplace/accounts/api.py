"""``/api/v1/auth``: registration, login sessions, the current user, passwords and their
reset, API tokens."""

from __future__ import annotations

import functools

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user, logout_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from marketplace import ratelimit
from marketplace.accounts import services
from marketplace.accounts.auth import require_recent_password, session_required, start_login
from marketplace.accounts.models import Role
from marketplace.accounts.schemas import (
    CsrfSchema,
    LoginSchema,
    PasswordChangeSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestedSchema,
    PasswordResetRequestSchema,
    ProfileUpdateSchema,
    RegisterSchema,
    TokenCreatedSchema,
    TokenCreateSchema,
    TokenListSchema,
    UserSchema,
)
from marketplace.api_base import Blueprint, bad_text_reason
from marketplace.errors import DomainError, RateLimited
from marketplace.fields import INT32_MAX
from marketplace.net import client_ip
from marketplace.permissions import login_required

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Accounts and sessions")

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]


def throttled_login(view):
    """Count every attempt before the body is even parsed; a refused one (wrong
    credentials, or a body that does not parse: 400/415/422) counts as a failure."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        email_normalized = attempted_email()
        ratelimit.login_attempt(email_normalized)
        try:
            response = view(*args, **kwargs)
        except RateLimited:
            raise
        except (DomainError, HTTPException):
            ratelimit.login_failed(email_normalized)
            raise
        ratelimit.login_succeeded(email_normalized)
        return response

    return wrapper


def attempted_email() -> str:
    """The normalised e-mail a login body names, or "" when the body is unusable.

    Runs before the body is validated: deeply nested JSON (RecursionError, not a
    ValueError, so ``silent=True`` does not catch it) and text that is not valid
    Unicode (unusable as a Redis key) count as malformed attempts; the parser then
    answers 400.
    """
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        return ""
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or bad_text_reason(email):
        return ""
    return services.normalize_email(email)[:254]


@blp.route("/csrf", methods=["GET"])
@blp.response(200, CsrfSchema)
def csrf_token():
    """Get a CSRF token for cookie-authenticated unsafe requests (header `X-CSRFToken`)."""
    return {"csrf_token": generate_csrf()}


@blp.route("/register", methods=["POST"])
@ratelimit.limit("register-ip", key=client_ip)  # shared with the page; malformed ones count
@blp.arguments(RegisterSchema)
@blp.response(201, UserSchema)
@blp.errors(400, 409, 415, 422, 429)
def register(data):
    """Create a buyer account, or a supplier account together with its company."""
    user = services.register_user(
        email=data["email"],
        password=data["password"],
        name=data["name"],
        role=Role(data["role"]),
        country=data["country"],
        company_name=data["company_name"],
    )
    return user


@blp.route("/login", methods=["POST"])
@throttled_login
@blp.arguments(LoginSchema)
@blp.response(200, UserSchema, headers={"X-CSRFToken": {"schema": {"type": "string"}}})
@blp.errors(400, 401, 415, 422, 429)
def login(data):
    """Log in with e-mail and password; sets the session cookie.

    The CSRF token changes at login: use the `X-CSRFToken` response header, or
    fetch `/auth/csrf` again.
    """
    user = services.authenticate(data["email"], data["password"])
    start_login(user, remember=data["remember"])
    return user, {"X-CSRFToken": generate_csrf()}


@blp.route("/logout", methods=["POST"])
@login_required(writes_company=False)  # the caller's own account
@blp.response(204)
@blp.errors(400, 401)
@blp.doc(security=LOGGED_IN)
def logout():
    """End this session; its cookie (and remember-me cookie) stop working."""
    services.end_session(current_user)
    # Clear first: logout_user() leaves the flag that deletes the remember-me cookie.
    session.clear()
    logout_user()


@blp.route("/me", methods=["GET"])
@login_required()
@blp.response(200, UserSchema)
@blp.links(
    200,
    {"supplier_id": "$response.body#/supplier_id"},
    getSupplier="GET /suppliers/{supplier_id}",
    updateSupplier="PATCH /suppliers/{supplier_id}",
    listSupplierMembers="GET /suppliers/{supplier_id}/members",
    addSupplierMember="POST /suppliers/{supplier_id}/members",
    requestSupplierVerification="POST /suppliers/{supplier_id}/verification-request",
    getSupplierStats="GET /suppliers/{supplier_id}/stats",
)
@blp.errors(401)
@blp.doc(security=LOGGED_IN)
def me():
    return current_user


@blp.route("/me", methods=["PATCH"])
@login_required(writes_company=False)  # the caller's own account
@blp.arguments(ProfileUpdateSchema, required=False)  # no body changes nothing
@blp.response(200, UserSchema)
@blp.errors(400, 401, 415, 422)
@blp.doc(security=LOGGED_IN)
def update_me(data):
    """Change your name, country, company name or page language (`en`, `zh`)."""
    services.update_profile(current_user, **data)
    return current_user


@blp.route("/password", methods=["POST"])
@login_required(writes_company=False)  # the caller's own account
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@blp.errors(400, 401, 415, 422)
@blp.doc(security=LOGGED_IN)
def change_password(data):
    """Change your password; every other session of yours ends, and every API token of
    yours is revoked unless `revoke_tokens` is false."""
    services.change_password(
        current_user,
        data["current_password"],
        data["new_password"],
        revoke_tokens=data["revoke_tokens"],
    )


PASSWORD_RESET_SENT = (
    "If an account uses this address, a link to reset its password is on its way there."
)


@blp.route("/password-reset", methods=["POST"])
@ratelimit.limit("password-reset-ip", key=client_ip)  # shared with the page; malformed count
@blp.arguments(PasswordResetRequestSchema)
@blp.response(202, PasswordResetRequestedSchema)
@blp.errors(400, 415, 422, 429)
def request_password_reset(data):
    """E-mail a single-use link (valid `PASSWORD_RESET_TTL`, one hour by default) to reset
    the password of the account with this address.

    The answer is the same whether or not there is such an account.  It works while the
    account's sign-ins are throttled.  A few e-mails an hour at most go to one address;
    requests beyond that are answered the same but send nothing (the links already sent
    still work)."""
    services.request_password_reset(data["email"], locale=str(get_locale() or "en"))
    return {"message": PASSWORD_RESET_SENT}


@blp.route("/password-reset/confirm", methods=["POST"])
@blp.arguments(PasswordResetConfirmSchema)
@blp.response(204)
@blp.errors(400, 415, 422)
def confirm_password_reset(data):
    """Set a new password with the token from the e-mail.  Every session and API token of
    the account ends.  A used, expired or unknown token: 400."""
    services.reset_password(data["token"], data["new_password"])


@blp.route("/tokens", methods=["POST"])
@login_required(writes_company=False)  # the caller's own account
@session_required
@blp.arguments(TokenCreateSchema)
@blp.response(201, TokenCreatedSchema)
@blp.links(201, {"token_id": "$response.body#/id"}, revokeToken="DELETE /auth/tokens/{token_id}")
@blp.errors(400, 401, 403, 409, 415, 422, 429)
@blp.doc(security=[{"cookieAuth": []}])
def create_token(data):
    """Create a personal API token for `Authorization: Bearer`; it is shown only once.

    Only from a session signed in with the password (a Bearer request gets 403), and only
    when the password was entered in it within `TOKEN_CREATE_REAUTH_SECONDS` (15 minutes
    by default); otherwise 403 with `errors.password`: send it again as `password`."""
    require_recent_password(
        data.get("password"), seconds=current_app.config["TOKEN_CREATE_REAUTH_SECONDS"]
    )
    token, secret = services.create_token(current_user, data["name"])
    # Only on this response (not a column): the database keeps the hash.
    token.token = secret  # type: ignore[attr-defined]
    return token


@blp.route("/tokens", methods=["GET"])
@login_required()
@blp.response(200, TokenListSchema)
@blp.errors(401)
@blp.doc(security=LOGGED_IN)
def list_tokens():
    """Your active API tokens, newest first (secrets are never shown again)."""
    return {"items": services.list_tokens(current_user), "next_cursor": None}


@blp.route(f"/tokens/<int(max={INT32_MAX}):token_id>", methods=["DELETE"])
@login_required(writes_company=False)  # the caller's own account
@blp.response(204)
@blp.errors(400, 401, 404)
@blp.doc(security=LOGGED_IN)
def revoke_token(token_id):
    """Revoke one of your API tokens; it stops working at once."""
    services.revoke_token(current_user, token_id)
