"""The in-app notification list API (being built)."""

from __future__ import annotations

from marketplace.api_base import Blueprint

blp = Blueprint("notifications", __name__, url_prefix="", description="Notifications")
