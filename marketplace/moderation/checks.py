"""Automatic checks run when a product is submitted for review.

They flag, never reject: the flags are stored with the product (``ProductCheck``,
replaced at every submission) and shown to the admins in the review queue, who decide.

- ``prohibited_term``: a term of the admins' list (brand names, mostly) appears as a
  whole word, case-insensitively, in the name, description or materials;
- ``near_duplicate``: another product of the same supplier has a name at least
  ``NEAR_DUPLICATE_SIMILARITY`` similar (normalised names, ``difflib``);
- ``price_outlier``: the price at the MOQ, or the MOQ itself, is more than
  ``PRICE_OUTLIER_FACTOR`` times above or below the median of the published products
  of the same category (prices: in the same currency), when at least
  ``PRICE_OUTLIER_MIN_PRODUCTS`` of them are there to judge by.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from flask import current_app

from marketplace.catalog.models import PriceTier, Product, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.fields import format_money
from marketplace.moderation.models import ProductCheck, ProhibitedTerm
from marketplace.suppliers.models import Supplier, SupplierStatus

Flag = dict[str, str]
PROHIBITED_TERM = "prohibited_term"
NEAR_DUPLICATE = "near_duplicate"
PRICE_OUTLIER = "price_outlier"
MAX_DUPLICATES_SHOWN = 3


def normalise_term(term: str) -> str:
    """How a prohibited term is stored for uniqueness: lower case, single spaces."""
    return " ".join(term.lower().split())


def normalise_name(name: str) -> str:
    """A product name reduced to its words: NFKC, case-folded, punctuation dropped."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


@lru_cache(maxsize=512)
def term_pattern(term: str) -> re.Pattern[str]:
    """The whole-word, case-insensitive pattern of a term; its words may be separated by
    any run of spaces, hyphens or underscores ("Hello-Kitty", "under  armour")."""
    words = [re.escape(word) for word in term.split()]
    return re.compile(r"(?<!\w)" + r"[\s_-]+".join(words) + r"(?!\w)", re.IGNORECASE)


def prohibited_terms_in(
    texts: dict[str, str], terms: Iterable[str] | None = None
) -> list[tuple[str, list[str]]]:
    """Each prohibited term (the admins' list, by default) found in ``texts``, with the
    names of the texts it appears in, in the order of the terms."""
    if terms is None:
        terms = db.session.scalars(sa.select(ProhibitedTerm.term).order_by(ProhibitedTerm.term))
    found = []
    for term in terms:
        pattern = term_pattern(term)
        where = [name for name, text in texts.items() if pattern.search(text)]
        if where:
            found.append((term, where))
    return found


def prohibited_term_flags(product: Product, terms: Iterable[str] | None = None) -> list[Flag]:
    fields = {
        "name": product.name or "",
        "description": product.description or "",
        "materials": " ".join(m.name for m in product.materials),
    }
    return [
        {
            "code": PROHIBITED_TERM,
            "reason": f'The prohibited term "{term}" appears in the {_and(where)}: '
            "check that this is not a counterfeit or unlicensed product.",
        }
        for term, where in prohibited_terms_in(fields, terms)
    ]


def prohibited_terms_in_identity(supplier: Supplier, *, values: dict[str, str]) -> dict[str, str]:
    """A company's new name or address (``suppliers.signals.identity_changing``): the
    first prohibited term in each field.  Unlike a product's flags, these refuse."""
    found: dict[str, str] = {}
    for term, where in prohibited_terms_in(values):
        for field in where:
            found.setdefault(field, term)
    return found


def near_duplicate_flags(product: Product) -> list[Flag]:
    threshold = float(current_app.config["NEAR_DUPLICATE_SIMILARITY"])
    name = normalise_name(product.name or "")
    if not name:
        return []
    others = db.session.execute(
        sa.select(Product.id, Product.sku, Product.name, Product.status).where(
            Product.supplier_id == product.supplier_id,
            Product.id != product.id,
            Product.status != ProductStatus.ARCHIVED,
        )
    ).all()
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(name)  # the expensive side is computed once
    similar = []
    for other_id, sku, other_name, status in others:
        matcher.set_seq1(normalise_name(other_name))
        if (
            matcher.real_quick_ratio() >= threshold
            and matcher.quick_ratio() >= threshold
            and (ratio := matcher.ratio()) >= threshold
        ):
            similar.append((ratio, other_id, sku, other_name, status))
    similar.sort(key=lambda item: (-item[0], item[1]))
    return [
        {
            "code": NEAR_DUPLICATE,
            "reason": f'The name is {ratio:.0%} similar to "{other_name}" '
            f"(SKU {sku}, product {other_id}, {ProductStatus(status).value}) "
            "of the same supplier.",
        }
        for ratio, other_id, sku, other_name, status in similar[:MAX_DUPLICATES_SHOWN]
    ]


def _published_peers(product: Product) -> sa.Select:
    return (
        sa.select(Product.id)
        .join(Supplier, Supplier.id == Product.supplier_id)
        .where(
            Product.category_id == product.category_id,
            Product.status == ProductStatus.PUBLISHED,
            Supplier.status == SupplierStatus.ACTIVE,
            Product.id != product.id,
        )
    )


def price_outlier_flags(product: Product) -> list[Flag]:
    config = current_app.config
    factor = Decimal(str(config["PRICE_OUTLIER_FACTOR"]))
    enough = int(config["PRICE_OUTLIER_MIN_PRODUCTS"])
    category = product.category.name if product.category else "this category"
    flags = []
    peers = _published_peers(product).subquery()
    moqs = list(
        db.session.scalars(sa.select(Product.moq).where(Product.id.in_(sa.select(peers.c.id))))
    )
    if product.moq and len(moqs) >= enough:
        median = Decimal(statistics.median(moqs))
        if problem := _outside(Decimal(product.moq), median, factor):
            flags.append(
                {
                    "code": PRICE_OUTLIER,
                    "reason": f"The MOQ of {product.moq:,} pairs is {problem} the median MOQ "
                    f"of the published {category} ({median:,.0f} pairs, "
                    f"{len(moqs)} products).",
                }
            )
    if product.price_tiers and product.currency:
        price = Decimal(product.price_tiers[0].unit_price)
        prices = list(
            db.session.scalars(
                sa.select(PriceTier.unit_price)
                .join(Product, Product.id == PriceTier.product_id)
                .where(
                    Product.id.in_(sa.select(peers.c.id)),
                    Product.currency == product.currency,
                    PriceTier.min_qty == Product.moq,
                )
            )
        )
        if len(prices) >= enough:
            median = Decimal(statistics.median(Decimal(p) for p in prices))
            if problem := _outside(price, median, factor):
                flags.append(
                    {
                        "code": PRICE_OUTLIER,
                        "reason": f"The price at the MOQ, {product.currency} "
                        f"{format_money(price)}, is {problem} the median of the published "
                        f"{category} in {product.currency} "
                        f"({format_money(median)}, {len(prices)} products).",
                    }
                )
    return flags


def _outside(value: Decimal, median: Decimal, factor: Decimal) -> str | None:
    if median <= 0:
        return None
    if value > median * factor:
        return f"more than {_factor(factor)} times"
    if value * factor < median:
        return f"less than 1/{_factor(factor)} of"
    return None


def _factor(factor: Decimal) -> str:
    return format(factor.normalize(), "f")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def compute_flags(product: Product) -> list[Flag]:
    """Every check's flags for ``product`` as it is now (nothing is written)."""
    return [
        *prohibited_term_flags(product),
        *near_duplicate_flags(product),
        *price_outlier_flags(product),
    ]


def check_product(product: Product) -> ProductCheck:
    """Run the checks and store their flags with the product (replacing earlier ones)."""
    flags = compute_flags(product)
    check = db.session.get(ProductCheck, product.id)
    if check is None:
        check = ProductCheck(product_id=product.id)
        db.session.add(check)
    check.flags = flags
    check.flag_count = len(flags)
    check.checked_at = utcnow()
    db.session.flush()
    return check


def flags_for(products: Iterable[Product]) -> dict[int, list[dict[str, Any]]]:
    """The flags to show for each product: the stored ones when they were computed at or
    after its last submission; otherwise (a product sent back to review by a bulk import,
    which does not run the checks row by row) computed now, without writing."""
    products = list(products)
    stored = {
        check.product_id: check
        for check in db.session.scalars(
            sa.select(ProductCheck).where(ProductCheck.product_id.in_([p.id for p in products]))
        )
    }
    result = {}
    for product in products:
        check = stored.get(product.id)
        fresh = check is not None and (
            product.submitted_at is None or check.checked_at >= product.submitted_at
        )
        if check is not None and fresh:
            result[product.id] = list(check.flags)
        elif product.status == ProductStatus.PENDING_REVIEW:
            result[product.id] = compute_flags(product)
        else:
            result[product.id] = list(check.flags) if check is not None else []
    return result
