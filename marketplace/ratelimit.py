"""Every rate limit of the application, in one place.

A limit is a named *bucket* (``"login-ip"``, ``"report"``...) whose allowance is a setting
in Flask-Limiter notation, several separated by ";" (``"20 per hour;100 per day"``).  The
API and the pages call the same bucket with the same key, so neither is a way around the
other.  Counters live in the limits storage named by ``RATELIMIT_STORAGE_URI`` (Redis when
several processes serve, so they all share them; ``memory://`` counts per process).

A rate limit protects the service; it must not take it down.  When the storage cannot be
reached, limits *fail open*: the request goes through, one warning line is logged, and the
storage is left alone for ``RATELIMIT_RETRY_SECONDS`` (so an unreachable Redis costs one
connection timeout per process in that time, not one per request).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import STRATEGIES, RateLimiter

from marketplace.api_base import bad_text_reason
from marketplace.errors import RateLimited
from marketplace.net import client_ip

log = logging.getLogger("marketplace.ratelimit")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Bucket:
    setting: str  # the config key holding the allowance
    counts: str  # what one unit is (for the README and for people reading this table)
    message: str | None = None  # RateLimited's message; "{limit}" is the allowance used up


BUCKETS: dict[str, Bucket] = {
    "login-account-ip": Bucket(
        "LOGIN_LIMIT_PER_ACCOUNT_IP",
        "every login attempt per e-mail (case-insensitive) and client IP",
        "Too many sign-in attempts for this account from your address; try again later, "
        "or reset your password.",
    ),
    "login-ip": Bucket("LOGIN_LIMIT_PER_IP", "failed or malformed logins per client IP"),
    "login-failures": Bucket(
        "LOGIN_SLOWDOWN_FAILURES_PER_ACCOUNT",
        "failed logins per e-mail from every address: used up, the account is slowed down",
    ),
    "login-slowdown": Bucket(
        "LOGIN_SLOWDOWN_RATE_PER_ACCOUNT",
        "login attempts per e-mail from unfamiliar addresses while the account is slowed down",
        "This account has had many failed sign-ins from other places; try again in a few "
        "seconds, or reset your password.",
    ),
    "password-reset-email": Bucket(
        "PASSWORD_RESET_LIMIT_PER_EMAIL", "password reset e-mails per address (then none)"
    ),
    "password-reset-ip": Bucket(
        "PASSWORD_RESET_LIMIT_PER_IP", "password reset requests per client IP"
    ),
    "register-ip": Bucket("REGISTER_LIMIT_PER_IP", "registration attempts per client IP"),
    "inquiry": Bucket("INQUIRY_LIMITS_PER_BUYER", "new inquiries per buyer"),
    "message": Bucket("MESSAGE_LIMITS_PER_USER", "inquiry messages per user"),
    "rfq": Bucket(
        "RFQ_LIMITS_PER_BUYER",
        "RFQs posted per buyer",
        "You have posted the most RFQs allowed ({limit}); try again later.",
    ),
    "sample-request": Bucket(
        "SAMPLE_REQUEST_LIMITS_PER_BUYER",
        "sample requests sent per buyer",
        "You have sent the most sample requests allowed ({limit}); try again later.",
    ),
    "report": Bucket("REPORT_LIMITS_PER_USER", "reports per user"),
}

_build_lock = threading.Lock()


@dataclass
class _State:
    """One app's storage and strategy (built from its config on first use)."""

    signature: tuple
    storage: Storage
    strategy: RateLimiter
    off_until: float = field(default=0.0)  # monotonic time; before it, limits are off


# Public interface -------------------------------------------------------------------


def hit(bucket: str, key: str | int) -> None:
    """Count one use of ``bucket`` for ``key``; RateLimited (429 with Retry-After) when any
    of its limits is used up, without counting the refused try."""
    check(bucket, key)
    state, items, ids = _prepare(bucket, key)
    for item in items:
        allowed = _call(
            state, lambda state, item=item: state.strategy.hit(item, *ids), default=True
        )
        if not allowed:  # another request took the last one meanwhile
            raise _refusal(bucket, item, retry_after(bucket, key))


def test(bucket: str, key: str | int) -> bool:
    """Whether a ``hit`` now would be allowed (counts nothing)."""
    return _exhausted(bucket, key) is None


def check(bucket: str, key: str | int) -> None:
    """RateLimited when a ``hit`` now would be refused; counts nothing.  For limits counted
    after the fact (failed logins, an RFQ once it is posted)."""
    item = _exhausted(bucket, key)
    if item is not None:
        raise _refusal(bucket, item, retry_after(bucket, key))


def count(bucket: str, key: str | int) -> None:
    """Count one use without refusing anything: the outcome is already decided (a login
    that failed, an RFQ that was checked with ``check`` and then posted)."""
    state, items, ids = _prepare(bucket, key)
    for item in items:
        _call(state, lambda state, item=item: state.strategy.hit(item, *ids), default=True)


def retry_after(bucket: str, key: str | int) -> int:
    """Seconds until ``bucket`` allows ``key`` again; 0 when it does now."""
    state, items, ids = _prepare(bucket, key)
    now = time.time()
    waits = [0]
    for item in items:
        stats = _call(state, lambda state, item=item: state.strategy.get_window_stats(item, *ids))
        if stats is not None and stats.remaining <= 0:
            waits.append(max(1, int(stats.reset_time - now) + 1))
    return max(waits)


def limit(bucket: str, key: Callable[[], str | int]) -> Callable[[F], F]:
    """A view decorator: ``hit(bucket, key())`` before the view runs, so requests refused
    later (a malformed body, a conflict) count too."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            hit(bucket, key())
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def reset(app: Flask | None = None) -> None:
    """Forget the in-process counters and storage failures of ``app`` (default: the
    current one), for tests.  Counters in a shared storage are left alone: other
    processes and deployments use them."""
    state = (app or current_app).extensions.get("ratelimit")
    if state is None:
        return
    state.off_until = 0.0
    if isinstance(state.storage, MemoryStorage):
        state.storage.reset()


# Login ------------------------------------------------------------------------------
#
# Hard limits are per (account, client IP) and per client IP: whoever guesses from
# address A is refused at A, and the owner at address B is not.  Failures against one
# account from every address together only *slow it down*: while they are over
# LOGIN_SLOWDOWN_FAILURES_PER_ACCOUNT, attempts from addresses the account has not
# signed in from lately share a small allowance (LOGIN_SLOWDOWN_RATE_PER_ACCOUNT, a 429
# with a Retry-After of seconds), and addresses it has signed in from (or reset its
# password from) are not held back at all.  A password reset always works.


def login_attempt(email_normalized: str) -> None:
    """Before a password is checked: refuse when the client IP has too many recent
    failures, the account too many attempts from this IP (this one included), or the
    account is slowed down and has not signed in from this address lately.

    Only failures count per IP, so everyone in an office behind one address can sign in;
    every attempt counts per (account, IP)."""
    account = _login_account(email_normalized)
    ip = client_ip()
    check("login-ip", ip)
    hit("login-account-ip", _account_at(account, ip))
    if not test("login-failures", account) and not is_familiar_address(account):
        hit("login-slowdown", account)


def login_failed(email_normalized: str) -> None:
    """A wrong password, an unknown e-mail or a malformed attempt: counts against the
    account (from every address: the slow-down) and the client IP."""
    count("login-failures", _login_account(email_normalized))
    count("login-ip", client_ip())


def login_succeeded(email_normalized: str) -> None:
    """The account signed in from the client's address: it is familiar from now on."""
    remember_address(email_normalized)


def password_reset_done(email_normalized: str) -> None:
    """The account's owner reset the password from the client's address: the address
    becomes familiar and its (account, IP) attempts start again from zero."""
    account = _login_account(email_normalized)
    _clear("login-account-ip", _account_at(account, client_ip()))
    remember_address(account)


def remember_address(email_normalized: str) -> None:
    """Mark the client IP familiar to the account for LOGIN_FAMILIAR_ADDRESS_DAYS."""
    key = _familiar_key(_login_account(email_normalized))
    seconds = int(current_app.config["LOGIN_FAMILIAR_ADDRESS_DAYS"] * 86400)

    def mark(state: _State) -> None:
        state.storage.clear(key)  # a new sign-in starts the period again
        state.storage.incr(key, seconds)

    _call(_state(), mark)


def is_familiar_address(email_normalized: str) -> bool:
    key = _familiar_key(_login_account(email_normalized))
    return bool(_call(_state(), lambda state: state.storage.get(key), default=0))


def _login_account(email_normalized: str) -> str:
    # No e-mail, or text Redis cannot encode (lone surrogates): a malformed attempt,
    # counted per IP so it still cannot be used to dodge the account limits.
    if not email_normalized or bad_text_reason(email_normalized):
        return f"malformed:{client_ip()}"
    return email_normalized


def _account_at(account: str, ip: str) -> str:
    return f"{ip} {account}"  # an IP has no space: the key names one pair


def _familiar_key(account: str) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "marketplace"
    ip = client_ip()
    return _safe(f"LIMITER/{prefix}/login-familiar/{_account_at(account, ip)}")


# Internals --------------------------------------------------------------------------


def _prepare(bucket: str, key: str | int) -> tuple[_State | None, list[RateLimitItem], tuple]:
    config = current_app.config
    items = parse_many(config[BUCKETS[bucket].setting])
    prefix = config.get("RATELIMIT_KEY_PREFIX") or "marketplace"
    return _state(), items, (prefix, bucket, _safe(str(key)))


def _safe(key: str) -> str:
    # The storage may not encode every string (Redis refuses lone surrogates).
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _clear(bucket: str, key: str | int) -> None:
    state, items, ids = _prepare(bucket, key)
    for item in items:
        _call(state, lambda state, item=item: state.strategy.clear(item, *ids))


def _exhausted(bucket: str, key: str | int) -> RateLimitItem | None:
    state, items, ids = _prepare(bucket, key)
    for item in items:
        if not _call(state, lambda state, item=item: state.strategy.test(item, *ids), default=True):
            return item
    return None


def _refusal(bucket: str, item: RateLimitItem, wait: int) -> RateLimited:
    message = BUCKETS[bucket].message
    return RateLimited(max(1, wait), message.format(limit=item) if message else None)


def _call(state: _State | None, operation: Callable[..., Any], default: Any = None) -> Any:
    """Run one storage operation (given the state); ``default`` (allow) when limits are off
    or the storage fails."""
    if state is None or time.monotonic() < state.off_until:
        return default
    try:
        return operation(state)
    except StorageError as exc:
        _storage_failed(state, exc.storage_error)
        return default


def _storage_failed(state: _State, error: Exception) -> None:
    seconds = current_app.config.get("RATELIMIT_RETRY_SECONDS", 10)
    state.off_until = time.monotonic() + seconds
    # The error's type only: its text may name the host, and the URI may hold a password.
    log.warning(
        "rate limits are off for %gs: their storage failed (%s)",
        seconds,
        type(error).__name__,
    )


def _state() -> _State | None:
    """This app's storage, built on first use and again when its settings change."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return None
    uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    strategy = config.get("RATELIMIT_STRATEGY") or "fixed-window"
    options = dict(config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    if uri.startswith(("redis", "rediss", "valkey")):
        timeout = config.get("RATELIMIT_REDIS_TIMEOUT_SECONDS", 0.5)
        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("socket_timeout", timeout)
    signature = (uri, strategy, tuple(sorted((k, repr(v)) for k, v in options.items())))
    state = app.extensions.get("ratelimit")
    if state is not None and state.signature == signature:
        return state
    with _build_lock:
        state = app.extensions.get("ratelimit")
        if state is None or state.signature != signature:
            storage = cast(Storage, storage_from_string(uri, wrap_exceptions=True, **options))
            state = _State(signature, storage, STRATEGIES[strategy](storage))
            app.extensions["ratelimit"] = state
    return state
