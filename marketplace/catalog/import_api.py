"""``/api/v1/catalog``: bulk import and export of a supplier's catalog."""

from __future__ import annotations

from marketplace.api_base import Blueprint

blp = Blueprint("catalog_io", __name__, url_prefix="/catalog", description="Bulk import/export")
