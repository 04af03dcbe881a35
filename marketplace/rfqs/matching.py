"""Which suppliers an RFQ goes to, and in what order.

Candidates: every *active* supplier with at least one *published* product in the RFQ's
category.  Each candidate's best-fitting product in that category is scored out of 100:

=============  ======  ===================================================================
what           points  how
=============  ======  ===================================================================
materials        25    share of the RFQ's materials the product is made of (all 25 when
                       the RFQ names none)
MOQ              15    the product's MOQ is at or under the RFQ quantity (else 0)
price            20    the tier price that applies at the RFQ quantity, in the RFQ's
                       currency (indicative rates below), against the target: 20 at or
                       under it, falling to 0 at 50 % above; 10 without a target or rate
capacity         15    monthly capacity (the product's, else the company's) x the months
                       until ``needed_by`` covers the quantity: 15, else in proportion;
                       7 when the factory states none
verified         10    the company is verified by the platform
response rate    15    15 x the company's response rate; 7 for a company without history
=============  ======  ===================================================================

The product that scores best on the first four lines represents the company; the
company lines are added; ties go to verified companies, then better response rates,
then the older account.  The best ``RFQ_MAX_MATCHES`` are stored with their reasons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace import messages
from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier, SupplierStatus

MAX_POINTS = {
    "materials": 25,
    "moq": 15,
    "price": 20,
    "capacity": 15,
    "verified": 10,
    "response": 15,
}
PRICE_ZERO_AT = Decimal("0.5")  # 50 % above the target scores nothing

# Units of each currency per US dollar: indicative, for ranking only (quotations are in the
# RFQ's own currency, so nothing a buyer pays is converted with these).
INDICATIVE_PER_USD = {
    "USD": Decimal("1"),
    "CNY": Decimal("7.2"),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "AED": Decimal("3.67"),
    "INR": Decimal("83"),
    "PHP": Decimal("56"),
    "VND": Decimal("25000"),
    "ZAR": Decimal("18.5"),
    "JPY": Decimal("150"),
    "AUD": Decimal("1.5"),
    "CAD": Decimal("1.36"),
    "HKD": Decimal("7.8"),
    "SGD": Decimal("1.34"),
    "MYR": Decimal("4.7"),
    "THB": Decimal("36"),
    "IDR": Decimal("15800"),
    "SAR": Decimal("3.75"),
    "NGN": Decimal("1500"),
    "KES": Decimal("130"),
    "BRL": Decimal("5.2"),
    "MXN": Decimal("18"),
}


def convert(amount: Decimal, source: str, target: str) -> Decimal | None:
    """``amount`` in ``source`` expressed in ``target`` at the indicative rates, or None."""
    if source == target:
        return amount
    if source not in INDICATIVE_PER_USD or target not in INDICATIVE_PER_USD:
        return None
    return amount / INDICATIVE_PER_USD[source] * INDICATIVE_PER_USD[target]


@dataclass
class Reason:
    """One line of a match's explanation: its sentence is a catalogue ``message`` with
    ``params``, rendered when read (``rfqs.reasons``), so nothing English is stored."""

    code: str
    points: float
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "points": round(self.points),
            "max": MAX_POINTS.get(self.code, 0),
            "params": self.params,
        }


@dataclass
class Fit:
    supplier: Supplier
    product: Product
    reasons: list[Reason]
    product_points: float
    price: Decimal | None  # at the RFQ quantity, in the RFQ currency

    @property
    def score(self) -> int:
        return max(0, min(100, round(sum(r.points for r in self.reasons))))


def score_product(rfq, product: Product, today: date) -> tuple[list[Reason], Decimal | None]:
    """The four product lines of the table above."""
    reasons: list[Reason] = []
    made_of = {m.name.lower(): m.name for m in product.materials}
    asked = list(rfq.materials or [])
    if not asked:
        reasons.append(Reason("materials", 25, messages.MATCH_MATERIALS_ANY, {}))
    else:
        shared = [name for name in asked if name.lower() in made_of]
        reasons.append(
            Reason(
                "materials",
                25 * len(shared) / len(asked),
                messages.MATCH_MATERIALS_SHARED if shared else messages.MATCH_MATERIALS_NONE,
                {"shared": shared, "asked": len(asked)},
            )
        )

    quantity = rfq.quantity
    within = product.moq <= quantity
    reasons.append(
        Reason(
            "moq",
            15 if within else 0,
            messages.MATCH_MOQ_WITHIN if within else messages.MATCH_MOQ_ABOVE,
            {"moq": product.moq, "quantity": quantity},
        )
    )

    tier_price = product.unit_price_at(quantity)
    if tier_price is None and product.price_tiers:
        tier_price = product.price_tiers[0].unit_price  # below the MOQ: the MOQ price
    price = convert(Decimal(tier_price), product.currency, rfq.currency) if tier_price else None
    target = rfq.target_unit_price
    if price is None:
        reasons.append(Reason("price", 10, messages.MATCH_PRICE_NOT_COMPARABLE, {"price": None}))
    elif target is None:
        reasons.append(
            Reason(
                "price",
                10,
                messages.MATCH_PRICE_NO_TARGET,
                {"price": str(price.quantize(Decimal("0.0001"))), "currency": rfq.currency},
            )
        )
    else:
        over = (price - target) / target if target > 0 else Decimal(0)
        points = 20 if over <= 0 else float(max(Decimal(0), 20 * (1 - over / PRICE_ZERO_AT)))
        reasons.append(
            Reason(
                "price",
                points,
                messages.MATCH_PRICE_AT_TARGET if over <= 0 else messages.MATCH_PRICE_OVER_TARGET,
                {
                    "price": str(price.quantize(Decimal("0.0001"))),
                    "currency": rfq.currency,
                    "target": str(target),
                    "over_percent": max(0, round(over * 100)),
                },
            )
        )

    capacity = product.monthly_capacity_pairs or product.supplier.monthly_capacity_pairs
    days = max(0, (rfq.needed_by - today).days)
    if not capacity:
        reasons.append(Reason("capacity", 7, messages.MATCH_CAPACITY_UNKNOWN, {"capacity": None}))
    else:
        possible = capacity * days / 30
        share = min(1.0, possible / quantity) if quantity else 1.0
        reasons.append(
            Reason(
                "capacity",
                15 * share,
                messages.MATCH_CAPACITY_ENOUGH if share >= 1 else messages.MATCH_CAPACITY_PARTIAL,
                {"capacity": capacity, "percent": round(share * 100)},
            )
        )
    return reasons, price


def score_supplier(supplier: Supplier) -> list[Reason]:
    """The two company lines."""
    reasons = []
    if supplier.is_verified:
        reasons.append(Reason("verified", 10, messages.MATCH_VERIFIED, {"verified": True}))
    else:
        reasons.append(Reason("verified", 0, messages.MATCH_NOT_VERIFIED, {"verified": False}))
    rate = supplier.response_rate
    if rate is None:
        reasons.append(Reason("response", 7, messages.MATCH_RESPONSE_UNKNOWN, {"rate": None}))
    else:
        reasons.append(
            Reason(
                "response", 15 * float(rate), messages.MATCH_RESPONSE_RATE, {"rate": float(rate)}
            )
        )
    return reasons


def rank_suppliers(rfq, *, today: date, limit: int) -> list[Fit]:
    """The best ``limit`` candidate suppliers for ``rfq``, best first."""
    products = db.session.scalars(
        sa.select(Product)
        .join(Supplier, Supplier.id == Product.supplier_id)
        .where(
            Product.category_id == rfq.category_id,
            Product.status == ProductStatus.PUBLISHED,
            Supplier.status == SupplierStatus.ACTIVE,
        )
        .options(
            joinedload(Product.supplier),
            selectinload(Product.materials),
            selectinload(Product.price_tiers),
        )
        .order_by(Product.supplier_id, Product.id)
    ).all()
    by_supplier: dict[int, list[Product]] = defaultdict(list)
    for product in products:
        by_supplier[product.supplier_id].append(product)

    fits = []
    for items in by_supplier.values():
        best = None
        for product in items:
            reasons, price = score_product(rfq, product, today)
            points = sum(r.points for r in reasons)
            key = (points, -(price or Decimal(0)))
            if best is None or key > best[0]:
                best = (key, product, reasons, price)
        assert best is not None  # each supplier here has at least one product
        _, product, reasons, price = best
        supplier = product.supplier
        intro = Reason(
            "product",
            0,
            messages.MATCH_PRODUCT,
            {"count": len(items), "product_id": product.id, "sku": product.sku},
        )
        fits.append(
            Fit(
                supplier=supplier,
                product=product,
                reasons=[intro, *reasons, *score_supplier(supplier)],
                product_points=sum(r.points for r in reasons),
                price=price,
            )
        )
    fits.sort(
        key=lambda f: (
            -f.score,
            not f.supplier.is_verified,
            -(float(f.supplier.response_rate) if f.supplier.response_rate is not None else -1),
            f.supplier.id,
        )
    )
    return fits[:limit]
