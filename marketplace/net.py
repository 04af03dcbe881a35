"""Who is on the other end of the request."""

from __future__ import annotations

from flask import request


def client_ip() -> str:
    # ProxyFix (configured by TRUSTED_PROXY_COUNT) has already rewritten remote_addr.
    return request.remote_addr or "unknown"
