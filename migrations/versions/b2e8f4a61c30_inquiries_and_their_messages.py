"""inquiries and their messages

Revision ID: b2e8f4a61c30
Revises: a7d1c3e50b21
Create Date: 2026-11-27 13:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2e8f4a61c30"
down_revision = "a7d1c3e50b21"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inquiries",
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("target_unit_price", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=False),
        sa.Column("incoterm", sa.String(length=3), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "replied",
                "closed",
                name="inquirystatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="open",
            nullable=False,
        ),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("buyer_last_read_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("supplier_last_read_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_inquiries_buyer_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_inquiries_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_inquiries_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_inquiries_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiries")),
    )
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.create_index("ix_inquiries_buyer_id_id", ["buyer_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inquiries_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inquiries_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_inquiries_supplier_id_created_at", ["supplier_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_inquiries_supplier_id_id", ["supplier_id", "id"], unique=False)

    op.create_table(
        "inquiry_messages",
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column(
            "sender_side",
            sa.Enum(
                "buyer",
                "supplier",
                name="inquiry_message_side",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiries.id"],
            name=op.f("fk_inquiry_messages_inquiry_id_inquiries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_inquiry_messages_sender_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_messages")),
    )
    with op.batch_alter_table("inquiry_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inquiry_messages_inquiry_id_id", ["inquiry_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inquiry_messages_sender_id"), ["sender_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("inquiry_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_messages_sender_id"))
        batch_op.drop_index("ix_inquiry_messages_inquiry_id_id")

    op.drop_table("inquiry_messages")
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.drop_index("ix_inquiries_supplier_id_id")
        batch_op.drop_index("ix_inquiries_supplier_id_created_at")
        batch_op.drop_index(batch_op.f("ix_inquiries_status"))
        batch_op.drop_index(batch_op.f("ix_inquiries_product_id"))
        batch_op.drop_index("ix_inquiries_buyer_id_id")

    op.drop_table("inquiries")
