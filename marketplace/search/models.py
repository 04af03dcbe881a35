"""The search index tables.

They are created by a hand-written migration (dialect-specific DDL) and kept out of the
application's metadata: Alembic's ``include_object`` ignores tables whose name contains
``_fts``. These ``Table`` objects only build queries.

- ``search_fts_docs``: one row per *visible* product (published, supplier active), with
  the columns that filters, sorts and facets need. On PostgreSQL it also holds the
  weighted ``document`` tsvector (GIN) and the filter ``tags`` (text[], GIN).
- SQLite: ``search_fts`` (FTS5, rowid = product id; the text columns), ``search_fts_tags``
  (FTS5, the filter tokens) and
  ``search_fts_vocab`` (fts5vocab over it, for spelling suggestions).
- PostgreSQL: ``search_fts_words``, the words of the catalog with a trigram index, for
  spelling suggestions ("slipers" -> "slippers").
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
    # PostgreSQL only:
    sa.Column("document", postgresql.TSVECTOR),
    sa.Column("tags", postgresql.ARRAY(sa.Text)),
)

fts = sa.Table(
    "search_fts",
    search_metadata,
    sa.Column("rowid", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("materials", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("supplier", sa.Text),
)

fts_tags = sa.Table(
    "search_fts_tags",
    search_metadata,
    sa.Column("rowid", sa.Integer, primary_key=True),
    sa.Column("tags", sa.Text),
)

words = sa.Table("search_fts_words", search_metadata, sa.Column("word", sa.Text, primary_key=True))

# FTS5 columns that a user's words are matched against, and their bm25 weights
# (name A, category and materials B, description C, supplier D), in PostgreSQL's default
# proportions: FTS5 sums the weighted frequencies before bm25 saturates them, so large
# weights would make every match look alike.
FTS_TEXT_COLUMNS = ("name", "category", "materials", "description", "supplier")
BM25_WEIGHTS = (1.0, 0.4, 0.4, 0.2, 0.1)
