"""Account operations: registration, login sessions, passwords, password resets, API tokens.

Services flush, never commit: the request (or CLI command) commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _

from marketplace import ratelimit
from marketplace.accounts.models import (
    ApiToken,
    PasswordResetToken,
    Role,
    User,
    UserSession,
    UserStatus,
)
from marketplace.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from marketplace.accounts.signals import account_email, supplier_registered
from marketplace.api_base import bad_text_reason
from marketplace.db import rowcount, utcnow, violates
from marketplace.errors import (
    Conflict,
    Forbidden,
    InvalidToken,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from marketplace.extensions import db
from marketplace.fields import Email

TOKEN_PREFIX = "nkp_"
RESET_TOKEN_PREFIX = "nkr_"
# The unique index on users.email_normalized (PostgreSQL name : SQLite column).
EMAIL_UNIQUE = "uq_users_email_normalized:users.email_normalized"
BAD_CREDENTIALS = "Invalid e-mail or password."
WRONG_PASSWORD = "The password is wrong."
WRONG_CURRENT_PASSWORD = "The current password is wrong."
BAD_RESET_TOKEN = "This password reset link is invalid, used or expired; request a new one."


def normalize_email(email: str) -> str:
    return email.strip().lower()


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email_normalized == normalize_email(email)))


def check_new_password(password: str, *, field: str, email: str = "", name: str = "") -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise ValidationFailed(errors={field: problems})


def register_user(
    *,
    email: str,
    password: str,
    name: str,
    role: Role,
    country: str | None = None,
    company_name: str | None = None,
) -> User:
    """Create a buyer, or a supplier owner together with the supplier company."""
    if role == Role.ADMIN:
        raise ValidationFailed(errors={"role": ["Must be one of: buyer, supplier."]})
    if role == Role.SUPPLIER and not (company_name or "").strip():
        raise ValidationFailed(errors={"company_name": ["Required for a supplier account."]})
    check_new_password(password, field="password", email=email, name=name)
    email_normalized = normalize_email(email)
    if get_user_by_email(email_normalized) is not None:
        raise Conflict("An account with this e-mail already exists.")
    user = User(
        email=email.strip(),
        email_normalized=email_normalized,
        password_hash=hash_password(password),
        name=name.strip(),
        role=role,
        country=country,
        company_name=(company_name or "").strip() or None,
        password_changed_at=utcnow(),
    )
    if role == Role.SUPPLIER and not supplier_registered.send(user):
        # The company is created by the suppliers domain, above this one: a supplier
        # account without it would be half made.
        raise RuntimeError("No receiver of supplier_registered: create_app connects it.")
    return add_new_user(user)


def add_new_user(user: User) -> User:
    """Insert a new account; the unique index on email_normalized settles races between
    concurrent sign-ups (409), whatever the case of the e-mail."""
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        if not violates(exc, EMAIL_UNIQUE):
            raise
        raise Conflict("An account with this e-mail already exists.") from exc
    return user


def check_email_and_name(email: str, name: str) -> None:
    """The checks the API schema makes, for callers without one (the CLI)."""
    problems: dict[str, list[str]] = {}
    try:
        Email().deserialize(email)
    except ma.ValidationError as exc:
        problems["email"] = [str(message) for message in exc.messages]
    if reason := bad_text_reason(email):
        problems.setdefault("email", []).append(reason)
    if not name.strip() or len(name.strip()) > 120 or bad_text_reason(name):
        problems["name"] = ["Must be 1 to 120 characters of valid text."]
    if problems:
        raise ValidationFailed(errors=problems)


def create_admin(email: str, password: str, name: str = "Administrator") -> User:
    """An administrator account (only from the command line, never through the API)."""
    check_email_and_name(email, name)
    check_new_password(password, field="password", email=email, name=name)
    if get_user_by_email(email) is not None:
        raise Conflict("An account with this e-mail already exists.")
    user = User(
        email=email.strip(),
        email_normalized=normalize_email(email),
        password_hash=hash_password(password),
        name=name.strip(),
        role=Role.ADMIN,
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials; one message whatever was wrong."""
    user = get_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized(BAD_CREDENTIALS)
    if user.status != UserStatus.ACTIVE:
        raise Unauthorized("This account is suspended. Contact the platform administrators.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, *, remember: bool) -> str:
    """Record a new login session and return its secret key (kept only in the cookie)."""
    cfg = current_app.config
    lifetime = (
        timedelta(days=cfg["REMEMBER_ME_DAYS"])
        if remember
        else timedelta(hours=cfg["SESSION_LIFETIME_HOURS"])
    )
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user=user,
            key_hash=sha256(key),
            expires_at=utcnow() + lifetime,
            password_verified_at=utcnow(),
            is_remembered=remember,
            ip_address=(request.remote_addr or "")[:45] or None,
            user_agent=(request.user_agent.string or "")[:300] or None,
        )
    )
    user.last_login_at = utcnow()
    user.current_session_key = key
    db.session.flush()
    return key


def load_session_user(cookie_id: str) -> User | None:
    """The user behind a flask-login id ``"<user id>:<session key>"``, if still valid."""
    user_id, _, key = cookie_id.partition(":")
    if not user_id.isdigit() or not key:
        return None
    row = db.session.execute(
        sa.select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash == sha256(key), User.id == int(user_id))
    ).first()
    if row is None:
        return None
    user_session, user = row
    if user_session.expires_at <= utcnow() or not user.is_active:
        return None
    user.current_session_key = key
    return user


def end_session(user: User) -> None:
    if user.current_session_key:
        db.session.execute(
            sa.delete(UserSession).where(UserSession.key_hash == sha256(user.current_session_key))
        )
        user.current_session_key = None


def end_all_sessions(user: User, *, keep_current: bool = False) -> None:
    query = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep_current and user.current_session_key:
        query = query.where(UserSession.key_hash != sha256(user.current_session_key))
    db.session.execute(query)


def revoke_all_tokens(user: User) -> None:
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_access(user: User) -> None:
    """Suspension or removal from a company: every session and token stops now."""
    end_all_sessions(user)
    revoke_all_tokens(user)


def change_password(
    user: User, current_password: str, new_password: str, *, revoke_tokens: bool = True
) -> None:
    """A new password: every other session ends, and (unless ``revoke_tokens`` is false)
    every API token, so that whoever knew the old password keeps nothing it gave them."""
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed(errors={"current_password": [WRONG_CURRENT_PASSWORD]})
    check_new_password(new_password, field="new_password", email=user.email, name=user.name)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(user, keep_current=True)
    if revoke_tokens:
        revoke_all_tokens(user)
    _mark_password_entered(user)
    db.session.flush()


def _current_session(user: User) -> UserSession | None:
    if not user.current_session_key:
        return None  # a Bearer request, or a signed-out one
    return db.session.scalar(
        sa.select(UserSession).where(UserSession.key_hash == sha256(user.current_session_key))
    )


def _mark_password_entered(user: User) -> None:
    session_row = _current_session(user)
    if session_row is not None:
        session_row.password_verified_at = utcnow()


def password_entered_within(user: User, seconds: int) -> bool:
    """Whether the password was entered in the user's current session (at login, or
    again since) less than ``seconds`` ago."""
    session_row = _current_session(user)
    if session_row is None or session_row.password_verified_at is None:
        return False
    return utcnow() - session_row.password_verified_at < timedelta(seconds=seconds)


def confirm_password(user: User, password: str) -> None:
    """The signed-in user enters the password again: Forbidden when it is wrong,
    otherwise the current session counts as having seen it just now."""
    if not verify_password(user.password_hash, password):
        raise Forbidden(WRONG_PASSWORD, errors={"password": [WRONG_PASSWORD]})
    _mark_password_entered(user)
    db.session.flush()


# Password reset ---------------------------------------------------------------------


def request_password_reset(email: str, *, locale: str) -> bool:
    """E-mail a single-use reset link to the account with this address, if there is an
    active one and the address has not had its share of them lately
    (PASSWORD_RESET_LIMIT_PER_EMAIL).  Returns whether an e-mail was written; callers
    answer the same either way: whether an address has an account, or how often someone
    asked, is nobody's business.

    Earlier links stay valid until they expire or one of them is used: a stranger who
    asks for links for someone else's address cannot spoil the owner's."""
    email_normalized = normalize_email(email)
    try:
        ratelimit.hit("password-reset-email", email_normalized)
    except RateLimited:
        return False
    user = get_user_by_email(email_normalized)
    if user is None or not user.is_active:
        return False
    secret = RESET_TOKEN_PREFIX + secrets.token_urlsafe(32)
    ttl = timedelta(seconds=current_app.config["PASSWORD_RESET_TTL"])
    db.session.add(
        PasswordResetToken(user=user, token_hash=sha256(secret), expires_at=utcnow() + ttl)
    )
    db.session.flush()
    with force_locale(user.locale or locale):
        subject, body = _reset_email(user, secret, minutes=int(ttl.total_seconds() // 60))
    if not account_email.send(user, subject=subject, body=body):
        # The outbox belongs to the notifications domain, above this one.
        raise RuntimeError("No receiver of account_email: create_app connects it.")
    return True


def _reset_email(user: User, secret: str, *, minutes: int) -> tuple[str, str]:
    base = current_app.config.get("SITE_URL", "").rstrip("/")
    link = f"{base}/password-reset?token={secret}"
    subject = _("Reset your password")
    body = "\n\n".join(
        [
            _("Hello %(name)s,", name=user.name),
            _(
                "Someone (we hope you) asked to reset the password of your account on "
                "Neikeng Slipper Sourcing. To choose a new password, open this link:"
            ),
            link,
            _(
                "The link works once, for %(minutes)d minutes. Setting a new password "
                "signs you out everywhere and revokes your API tokens.",
                minutes=minutes,
            ),
            _("If you did not ask for this, ignore this e-mail: your password stays as it is."),
        ]
    )
    return subject, body


def _usable_reset_token(secret: str) -> tuple[PasswordResetToken, User] | None:
    """The unused, unexpired reset token with this secret, and its user."""
    if not secret.startswith(RESET_TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = db.session.execute(
        sa.select(PasswordResetToken, User)
        .join(User, User.id == PasswordResetToken.user_id)
        .where(PasswordResetToken.token_hash == sha256(secret))
    ).first()
    if row is None or row[0].used_at is not None or row[0].expires_at <= utcnow():
        return None
    return row[0], row[1]


def reset_token_is_usable(secret: str) -> bool:
    return _usable_reset_token(secret) is not None


def reset_password(secret: str, new_password: str) -> User:
    """Set a new password with an e-mailed reset token: the token (and every other one
    of the user's) is used up, every session and API token of the user ends.

    InvalidToken for a token that is unknown, used or expired; ValidationFailed (the
    token stays usable) for a new password the policy refuses."""
    row = _usable_reset_token(secret)
    if row is None:
        raise InvalidToken(BAD_RESET_TOKEN, errors={"token": [BAD_RESET_TOKEN]})
    token, user = row
    now = utcnow()
    check_new_password(new_password, field="new_password", email=user.email, name=user.name)
    # Single use even when two requests race: only one UPDATE finds it unused.
    used = db.session.execute(
        sa.update(PasswordResetToken)
        .where(
            PasswordResetToken.id == token.id,
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(used) != 1:
        raise InvalidToken(BAD_RESET_TOKEN, errors={"token": [BAD_RESET_TOKEN]})
    db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    end_all_access(user)
    db.session.flush()
    # Whoever proved they read the mailbox may sign in from here at once, however many
    # guesses others made meanwhile.
    ratelimit.password_reset_done(user.email_normalized)
    return user


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    active = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    cap = current_app.config["API_TOKEN_MAX_PER_USER"]
    if active >= cap:
        raise Conflict(f"You already have {cap} active tokens; revoke one first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip(), token_hash=sha256(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    return token, secret


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.is_revoked:
        raise NotFound("Token not found.")
    token.revoked_at = utcnow()
    db.session.flush()


def load_token_user(secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = db.session.execute(
        sa.select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == sha256(secret), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    _token, user = row
    if not user.is_active:
        return None
    return user


PROFILE_FIELDS = ("name", "country", "company_name", "locale")


def update_profile(user: User, **changes) -> User:
    """Change the user's own profile fields (never role, e-mail or company membership)."""
    for field, value in changes.items():
        if field not in PROFILE_FIELDS:
            raise ValidationFailed(errors={field: ["Unknown field."]})
        if field == "name" and not value:
            raise ValidationFailed(errors={"name": ["Must not be empty."]})
        setattr(user, field, value)
    db.session.flush()
    return user
