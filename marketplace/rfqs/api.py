"""The RFQs and quotations API (being built)."""

from __future__ import annotations

from marketplace.api_base import Blueprint

blp = Blueprint("rfqs", __name__, url_prefix="", description="RFQs and quotations")
