"""Serving uploaded files from whichever storage backend holds them.

Streamed through the app by default (local files with ``send_file``; S3 objects chunk
by chunk), or with ``STORAGE_SERVE=redirect`` and S3, a 302 to a presigned link that
expires after ``STORAGE_PRESIGN_SECONDS``.  Every file is sent with its stored type (on
the local backend, its extension's), nosniff and a sandboxing CSP, so an uploaded file
can never run as a page.  Unknown names are 404s, whatever the backend says.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort

from marketplace.storage import KeyNotFound, get_storage

bp = Blueprint("media", __name__)
NAME = re.compile(r"^[0-9a-f]{32}(_thumb)?\.(jpg|png|webp)$")
MAX_AGE_SECONDS = 7 * 86400  # names are never reused: a file may be cached long
SANDBOX_CSP = "default-src 'none'; sandbox"


def serve_file(key: str, *, max_age: int = MAX_AGE_SECONDS) -> Response:
    """The response for a stored file; 404 if it is not there."""
    try:
        response = get_storage().serve(key, max_age=max_age)
    except KeyNotFound:
        abort(404)
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/media/products/<filename>")
def product_image(filename: str):
    if not NAME.match(filename):
        abort(404)
    return serve_file(f"products/{filename}")
