"""search: full-text index of visible products (SQLite FTS5; PostgreSQL tsvector + GIN, pg_trgm)

Written by hand: the DDL differs per database and the tables are not in the models'
metadata (env.py's include_object skips tables whose name contains "_fts").

The index starts empty; products already published when this runs are added with
``flask search reindex`` (every later change is indexed by the application).

Revision ID: 5e4c1d2a9b7f
Revises: efb209a53c4d
Create Date: 2026-11-28 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e4c1d2a9b7f"
down_revision = "efb209a53c4d"
branch_labels = None
depends_on = None


def _docs_columns():
    return [
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("products.id", ondelete="CASCADE", name="fk_search_fts_docs_product_id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("is_verified", sa.Boolean(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("moq", sa.Integer(), nullable=False),
        sa.Column("moq_price", sa.Numeric(12, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=True),
    ]


def _docs_indexes():
    op.create_index("ix_search_fts_docs_supplier_id", "search_fts_docs", ["supplier_id"])
    op.create_index("ix_search_fts_docs_category_id", "search_fts_docs", ["category_id"])
    op.create_index("ix_search_fts_docs_moq", "search_fts_docs", ["moq", "product_id"])
    op.create_index("ix_search_fts_docs_moq_price", "search_fts_docs", ["moq_price", "product_id"])


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        from sqlalchemy.dialects import postgresql

        op.create_table(
            "search_fts_docs",
            *_docs_columns(),
            sa.Column("document", postgresql.TSVECTOR(), nullable=False),
            sa.Column("tags", postgresql.ARRAY(sa.Text()), nullable=False),
        )
        _docs_indexes()
        op.create_index(
            "ix_search_fts_docs_document", "search_fts_docs", ["document"], postgresql_using="gin"
        )
        op.create_index(
            "ix_search_fts_docs_tags", "search_fts_docs", ["tags"], postgresql_using="gin"
        )
        op.create_table("search_fts_words", sa.Column("word", sa.Text(), primary_key=True))
        op.execute(
            "CREATE INDEX ix_search_fts_words_trgm ON search_fts_words "
            "USING gin (word gin_trgm_ops)"
        )
    else:
        op.create_table("search_fts_docs", *_docs_columns())
        _docs_indexes()
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "name, category, materials, description, supplier, "
            "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3 4')"
        )
        # Filter tokens apart from the text, so that they never weigh in bm25's lengths.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts_tags USING fts5("
            "tags, detail = none, tokenize = 'unicode61 remove_diacritics 2')"
        )
        op.execute("CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, row)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.drop_table("search_fts_words")
    else:
        op.execute("DROP TABLE search_fts_vocab")
        op.execute("DROP TABLE search_fts_tags")
        op.execute("DROP TABLE search_fts")
    op.drop_table("search_fts_docs")
