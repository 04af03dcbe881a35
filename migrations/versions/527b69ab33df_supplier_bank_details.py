"""suppliers: bank details (free text printed on proforma invoices)

``suppliers.bank_details`` is the company's beneficiary, bank, account and SWIFT as
several lines of text; only the company's members and admins see it.

Revision ID: 527b69ab33df
Revises: fedf5315a1bb
Create Date: 2026-12-05 17:00:12.524554

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "527b69ab33df"
down_revision = "fedf5315a1bb"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_details", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_column("bank_details")
