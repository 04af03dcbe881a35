"""The Moderation (admins only) API (being built)."""

from __future__ import annotations

from marketplace.api_base import Blueprint

blp = Blueprint("moderation", __name__, url_prefix="", description="Moderation (admins only)")
