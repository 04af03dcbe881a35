"""search at scale: rank keys, the price tiers in the index, one FTS5 table for words and filters

Written by hand, like 5e4c1d2a9b7f (the index tables are not in the models' metadata).

- ``search_fts_docs.rank_key``: verified (2) + response rate, in thousandths, shifted
  above the product id. Ordered by it, products come by quality, then newest first:
  the tie-break of relevance as one indexed integer that a search walks in order and
  stops after a page, instead of scoring every match.
- ``search_fts_prices``: each price tier with the quantities it applies to, so "price at
  quantity" is an indexed range look-up (and an index walk for ``price_asc``).
- PostgreSQL: ``doc_name`` and ``doc_core``, the tsvectors of the first two relevance
  levels (name; name, category and materials), each with a GIN index and statistics of
  its own, so each level is an exact index look-up the planner can cost.
- SQLite: ``search_fts_text`` replaces ``search_fts``: the same text columns plus the
  filter tokens (with the category and the supplier now), with the rank key as rowid, so
  that FTS5 returns matches in rank order and words and filters meet in one MATCH. ``search_fts_words`` (the catalog's words, for
  spelling suggestions) replaces the fts5vocab table, which counts every document of
  every candidate word on each look-up.
- ``search_fts_suppliers``: the words of the supplier directory (name, city and province,
  description); and an index of the searchable products by supplier and category ("makes
  products in this category").

Existing index rows are carried over; ``flask search reindex`` rebuilds everything.

Revision ID: e5b1c7d94f63
Revises: d4a0b6c83e52
Create Date: 2026-11-29 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5b1c7d94f63"
down_revision = "d4a0b6c83e52"
branch_labels = None
depends_on = None

RANK_KEY = "(CAST(round(quality * 1000) AS BIGINT) * 2147483648 + product_id)"


def _prices_table():
    op.create_table(
        "search_fts_prices",
        # No foreign key: the indexer removes a product's rows with its document (a
        # cascade would delete row by row when the whole index is rebuilt).
        sa.Column("product_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("min_qty", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("max_qty", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(12, 4), nullable=False),
    )
    op.create_index(
        "ix_search_fts_prices_unit_price",
        "search_fts_prices",
        ["unit_price", "product_id", "min_qty", "max_qty"],
    )
    op.execute(
        """
        INSERT INTO search_fts_prices (product_id, min_qty, max_qty, unit_price)
        SELECT t.product_id, t.min_qty,
               coalesce(lead(t.min_qty) OVER (PARTITION BY t.product_id ORDER BY t.min_qty) - 1,
                        2147483647),
               t.unit_price
        FROM price_tiers t JOIN search_fts_docs d ON d.product_id = t.product_id
        """
    )


def _suppliers_index(dialect: str) -> None:
    """The supplier directory's words (name, place, description), filled here with
    plain SQL; ``flask search reindex`` and every later change write them normalised."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        op.create_table(
            "search_fts_suppliers",
            sa.Column("supplier_id", sa.Integer(), primary_key=True, autoincrement=False),
            sa.Column("document", postgresql.TSVECTOR(), nullable=False),
        )
        op.create_index(
            "ix_search_fts_suppliers_document",
            "search_fts_suppliers",
            ["document"],
            postgresql_using="gin",
        )
        op.execute(
            """
            INSERT INTO search_fts_suppliers (supplier_id, document)
            SELECT id,
                setweight(to_tsvector('english', lower(name)), 'A')
                || setweight(to_tsvector('english',
                       lower(coalesce(city, '') || ' ' || coalesce(province, ''))), 'B')
                || setweight(to_tsvector('english', lower(description)), 'C')
            FROM suppliers
            """
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_fts_suppliers USING fts5("
        "name, place, description, "
        "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3 4')"
    )
    op.execute(
        """
        INSERT INTO search_fts_suppliers (rowid, name, place, description)
        SELECT id, lower(name), lower(coalesce(city, '') || ' ' || coalesce(province, '')),
               lower(description)
        FROM suppliers
        """
    )


def upgrade():
    dialect = op.get_bind().dialect.name
    # "Has published products in this category", for the supplier directory.
    op.create_index(
        "ix_search_fts_docs_supplier_category", "search_fts_docs", ["supplier_id", "category_id"]
    )
    op.drop_index("ix_search_fts_docs_supplier_id", table_name="search_fts_docs")
    _suppliers_index(dialect)
    op.add_column(
        "search_fts_docs",
        sa.Column("rank_key", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute(f"UPDATE search_fts_docs SET rank_key = {RANK_KEY}")
    op.create_index("ix_search_fts_docs_rank_key", "search_fts_docs", ["rank_key"], unique=True)
    _prices_table()
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        for column, weights in (("doc_name", "{a}"), ("doc_core", "{a,b}")):
            op.add_column(
                "search_fts_docs",
                sa.Column(
                    column, postgresql.TSVECTOR(), nullable=False, server_default=sa.text("''::tsvector")
                ),
            )
            op.execute(f"UPDATE search_fts_docs SET {column} = ts_filter(document, '{weights}')")
            op.create_index(
                f"ix_search_fts_docs_{column}",
                "search_fts_docs",
                [column],
                postgresql_using="gin",
            )
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_fts_text USING fts5("
        "name, category, materials, description, supplier, tags, "
        "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3 4')"
    )
    op.execute(
        """
        INSERT INTO search_fts_text (rowid, name, category, materials, description, supplier, tags)
        SELECT d.rank_key, f.name, f.category, f.materials, f.description, f.supplier,
               coalesce(t.tags, '') || ' cat' || replace(c.slug, '-', '') || ' sup' || d.supplier_id
        FROM search_fts_docs d
        JOIN search_fts f ON f.rowid = d.product_id
        JOIN categories c ON c.id = d.category_id
        LEFT JOIN search_fts_tags t ON t.rowid = d.product_id
        """
    )
    # The category and supplier become filter tokens on SQLite (text.tag("cat", slug)).
    op.execute(
        """
        UPDATE search_fts_tags SET tags = tags || ' cat' || (
            SELECT replace(c.slug, '-', '') FROM search_fts_docs d
            JOIN categories c ON c.id = d.category_id WHERE d.product_id = search_fts_tags.rowid
        ) || ' sup' || (
            SELECT d.supplier_id FROM search_fts_docs d WHERE d.product_id = search_fts_tags.rowid
        )
        """
    )
    op.execute("CREATE TABLE search_fts_words (word TEXT PRIMARY KEY) WITHOUT ROWID")
    op.execute(
        "INSERT INTO search_fts_words (word) SELECT term FROM search_fts_vocab "
        "WHERE length(term) BETWEEN 3 AND 30 AND term NOT GLOB '*[^a-z]*'"
    )
    op.execute("DROP TABLE search_fts_vocab")
    op.execute("DROP TABLE search_fts")


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_table("search_fts_suppliers")
    op.create_index("ix_search_fts_docs_supplier_id", "search_fts_docs", ["supplier_id"])
    op.drop_index("ix_search_fts_docs_supplier_category", table_name="search_fts_docs")
    if dialect == "sqlite":
        op.execute("DROP TABLE search_fts_words")
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "name, category, materials, description, supplier, "
            "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3 4')"
        )
        op.execute(
            """
            INSERT INTO search_fts (rowid, name, category, materials, description, supplier)
            SELECT d.product_id, f.name, f.category, f.materials, f.description, f.supplier
            FROM search_fts_docs d JOIN search_fts_text f ON f.rowid = d.rank_key
            """
        )
        op.execute("CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, row)")
        op.execute("DROP TABLE search_fts_text")
    else:
        for column in ("doc_name", "doc_core"):
            op.drop_index(f"ix_search_fts_docs_{column}", table_name="search_fts_docs")
            op.drop_column("search_fts_docs", column)
    op.drop_table("search_fts_prices")
    op.drop_index("ix_search_fts_docs_rank_key", table_name="search_fts_docs")
    with op.batch_alter_table("search_fts_docs") as batch_op:
        batch_op.drop_column("rank_key")
