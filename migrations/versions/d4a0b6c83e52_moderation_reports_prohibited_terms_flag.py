"""moderation: reports, prohibited terms, flags

Revision ID: d4a0b6c83e52
Revises: c3f9a5b72d41
Create Date: 2026-11-27 13:40:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4a0b6c83e52"
down_revision = "c3f9a5b72d41"
branch_labels = None
depends_on = None

# Footwear and licensed-character brands that counterfeit slippers borrow; admins edit
# the list afterwards (GET/POST/DELETE /api/v1/admin/prohibited-terms).
PROHIBITED_TERMS = [
    "Nike", "Adidas", "Crocs", "Havaianas", "Birkenstock", "Puma", "Reebok", "Skechers",
    "Fila", "Ipanema", "Under Armour", "New Balance", "Vans", "Converse", "UGG", "Asics",
    "Air Jordan", "Yeezy", "Teva", "FitFlop", "Hey Dude", "Grendha", "Timberland",
    "Dr. Martens", "Lacoste", "Gucci", "Louis Vuitton", "Chanel", "Hermès", "Prada",
    "Balenciaga", "Versace", "Dior", "Disney", "Marvel", "Hello Kitty", "Pokémon",
]


def upgrade():
    op.create_table(
        "product_checks",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("flag_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_checks_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_checks")),
    )
    terms = op.create_table(
        "prohibited_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("term_normalized", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_prohibited_terms_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prohibited_terms")),
        sa.UniqueConstraint("term_normalized", name=op.f("uq_prohibited_terms_term_normalized")),
    )
    op.create_table(
        "reports",
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column(
            "target_type",
            sa.Enum(
                "product",
                "supplier",
                "rfq",
                name="reporttargettype",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("target_label", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "dismissed",
                "target_removed",
                name="reportstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="open",
            nullable=False,
        ),
        sa.Column("resolution_note", sa.String(length=2000), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_reports_reporter_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_reports_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_reports_supplier_id_suppliers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_reporter_id_id", ["reporter_id", "id"], unique=False)
        batch_op.create_index("ix_reports_status_id", ["status", "id"], unique=False)
        batch_op.create_index("ix_reports_target", ["target_type", "target_id"], unique=False)

    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # UTCDateTime stores naive UTC text on SQLite
    op.bulk_insert(
        terms,
        [
            {"term": term, "term_normalized": " ".join(term.lower().split()), "created_at": now}
            for term in PROHIBITED_TERMS
        ],
    )


def downgrade():
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_target")
        batch_op.drop_index("ix_reports_status_id")
        batch_op.drop_index("ix_reports_reporter_id_id")

    op.drop_table("reports")
    op.drop_table("prohibited_terms")
    op.drop_table("product_checks")
