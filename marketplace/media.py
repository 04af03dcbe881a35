"""Serving uploaded files (in production a reverse proxy may serve UPLOAD_DIR directly)."""

from __future__ import annotations

import os
import re

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("media", __name__)
NAME = re.compile(r"^[0-9a-f]{32}(_thumb)?\.(jpg|png|webp)$")


@bp.get("/media/products/<filename>")
def product_image(filename: str):
    if not NAME.match(filename):
        abort(404)
    directory = os.path.join(current_app.config["UPLOAD_DIR"], "products")
    response = send_from_directory(directory, filename, max_age=7 * 86400)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
