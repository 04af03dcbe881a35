"""Automatic checks run when a product is submitted for review, and on every change of a
published product (``marketplace.moderation.rechecks``).

They flag, never reject: the flags are stored with the product (``ProductCheck``,
replaced at every submission) and shown to the admins in the review queue, who decide.
A change of a published product that trips the prohibited-term or the price check sends
it back to that queue.

- ``prohibited_term``: a term of the admins' list (brand names, mostly) appears in the
  name, description, materials, colours or port of loading: as whole words, whatever the
  case, diacritics, spacing, punctuation, invisible characters, fullwidth or look-alike
  letters (``termmatch``);
- ``near_duplicate``: another product of the same supplier has a name at least
  ``NEAR_DUPLICATE_SIMILARITY`` similar (normalised names, ``difflib``);
- ``price_outlier``: the price at the MOQ, or the MOQ itself, is more than
  ``PRICE_OUTLIER_FACTOR`` times above or below the median of the published products
  of the same category (prices: in the same currency), when at least
  ``PRICE_OUTLIER_MIN_PRODUCTS`` of them are there to judge by.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

import sqlalchemy as sa
from flask import current_app

from marketplace.catalog.models import PriceTier, Product, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.fields import format_money
from marketplace.moderation.models import ProductCheck, ProhibitedTerm
from marketplace.moderation.termmatch import term_matcher
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


# The product's free texts the prohibited terms are looked for in: field -> (what the flag
# calls it, its text).
TERM_FIELDS: dict[str, tuple[str, Callable[[Product], str]]] = {
    "name": ("name", lambda p: p.name or ""),
    "description": ("description", lambda p: p.description or ""),
    "materials": ("materials", lambda p: " ".join(m.name for m in p.materials)),
    "colors": ("colors", lambda p: " ; ".join(c for c in p.colors or [] if isinstance(c, str))),
    "port_of_loading": ("port of loading", lambda p: p.port_of_loading or ""),
}
# A change of one of these can make the price at the MOQ or the MOQ an outlier.
PRICE_FIELDS = frozenset({"moq", "price_tiers", "currency", "category"})


def load_terms() -> list[str]:
    return list(db.session.scalars(sa.select(ProhibitedTerm.term).order_by(ProhibitedTerm.term)))


def prohibited_terms_in(
    texts: dict[str, str], terms: Iterable[str] | None = None
) -> list[tuple[str, list[str]]]:
    """Each prohibited term (the admins' list, by default) found in ``texts``, disguises
    included (termmatch), with the names of the texts it appears in, in the terms' order."""
    matcher = term_matcher(tuple(load_terms() if terms is None else terms))
    found = {name: set(matcher.find(text)) for name, text in texts.items()}
    hits = []
    for term, _key in matcher.terms:
        where = [name for name, terms_there in found.items() if term in terms_there]
        if where:
            hits.append((term, where))
    return hits


def prohibited_term_flags(
    product: Product, terms: Iterable[str] | None = None, *, only: Iterable[str] | None = None
) -> list[Flag]:
    """The terms found in the product's texts (``only``: in these fields of TERM_FIELDS)."""
    chosen = TERM_FIELDS if only is None else {f: TERM_FIELDS[f] for f in only if f in TERM_FIELDS}
    texts = {label: text(product) for label, text in chosen.values()}
    return [
        {
            "code": PROHIBITED_TERM,
            "reason": f'The prohibited term "{term}" appears in the {_and(where)}: '
            "check that this is not a counterfeit or unlicensed product.",
        }
        for term, where in prohibited_terms_in(texts, terms)
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


class PeerFigures:
    """The MOQs and MOQ prices of the published products (of active suppliers) per
    category, loaded once per category (and currency) for checking many products: a
    product's own figures are left out of its medians."""

    def __init__(self) -> None:
        self._moqs: dict[int, _Sample] = {}
        self._prices: dict[tuple[int, str], _Sample] = {}

    def moqs(self, category_id: int) -> _Sample:
        if category_id not in self._moqs:
            rows = db.session.execute(
                sa.select(Product.id, Product.moq).where(_published_in(category_id))
            )
            self._moqs[category_id] = _Sample((i, Decimal(moq)) for i, moq in rows)
        return self._moqs[category_id]

    def prices(self, category_id: int, currency: str) -> _Sample:
        key = (category_id, currency)
        if key not in self._prices:
            rows = db.session.execute(
                sa.select(Product.id, PriceTier.unit_price)
                .join(PriceTier, PriceTier.product_id == Product.id)
                .where(
                    _published_in(category_id),
                    Product.currency == currency,
                    PriceTier.min_qty == Product.moq,
                )
            )
            self._prices[key] = _Sample((i, Decimal(price)) for i, price in rows)
        return self._prices[key]


def _published_in(category_id: int) -> sa.ColumnElement[bool]:
    active = sa.select(Supplier.id).where(Supplier.status == SupplierStatus.ACTIVE)
    return sa.and_(
        Product.category_id == category_id,
        Product.status == ProductStatus.PUBLISHED,
        Product.supplier_id.in_(active),
    )


class _Sample:
    """Values by product id, sorted once; the median without one product's value in
    O(log n)."""

    def __init__(self, rows: Iterable[tuple[int, Decimal]]) -> None:
        self.by_id = dict(rows)
        self.values = sorted(self.by_id.values())

    def median_without(self, product_id: int | None) -> tuple[Decimal, int]:
        """(median, number of values) of the others; the median is 0 when there are none."""
        values, own = self.values, self.by_id.get(product_id) if product_id else None
        count = len(values) - (own is not None)
        if count == 0:
            return Decimal(0), 0
        skip = bisect.bisect_left(values, own) if own is not None else len(values)

        def at(i: int) -> Decimal:
            return values[i if i < skip else i + 1]

        middle = count // 2
        median = at(middle) if count % 2 else (at(middle - 1) + at(middle)) / 2
        return median, count


def price_outlier_flags(product: Product, peers: PeerFigures | None = None) -> list[Flag]:
    config = current_app.config
    factor = Decimal(str(config["PRICE_OUTLIER_FACTOR"]))
    enough = int(config["PRICE_OUTLIER_MIN_PRODUCTS"])
    category = product.category.name if product.category else "this category"
    peers = peers or PeerFigures()
    flags = []
    if product.moq and product.category_id:
        median, count = peers.moqs(product.category_id).median_without(product.id)
        if count >= enough and (problem := _outside(Decimal(product.moq), median, factor)):
            flags.append(
                {
                    "code": PRICE_OUTLIER,
                    "reason": f"The MOQ of {product.moq:,} pairs is {problem} the median MOQ "
                    f"of the published {category} ({median:,.0f} pairs, "
                    f"{count} products).",
                }
            )
    if product.price_tiers and product.currency and product.category_id:
        price = Decimal(product.price_tiers[0].unit_price)
        median, count = peers.prices(product.category_id, product.currency).median_without(
            product.id
        )
        if count >= enough and (problem := _outside(price, median, factor)):
            flags.append(
                {
                    "code": PRICE_OUTLIER,
                    "reason": f"The price at the MOQ, {product.currency} "
                    f"{format_money(price)}, is {problem} the median of the published "
                    f"{category} in {product.currency} "
                    f"({format_money(median)}, {count} products).",
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


def change_flags(
    product: Product, changed: Iterable[str], *, terms: Iterable[str], peers: PeerFigures
) -> list[Flag]:
    """The prohibited-term and price flags a change of a published product raises: the
    terms in the texts that changed, the price check when a price field changed (what an
    admin approved earlier is not flagged again by an unrelated change)."""
    changed = set(changed)
    flags = prohibited_term_flags(product, terms, only=changed & TERM_FIELDS.keys())
    if changed & PRICE_FIELDS:
        flags += price_outlier_flags(product, peers)
    return flags


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
