"""search cards: each searchable product's result card, stored with its index rows

``search_fts_cards`` holds the JSON a search result shows for one product (the
``SearchItemSchema`` dump, written by the indexer with the rest of the product's index
rows), so a page of results is one primary-key look-up instead of loading each product
with its supplier, materials, tiers and images and serialising it on every search. A
table of its own: the cards would otherwise widen the rows that filters and facets read.

Products indexed before this migration have no card until ``flask search reindex``;
until then search builds theirs from the catalog (the same schema).

Revision ID: f6c2d8e94a73
Revises: e5b1c7d94f63
Create Date: 2026-11-27 17:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f6c2d8e94a73"
down_revision = "e5b1c7d94f63"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_fts_cards",
        # No foreign key, like the other index tables: the indexer removes a product's
        # card with its document.
        sa.Column("product_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("card", sa.Text(), nullable=False),
    )


def downgrade():
    op.drop_table("search_fts_cards")
