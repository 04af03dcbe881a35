"""jobs: failed tasks for the admins; when each RFQ match's supplier was notified

``failed_tasks`` records a background task that failed its last retry (or could not be
queued), for ``/admin/jobs`` and ``flask jobs``. ``rfq_matches.notified_at`` lets the
fan-out job claim each match once; matches made before this migration were notified in
their own request, so they count as notified when they were made.

Revision ID: d845876db69d
Revises: a8e4f0c61d95
Create Date: 2026-12-04 14:58:40.492025

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d845876db69d"
down_revision = "a8e4f0c61d95"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "failed_tasks",
        sa.Column("task_name", sa.String(length=200), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_failed_tasks_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_tasks")),
    )
    with op.batch_alter_table("failed_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_failed_tasks_resolved_at_id", ["resolved_at", "id"], unique=False)

    with op.batch_alter_table("rfq_matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE rfq_matches SET notified_at = created_at")


def downgrade():
    with op.batch_alter_table("rfq_matches", schema=None) as batch_op:
        batch_op.drop_column("notified_at")

    with op.batch_alter_table("failed_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_failed_tasks_resolved_at_id")

    op.drop_table("failed_tasks")
