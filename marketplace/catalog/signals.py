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

published_products_changed = _signals.signal(
    "published-products-changed",
    doc="""Published products were changed and stay published (sender: their ``Supplier``;
    ``changes``: ``[(product, changed field names), ...]``, flushed): prices, MOQ, colours or
    the port need no admin's review, but moderation checks each change again and sends a
    product that trips a check back to review:
    ``marketplace.moderation.rechecks.recheck_published``.""",
)
