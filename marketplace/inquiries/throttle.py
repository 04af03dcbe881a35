"""Per-user limits on new inquiries and on messages, through the Flask-Limiter storage
(Redis when configured, so every process shares the counters).

The API and the pages call the same check, so neither is a way around the other.  Limits
are settings in Flask-Limiter notation, several separated by ";"
(``INQUIRY_LIMITS_PER_BUYER = "10 per hour;50 per day"``).
"""

from __future__ import annotations

import time

from flask import current_app
from limits import parse_many

from marketplace.accounts.models import User
from marketplace.errors import RateLimited
from marketplace.extensions import limiter

SETTINGS = {
    "inquiry": "INQUIRY_LIMITS_PER_BUYER",
    "message": "MESSAGE_LIMITS_PER_USER",
}


def hit(kind: str, user: User) -> None:
    """Count one ``kind`` ("inquiry" or "message") for ``user``; RateLimited (429 with
    Retry-After) when any of its limits is used up, without counting the refused try."""
    items = parse_many(current_app.config[SETTINGS[kind]])
    strategy = limiter.limiter
    keys = (current_app.config.get("RATELIMIT_KEY_PREFIX") or "marketplace", kind, str(user.id))
    for item in items:
        if not strategy.test(item, *keys):
            raise RateLimited(_retry_after(item, keys))
    for item in items:
        if not strategy.hit(item, *keys):  # another request took the last one meanwhile
            raise RateLimited(_retry_after(item, keys))


def _retry_after(item, keys: tuple[str, ...]) -> int:
    reset_at, _remaining = limiter.limiter.get_window_stats(item, *keys)
    return max(1, int(reset_at - time.time()) + 1)
