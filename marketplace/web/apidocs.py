"""Interactive API docs at /api/docs, served from the swagger-ui-bundle package (no CDN)."""

from __future__ import annotations

from flask import Blueprint, render_template, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("apidocs", __name__)

DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


@bp.get("/api/docs")
def docs():
    html = render_template("apidocs.html", spec_url=url_for("api-docs.openapi_json"))
    return html, 200, {"Content-Security-Policy": DOCS_CSP}


@bp.get("/api/docs/assets/<path:filename>")
def assets(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
