"""The supplier directory: ``GET /api/v1/suppliers`` (and the public directory page).

Active suppliers only. ``q`` is matched through the directory's full-text index
(``search_fts_suppliers``: PostgreSQL tsvector + GIN, SQLite FTS5) over the name (weighted
most), city and province, and description; every word must match, a word the index does
not have as such is a prefix ("jinj"). "Makes products in a category" asks the product
search index (published products of the supplier, by supplier and category).

Sorts: ``relevance`` (with ``q``; text rank, then newest), ``response_rate`` (highest
first, suppliers without one last) and ``newest``. Pages are keyset pages with signed
cursors, one salt per sort (newest first: ``paginate_by_id``'s, so older cursors work).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace.db import utcnow
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.pagination import decode_cursor, encode_cursor
from marketplace.search import text
from marketplace.search.backends import backend_for
from marketplace.search.models import docs
from marketplace.suppliers.models import (
    Certification,
    Supplier,
    SupplierStatus,
    VerificationStatus,
)

SORTS = ("relevance", "response_rate", "newest")


def _place_matches(column, value: str):
    """``value`` is the whole column or one of its comma-separated parts, any case
    ("Jinjiang" matches "Neikeng, Jinjiang")."""
    lowered, value = sa.func.lower(column), value.strip().lower()
    return sa.or_(
        lowered == value,
        lowered.like(f"{_escape(value)},%", escape="\\"),
        lowered.like(f"%, {_escape(value)}", escape="\\"),
        lowered.like(f"%, {_escape(value)},%", escape="\\"),
    )


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Words:
    """``q`` as a match on the directory index, and its rank (the search backend's)."""

    def __init__(self, q: str):
        self.terms = text.parse_query(q)
        self.backend = backend_for(db.session)

    @property
    def empty(self) -> bool:
        return not self.terms

    def join(self, query: sa.Select) -> sa.Select:
        return self.backend.directory_match(query, self.terms)

    @property
    def score(self):
        """Larger is better; a float8 on both databases (it travels in cursors)."""
        return self.backend.directory_score(self.terms)


def directory_query(
    *,
    q: str | None = None,
    verified: bool | None = None,
    certification: str | None = None,
    market: str | None = None,
    city: str | None = None,
    province: str | None = None,
    category: str | None = None,
    min_capacity: int | None = None,
    sort: str | None = None,  # accepted and ignored: the order is search_suppliers'
) -> sa.Select:
    """Active suppliers passing every filter given (a SELECT of Supplier, unordered)."""
    query = sa.select(Supplier).where(Supplier.status == SupplierStatus.ACTIVE)
    if q:
        words = _Words(q)
        query = query.where(sa.false()) if words.empty else words.join(query)
    if verified is not None:
        condition = Supplier.verification_status == VerificationStatus.VERIFIED
        query = query.where(condition if verified else ~condition)
    if certification:
        # Only a certificate that is still valid counts; an expired BSCI is no BSCI.
        query = query.where(
            Supplier.certifications.any(
                sa.and_(
                    sa.func.lower(Certification.name) == certification.strip().lower(),
                    sa.or_(
                        Certification.valid_until.is_(None),
                        Certification.valid_until >= utcnow().date(),
                    ),
                )
            )
        )
    if market:
        # main_markets is a short JSON list of two-letter codes: match the quoted code.
        query = query.where(sa.cast(Supplier.main_markets, sa.String).contains(f'"{market}"'))
    if city:
        query = query.where(_place_matches(Supplier.city, city))
    if province:
        query = query.where(_place_matches(Supplier.province, province))
    if category:
        from marketplace.catalog.models import Category

        category_id = (
            sa.select(Category.id)
            .where(Category.slug == category.strip().lower())
            .scalar_subquery()
        )
        # One probe of the index (supplier, category) for each supplier.
        query = query.where(
            sa.exists().where(docs.c.supplier_id == Supplier.id, docs.c.category_id == category_id)
        )
    if min_capacity is not None:
        query = query.where(Supplier.monthly_capacity_pairs >= min_capacity)
    return query


def _sort_keys(sort: str, words: _Words | None) -> list[tuple[Any, bool]]:
    """(expression, descending); the last is always the supplier id, newest first."""
    if sort == "relevance" and words is not None and not words.empty:
        return [(words.score, True), (Supplier.id, True)]
    if sort == "response_rate":
        # Suppliers without a rate (no inquiries yet) come last: -1 stands for them.
        rate = sa.func.coalesce(sa.cast(Supplier.response_rate, sa.Float), -1.0)
        return [(rate, True), (Supplier.id, True)]
    return [(Supplier.id, True)]


def _after(keys: list[tuple[Any, bool]], values: list[Any]):
    condition = None
    for (expr, descending), value in reversed(list(zip(keys, values, strict=True))):
        beyond = expr < value if descending else expr > value
        condition = (
            beyond if condition is None else sa.or_(beyond, sa.and_(expr == value, condition))
        )
    return condition


def _salt(sort: str) -> str:
    # Newest first keeps the salt (and the shape, [id]) of marketplace.pagination's pages:
    # its cursors stay valid, in the API and on the directory page.
    return "suppliers" if sort == "newest" else f"suppliers:{sort}"


def _cursor(sort: str, cursor: str, length: int) -> list[Any]:
    values = decode_cursor(cursor, salt=_salt(sort), length=length)
    if not isinstance(values[-1], int) or isinstance(values[-1], bool):
        raise ValidationFailed(errors={"cursor": ["Invalid cursor."]})
    for value in values[:-1]:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationFailed(errors={"cursor": ["Invalid cursor."]})
    return values


def search_suppliers(args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of the directory: ``{"items": [Supplier, ...], "next_cursor": ...}``."""
    filters = {k: v for k, v in args.items() if k not in ("limit", "cursor", "sort")}
    limit = args.get("limit") or 20
    sort = args.get("sort") or ("relevance" if args.get("q") else "newest")
    words = _Words(args["q"]) if args.get("q") else None
    if sort == "relevance" and (words is None or words.empty):
        sort = "newest"
    keys = _sort_keys(sort, words)
    query = directory_query(**filters).add_columns(*(expr for expr, _ in keys[:-1]))
    if args.get("cursor"):
        query = query.where(_after(keys, _cursor(sort, args["cursor"], len(keys))))
    query = query.order_by(*(e.desc() if d else e.asc() for e, d in keys)).limit(limit + 1)
    rows = db.session.execute(query.options(selectinload(Supplier.certifications))).all()
    next_cursor = None
    if len(rows) > limit:
        supplier, *values = rows[limit - 1]
        next_cursor = encode_cursor([*values, supplier.id], salt=_salt(sort))
    return {"items": [row[0] for row in rows[:limit]], "next_cursor": next_cursor}
