"""Changes to published products, checked again.

Prices, MOQ, colours, the port and the other commercial fields of a published product
change without an admin's review (docs/api-contract.md), so a listing approved at a fair
price could drop to 0.0001 and lead every price-sorted search, or name a brand in its
colours. Every such change runs the prohibited-term and price checks over what changed
(``checks.change_flags``); a hit sends the product back to review at once: it leaves
the public catalog and search (the index follows the status on flush), the admins see
the flags in the queue, an audit row says why, and the supplier is told why, on the
product (``rejection_reason``) and by a notification. Clean changes stay published.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.moderation import checks
from marketplace.notifications.services import notify
from marketplace.suppliers.models import Supplier

ACTION = "product.flagged_after_change"


def recheck_published(supplier: Supplier, *, changes: Sequence[tuple[Product, set[str]]]) -> None:
    """Receiver of ``catalog.signals.published_products_changed``: the terms list and the
    category figures are loaded once for the whole batch (an import)."""
    terms = checks.load_terms()
    peers = checks.PeerFigures()
    flagged = []
    for product, changed in changes:
        if product.status != ProductStatus.PUBLISHED:
            continue
        flags = checks.change_flags(product, changed, terms=terms, peers=peers)
        if flags:
            flagged.append((product, flags, changed))
    if not flagged:
        return
    members = list(
        db.session.scalars(sa.select(User).where(User.supplier_id == supplier.id).order_by(User.id))
    )
    for product, flags, changed in flagged:
        _send_back(product, flags, changed, members)


def _send_back(product: Product, flags: list[checks.Flag], changed: set[str], members) -> None:
    reason = "Sent back to review by the automatic checks: " + " ".join(
        flag["reason"] for flag in flags
    )
    before = product.status
    catalog.send_back_to_review(product, reason)
    checks.check_product(product)  # every check's flags, for the review queue
    audit.record(
        ACTION,
        product,
        before=before,
        after=product.status,
        reason=reason[:2000],
        details={
            "sku": product.sku,
            "name": product.name,
            "flags": [flag["code"] for flag in flags],
            "changed": sorted(changed),
        },
    )
    notify(
        members,
        "product.sent_back_to_review",
        f"Back in review: {product.name}",
        f"Your product {product.sku} was changed and is hidden from buyers until the "
        f"platform reviews it again. {reason}",
        link=f"/dashboard/products/{product.id}",
        subject={"product_id": product.id},
    )
