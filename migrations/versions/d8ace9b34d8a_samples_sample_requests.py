"""samples: sample requests

``sample_requests``: a buyer's request for sample pairs of one product, the supplier's
terms (fees, currency, lead time), the shipment's tracking and when each move happened.

Revision ID: d8ace9b34d8a
Revises: 527b69ab33df
Create Date: 2026-12-05 16:19:07.092912

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d8ace9b34d8a"
down_revision = "527b69ab33df"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sample_requests",
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("quantity_pairs", sa.Integer(), nullable=False),
        sa.Column("sizes", sa.JSON(), nullable=False),
        sa.Column("colors", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "quoted",
                "accepted",
                "shipped",
                "received",
                "declined",
                "cancelled",
                name="samplestatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="requested",
            nullable=False,
        ),
        sa.Column("fee", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("shipping_fee", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("ready_in_days", sa.Integer(), nullable=True),
        sa.Column("tracking_carrier", sa.String(length=100), nullable=True),
        sa.Column("tracking_reference", sa.String(length=100), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("quoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "fee IS NULL OR fee >= 0", name=op.f("ck_sample_requests_fee_not_negative")
        ),
        sa.CheckConstraint(
            "quantity_pairs > 0", name=op.f("ck_sample_requests_quantity_pairs_positive")
        ),
        sa.CheckConstraint(
            "shipping_fee IS NULL OR shipping_fee >= 0",
            name=op.f("ck_sample_requests_shipping_fee_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
            name=op.f("fk_sample_requests_buyer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_sample_requests_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_sample_requests_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_requests")),
    )
    with op.batch_alter_table("sample_requests", schema=None) as batch_op:
        batch_op.create_index("ix_sample_requests_buyer_id_id", ["buyer_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sample_requests_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sample_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_sample_requests_supplier_id_id", ["supplier_id", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("sample_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_sample_requests_supplier_id_id")
        batch_op.drop_index(batch_op.f("ix_sample_requests_status"))
        batch_op.drop_index(batch_op.f("ix_sample_requests_product_id"))
        batch_op.drop_index("ix_sample_requests_buyer_id_id")

    op.drop_table("sample_requests")
