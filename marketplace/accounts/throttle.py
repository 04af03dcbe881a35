"""Login throttling, shared across processes through the Flask-Limiter storage.

Every attempt (failed, successful or malformed) counts against the e-mail and the
client IP for the short window, so the 11th try in five minutes is refused even
with the right password.  Failures alone count against the hourly account cap.
"""

from __future__ import annotations

import time

from flask import current_app
from limits import parse

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
    account_key = email_normalized or f"malformed:{ip_key}"
    checks = [
        (per_ip, ("login-ip", ip_key)),
        (per_account, ("login-account", account_key)),
    ]
    for item, keys in checks:
        if not strategy.hit(item, *keys):
            raise RateLimited(_retry_after(item, *keys))
    if not strategy.test(failures, "login-failures", account_key):
        raise RateLimited(_retry_after(failures, "login-failures", account_key))


def register_login_failure(email_normalized: str) -> None:
    _per_account, failures, _per_ip = _limits()
    account_key = email_normalized or f"malformed:{client_ip()}"
    limiter.limiter.hit(failures, "login-failures", account_key)
