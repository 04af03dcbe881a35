"""Login throttling, shared across processes through the Flask-Limiter storage.

Every attempt (failed, successful or malformed) counts against the e-mail and the
client IP for the short window, so the 11th try in five minutes is refused even
with the right password.  Failures alone count against the hourly account cap.
"""

from __future__ import annotations

import time

from flask import current_app
from limits import parse

from marketplace.api_base import bad_text_reason
from marketplace.errors import RateLimited
from marketplace.extensions import limiter
from marketplace.net import client_ip


def _limits():
    cfg = current_app.config
    return (
        parse(cfg["LOGIN_LIMIT_PER_ACCOUNT"]),
        parse(cfg["LOGIN_FAILURE_LIMIT_PER_ACCOUNT"]),
        parse(cfg["LOGIN_LIMIT_PER_IP"]),
    )


def _retry_after(item, *keys: str) -> int:
    reset_at, _remaining = limiter.limiter.get_window_stats(item, *keys)
    return max(1, int(reset_at - time.time()) + 1)


def register_login_attempt(email_normalized: str) -> None:
    """Count this attempt; raise RateLimited when the account or the IP is over its limit."""
    per_account, failures, per_ip = _limits()
    strategy = limiter.limiter
    ip_key = client_ip()
    account_key = _account_key(email_normalized)
    prefix = _key_prefix()
    checks = [
        (per_ip, (prefix, "login-ip", ip_key)),
        (per_account, (prefix, "login-account", account_key)),
    ]
    for item, keys in checks:
        if not strategy.hit(item, *keys):
            raise RateLimited(_retry_after(item, *keys))
    failure_keys = (prefix, "login-failures", account_key)
    if not strategy.test(failures, *failure_keys):
        raise RateLimited(_retry_after(failures, *failure_keys))


def register_login_failure(email_normalized: str) -> None:
    _per_account, failures, _per_ip = _limits()
    limiter.limiter.hit(failures, _key_prefix(), "login-failures", _account_key(email_normalized))


def _key_prefix() -> str:
    # limits' own keys carry no Flask-Limiter prefix: add it, so that deployments
    # sharing one Redis do not share login buckets.
    return current_app.config.get("RATELIMIT_KEY_PREFIX") or "marketplace"


def _account_key(email_normalized: str) -> str:
    # Text Redis cannot encode (lone surrogates) or no e-mail at all: a malformed
    # attempt, counted per IP so it still cannot be used to dodge the limits.
    if not email_normalized or bad_text_reason(email_normalized):
        return f"malformed:{client_ip()}"
    return email_normalized
