"""The search index tables.

They are created by a hand-written migration (dialect-specific DDL) and kept out of the
application's metadata: Alembic's ``include_object`` ignores tables whose name contains
``_fts``. These ``Table`` objects only build queries.

- ``search_fts_docs``: one row per *visible* product (published, supplier active), with
  the columns that filters, sorts and facets need, and its ``rank_key`` (see
  ``rank_key()``). On PostgreSQL it also holds the weighted ``document`` tsvector (GIN) and
  the filter ``tags`` (text[], GIN).
- ``search_fts_prices``: the product's price tiers, each with the range of quantities it
  applies to (``min_qty``..``max_qty``), so the price at a quantity is one indexed row.
- ``search_fts_suppliers``: the words of the supplier directory.
- ``search_fts_cards``: each searchable product's result card (JSON), so a page of
  results is one primary-key look-up.
- ``search_fts_words``: the words of the catalog, for spelling suggestions ("slipers" ->
  "slippers"); PostgreSQL looks them up with a trigram index.
- SQLite: ``search_fts_text`` (FTS5, rowid = rank key: the text columns and the filter
  tokens, so FTS5 hands out matches in rank order) and ``search_fts_tags`` (FTS5, rowid =
  product id: the filter tokens alone, for searches without words, newest first).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

search_metadata = sa.MetaData()

docs = sa.Table(
    "search_fts_docs",
    search_metadata,
    sa.Column("product_id", sa.Integer, primary_key=True),
    sa.Column("supplier_id", sa.Integer, nullable=False),
    sa.Column("category_id", sa.Integer, nullable=False),
    sa.Column("is_verified", sa.Boolean, nullable=False),
    # verified (2) + response rate (0..1): the tie-break after text relevance.
    sa.Column("quality", sa.Float, nullable=False),
    sa.Column("moq", sa.Integer, nullable=False),
    sa.Column("moq_price", sa.Numeric(12, 4), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("lead_time_days", sa.Integer),
    sa.Column("rank_key", sa.BigInteger, nullable=False),
    # PostgreSQL only: the text of relevance levels 0 (name), 1 (name, category,
    # materials) and 2 (everything, weighted A-D), each with its GIN index.
    sa.Column("doc_name", postgresql.TSVECTOR),
    sa.Column("doc_core", postgresql.TSVECTOR),
    sa.Column("document", postgresql.TSVECTOR),
    sa.Column("tags", postgresql.ARRAY(sa.Text)),
)

prices = sa.Table(
    "search_fts_prices",
    search_metadata,
    sa.Column("product_id", sa.Integer, primary_key=True),
    sa.Column("min_qty", sa.Integer, primary_key=True),
    sa.Column("max_qty", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.Numeric(12, 4), nullable=False),
)

fts = sa.Table(
    "search_fts_text",
    search_metadata,
    sa.Column("rowid", sa.BigInteger, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("materials", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("supplier", sa.Text),
    sa.Column("tags", sa.Text),
)

fts_tags = sa.Table(
    "search_fts_tags",
    search_metadata,
    sa.Column("rowid", sa.Integer, primary_key=True),
    sa.Column("tags", sa.Text),
)

# The supplier directory's words: PostgreSQL a weighted tsvector (name A, city and
# province B, description C); SQLite an FTS5 table with those columns (rowid = supplier id).
supplier_docs = sa.Table(
    "search_fts_suppliers",
    search_metadata,
    sa.Column("supplier_id", sa.Integer, primary_key=True),
    sa.Column("document", postgresql.TSVECTOR),
)
supplier_fts = sa.Table(
    "search_fts_suppliers",
    sa.MetaData(),
    sa.Column("rowid", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("place", sa.Text),
    sa.Column("description", sa.Text),
)

# Each searchable product's result card: the JSON of its search result (see cards.py).
cards = sa.Table(
    "search_fts_cards",
    search_metadata,
    sa.Column("product_id", sa.Integer, primary_key=True),
    sa.Column("card", sa.Text, nullable=False),
)

words = sa.Table("search_fts_words", search_metadata, sa.Column("word", sa.Text, primary_key=True))

# Relevance levels: where a product's text holds every word of a query. Level 0: all in
# the name; 1: in name, category or materials; 2: anywhere (description, supplier name).
# Each level is the FTS5 columns (SQLite) or the tsvector column (PostgreSQL) it searches.
LEVEL_COLUMNS = (
    ("name",),
    ("name", "category", "materials"),
    ("name", "category", "materials", "description", "supplier"),
)
LEVEL_DOCUMENTS = ("doc_name", "doc_core", "document")
LEVELS = range(len(LEVEL_COLUMNS))
VERIFIED_QUALITY = 2000

QUALITY_SHIFT = 2**31  # product ids are 32-bit


def quality(is_verified: bool, response_rate) -> int:
    """Verified suppliers first, then by response rate: 0..3000."""
    return (VERIFIED_QUALITY if is_verified else 0) + round(float(response_rate or 0) * 1000)


def rank_key(quality_value: int, product_id: int) -> int:
    """One integer that orders products by quality, then newest (larger first)."""
    return quality_value * QUALITY_SHIFT + product_id
