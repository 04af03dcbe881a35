"""catalog: import jobs (a file above IMPORT_SYNC_MAX_ROWS rows is imported by a job)

``import_jobs`` holds each queued import: the stored upload's key (cleared once the file
is deleted), its status (queued, running, succeeded, failed, expired), the counts, the
per-row report and the times. A new table: nothing to migrate.

Revision ID: fedf5315a1bb
Revises: 2d4585f2d541
Create Date: 2026-12-05 16:21:00.188001

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "fedf5315a1bb"
down_revision = "2d4585f2d541"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_jobs",
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "expired",
                name="import_job_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_import_jobs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_import_jobs_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_jobs_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_import_jobs_status_created_at", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_import_jobs_supplier_id"), ["supplier_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_jobs_supplier_id"))
        batch_op.drop_index("ix_import_jobs_status_created_at")
        batch_op.drop_index(batch_op.f("ix_import_jobs_created_by_id"))

    op.drop_table("import_jobs")
