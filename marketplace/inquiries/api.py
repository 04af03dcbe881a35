"""The Inquiries API (being built)."""

from __future__ import annotations

from marketplace.api_base import Blueprint

blp = Blueprint("inquiries", __name__, url_prefix="", description="Inquiries")
