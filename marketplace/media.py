"""Serving uploaded files from whichever storage backend holds them.

Streamed through the app by default (local files with ``send_file``; S3 objects chunk
by chunk), or with ``STORAGE_SERVE=redirect`` and S3, a 302 to a presigned link that
expires after ``STORAGE_PRESIGN_SECONDS``.

A product's photos are public while the product is (published, by an active supplier),
and may then be cached by anyone for a week.  A draft's, a pending, rejected, archived or
suspended product's, or a suspended supplier's photos are served only to that supplier's
members and the admins, marked private and never stored by shared caches; 404 for
everyone else, as for the product itself.  Every file is sent with its stored type (on
the local backend, its extension's), nosniff and a sandboxing CSP, so an uploaded file
can never run as a page.  Unknown names are 404s, whatever the backend says.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort

from marketplace.catalog import images
from marketplace.permissions import authenticated_user, can_view_supplier_private
from marketplace.storage import KeyNotFound, get_storage

bp = Blueprint("media", __name__)
NAME = re.compile(r"^[0-9a-f]{32}(_thumb)?\.(jpg|png|webp)$")
MAX_AGE_SECONDS = 7 * 86400  # names are never reused: a file may be cached long
SANDBOX_CSP = "default-src 'none'; sandbox"


def serve_file(key: str, *, max_age: int = MAX_AGE_SECONDS, private: bool = False) -> Response:
    """The response for a stored file; 404 if it is not there."""
    try:
        response = get_storage().serve(key, max_age=max_age, private=private)
    except KeyNotFound:
        abort(404)
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/media/products/<filename>")
def product_image(filename: str):
    if not NAME.match(filename):
        abort(404)
    product = images.product_of_image(filename)
    if product is None:
        abort(404)
    if product.is_public:
        return serve_file(f"products/{filename}")
    if not can_view_supplier_private(authenticated_user(), product.supplier_id):
        abort(404)
    return serve_file(f"products/{filename}", private=True)
