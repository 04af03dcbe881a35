"""What the catalog announces to the domains above it (blinker signals).

The catalog never imports a higher domain (pyproject.toml, ``domain-layers``); the
receivers are connected by ``create_app`` (``register_receivers``).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

product_entered_review = _signals.signal(
    "product-entered-review",
    doc="""A product has just entered the review queue (sender: the flushed ``Product``):
    submitted, or sent back to review by an edit. Moderation flags it (never refuses it):
    ``marketplace.moderation.checks.check_product``.""",
)
