"""constraints: one open report per reporter and target, one pending verification request
per company

Until now both rules were checked before the insert, so two requests at the same moment
could both pass. Rows that already break them are settled first: of several open reports
by one reporter on one target the newest stays open and the others are dismissed as
duplicates; of several pending verification requests of one company the newest waits and
the others are refused as superseded.

Revision ID: 0a1b2c3d4e5f
Revises: d845876db69d
Create Date: 2026-12-05 12:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0a1b2c3d4e5f"
down_revision = "d845876db69d"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
PENDING = sa.text("status = 'pending'")


def upgrade():
    op.execute(
        """
        UPDATE reports SET status = 'dismissed',
               resolution_note = 'Duplicate of a newer open report by the same user.',
               resolved_at = CURRENT_TIMESTAMP
         WHERE status = 'open' AND EXISTS (
               SELECT 1 FROM reports newer
                WHERE newer.status = 'open' AND newer.reporter_id = reports.reporter_id
                  AND newer.target_type = reports.target_type
                  AND newer.target_id = reports.target_id AND newer.id > reports.id)
        """
    )
    op.execute(
        """
        UPDATE verification_requests SET status = 'refused',
               decision_reason = 'Superseded by a newer request of the same company.',
               decided_at = CURRENT_TIMESTAMP
         WHERE status = 'pending' AND EXISTS (
               SELECT 1 FROM verification_requests newer
                WHERE newer.status = 'pending'
                  AND newer.supplier_id = verification_requests.supplier_id
                  AND newer.id > verification_requests.id)
        """
    )
    op.create_index(
        "uq_reports_one_open",
        "reports",
        ["reporter_id", "target_type", "target_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        "uq_verification_requests_one_pending",
        "verification_requests",
        ["supplier_id"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade():
    op.drop_index("uq_verification_requests_one_pending", table_name="verification_requests")
    op.drop_index("uq_reports_one_open", table_name="reports")
