"""Keeping the search index in step with the catalog.

``reindex_products`` rebuilds the index rows of some products (removing those that are
no longer visible); ``reindex_supplier`` and ``reindex_category`` do it for every product
of a supplier or category. They run on the session's connection, inside the caller's
transaction, so the index commits or rolls back with the change itself.

They are called automatically: a listener on every ORM flush collects the products,
price tiers, suppliers (name, status, verification, response rate), certifications and
categories that changed and reindexes what they affect. Code that changes these tables
with Core statements (bulk UPDATEs) must call the functions itself; ``flask search
reindex`` rebuilds everything.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from marketplace.catalog.models import (
    Category,
    Material,
    PriceTier,
    Product,
    ProductStatus,
    product_materials,
)
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.search import text
from marketplace.search.models import docs, fts, fts_tags
from marketplace.suppliers.models import (
    Certification,
    Supplier,
    SupplierStatus,
    VerificationStatus,
)

BATCH = 500
SUPPLIER_FIELDS = ("name", "status", "verification_status", "response_rate")
CATEGORY_FIELDS = ("name", "name_zh", "slug", "is_active")

PG_INSERT = sa.text(
    """
    INSERT INTO search_fts_docs (product_id, supplier_id, category_id, is_verified, quality,
        moq, moq_price, currency, lead_time_days, document, tags)
    VALUES (:product_id, :supplier_id, :category_id, :is_verified, :quality, :moq,
        :moq_price, :currency, :lead_time_days,
        setweight(to_tsvector('english', :text_a), 'A')
        || setweight(to_tsvector('english', :text_b), 'B')
        || setweight(to_tsvector('english', :text_c), 'C')
        || setweight(to_tsvector('english', :text_d), 'D'),
        CAST(:tags AS text[]))
    """
)
PG_WORDS = sa.text("INSERT INTO search_fts_words (word) VALUES (:word) ON CONFLICT DO NOTHING")


def _connection(connection: Connection | None) -> Connection:
    return connection if connection is not None else db.session.connection()


def _is_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def reindex_products(product_ids: Iterable[int], *, connection: Connection | None = None) -> int:
    """Rebuild the index rows of these products; returns how many are now searchable."""
    conn = _connection(connection)
    ids = sorted({int(i) for i in product_ids if i is not None})
    indexed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        _remove(conn, chunk)
        indexed += _add(conn, Product.id.in_(chunk))
    return indexed


def reindex_supplier(supplier_id: int, *, connection: Connection | None = None) -> int:
    conn = _connection(connection)
    ids = set(conn.scalars(sa.select(Product.id).where(Product.supplier_id == supplier_id)))
    ids |= set(conn.scalars(sa.select(docs.c.product_id).where(docs.c.supplier_id == supplier_id)))
    return reindex_products(ids, connection=conn)


def reindex_category(category_id: int, *, connection: Connection | None = None) -> int:
    conn = _connection(connection)
    ids = set(conn.scalars(sa.select(Product.id).where(Product.category_id == category_id)))
    return reindex_products(ids, connection=conn)


def rebuild_all(*, connection: Connection | None = None) -> int:
    """Empty the index and add every visible product again (after bulk loads)."""
    conn = _connection(connection)
    conn.execute(docs.delete())
    if not _is_postgresql(conn):
        conn.execute(fts.delete())
        conn.execute(fts_tags.delete())
    last_id, indexed = 0, 0
    while True:
        chunk = list(
            conn.scalars(
                sa.select(Product.id)
                .where(Product.id > last_id, Product.status == ProductStatus.PUBLISHED)
                .order_by(Product.id)
                .limit(BATCH * 4)
            )
        )
        if not chunk:
            return indexed
        indexed += _add(conn, Product.id.in_(chunk))
        last_id = chunk[-1]


def _remove(conn: Connection, ids: list[int]) -> None:
    conn.execute(docs.delete().where(docs.c.product_id.in_(ids)))
    if not _is_postgresql(conn):
        conn.execute(fts.delete().where(fts.c.rowid.in_(ids)))
        conn.execute(fts_tags.delete().where(fts_tags.c.rowid.in_(ids)))


def _size_tags(sizes) -> list[str]:
    values: list[Decimal] = []
    try:
        if isinstance(sizes, dict):
            current, end = Decimal(str(sizes["from"])), Decimal(str(sizes["to"]))
            while current <= end and len(values) < 200:
                values.append(current)
                current += Decimal("0.5")
        elif isinstance(sizes, list):
            values = [Decimal(str(v)) for v in sizes]
    except (KeyError, TypeError, ArithmeticError, ValueError):
        return []
    return [text.size_tag(v) for v in values]


def _add(conn: Connection, product_filter) -> int:
    p, s, c = Product, Supplier, Category
    rows = conn.execute(
        sa.select(
            p.id,
            p.supplier_id,
            p.category_id,
            p.name,
            p.description,
            p.moq,
            p.currency,
            p.lead_time_days,
            p.sizes,
            p.colors,
            p.customization,
            s.name.label("supplier_name"),
            s.verification_status,
            s.response_rate,
            c.name.label("category_name"),
            c.name_zh.label("category_name_zh"),
        )
        .join(s, s.id == p.supplier_id)
        .join(c, c.id == p.category_id)
        .where(
            product_filter, p.status == ProductStatus.PUBLISHED, s.status == SupplierStatus.ACTIVE
        )
    ).all()
    if not rows:
        return 0
    ids = [r.id for r in rows]
    materials: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for product_id, name, name_zh in conn.execute(
        sa.select(product_materials.c.product_id, Material.name, Material.name_zh)
        .join(Material, Material.id == product_materials.c.material_id)
        .where(product_materials.c.product_id.in_(ids))
        .order_by(Material.name)
    ):
        materials[product_id].append((name, name_zh))
    first_price: dict[int, Decimal] = {}
    for product_id, unit_price in conn.execute(
        sa.select(PriceTier.product_id, PriceTier.unit_price)
        .where(PriceTier.product_id.in_(ids))
        .order_by(PriceTier.product_id, PriceTier.min_qty)
    ):
        first_price.setdefault(product_id, unit_price)
    today = utcnow().date()
    certifications: dict[int, set[str]] = defaultdict(set)
    for supplier_id, name, valid_until in conn.execute(
        sa.select(Certification.supplier_id, Certification.name, Certification.valid_until).where(
            Certification.supplier_id.in_({r.supplier_id for r in rows})
        )
    ):
        if valid_until is None or valid_until >= today:
            certifications[supplier_id].add(text.tag("cert", name))

    documents, lexicon = [], set()
    for r in rows:
        if r.id not in first_price:
            continue  # a product always has tiers; never index a half-written one
        mats = materials.get(r.id, [])
        verified = r.verification_status == VerificationStatus.VERIFIED
        tags = {text.tag("mat", name) for name, _ in mats}
        tags |= {text.tag("col", color) for color in (r.colors or []) if isinstance(color, str)}
        tags |= {text.tag("cus", option) for option in (r.customization or [])}
        tags |= set(_size_tags(r.sizes))
        tags |= certifications.get(r.supplier_id, set())
        doc = {
            "product_id": r.id,
            "supplier_id": r.supplier_id,
            "category_id": r.category_id,
            "is_verified": verified,
            "quality": (2.0 if verified else 0.0) + float(r.response_rate or 0),
            "moq": r.moq,
            "moq_price": first_price[r.id],
            "currency": r.currency,
            "lead_time_days": r.lead_time_days,
            "name": text.index_text(r.name),
            "category": text.index_text(r.category_name, r.category_name_zh, unique=True),
            "materials": text.index_text(*(f"{n} {zh or ''}" for n, zh in mats), unique=True),
            "description": text.index_text(r.description),
            "supplier": text.index_text(r.supplier_name),
            "tags": sorted(t for t in tags if len(t) <= 60),
        }
        documents.append(doc)
        for field in ("name", "category", "materials", "description"):
            lexicon.update(
                w for w in doc[field].split() if 3 <= len(w) <= 30 and not text.CJK_CHAR.match(w)
            )
    if not documents:
        return 0
    if _is_postgresql(conn):
        conn.execute(
            PG_INSERT,
            [
                {
                    **{k: d[k] for k in (c.name for c in docs.c) if k not in ("document", "tags")},
                    "text_a": d["name"],
                    "text_b": f"{d['category']} {d['materials']}",
                    "text_c": d["description"],
                    "text_d": d["supplier"],
                    "tags": d["tags"],
                }
                for d in documents
            ],
        )
        conn.execute(PG_WORDS, [{"word": w} for w in sorted(lexicon)])
    else:
        doc_columns = [k for k in (c.name for c in docs.c) if k not in ("document", "tags")]
        conn.execute(sa.insert(docs), [{k: d[k] for k in doc_columns} for d in documents])
        conn.execute(
            sa.insert(fts),
            [
                {
                    "rowid": d["product_id"],
                    **{k: d[k] for k in ("name", "category", "materials", "description")},
                    "supplier": d["supplier"],
                }
                for d in documents
            ],
        )
        conn.execute(
            sa.insert(fts_tags),
            [{"rowid": d["product_id"], "tags": " ".join(d["tags"])} for d in documents],
        )
    return len(documents)


# Automatic sync on ORM flushes ---------------------------------------------------

_PENDING = "search_reindex_pending"


def _changed(obj, fields: Iterable[str]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _after_flush(session: Session, _context) -> None:
    pending = session.info.setdefault(
        _PENDING, {"products": set(), "suppliers": set(), "categories": set()}
    )
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Product):
            pending["products"].add(obj.id)
        elif isinstance(obj, PriceTier):
            pending["products"].add(obj.product_id)
        elif isinstance(obj, Certification):
            pending["suppliers"].add(obj.supplier_id)
        elif isinstance(obj, Supplier):
            if obj in session.deleted or (
                obj not in session.new and _changed(obj, SUPPLIER_FIELDS)
            ):
                pending["suppliers"].add(obj.id)
        elif (
            isinstance(obj, Category) and obj not in session.new and _changed(obj, CATEGORY_FIELDS)
        ):
            pending["categories"].add(obj.id)


def _after_flush_postexec(session: Session, _context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not any(pending.values()):
        return
    conn = session.connection()
    products = {i for i in pending["products"] if i is not None}
    for supplier_id in pending["suppliers"]:
        if supplier_id is not None:
            reindex_supplier(supplier_id, connection=conn)
    for category_id in pending["categories"]:
        reindex_category(category_id, connection=conn)
    if products:
        reindex_products(products, connection=conn)


def install_listeners() -> None:
    """Index every ORM change of the catalog (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
