"""rfqs, matches and quotations

Revision ID: c3f9a5b72d41
Revises: b2e8f4a61c30
Create Date: 2026-11-27 13:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "c3f9a5b72d41"
down_revision = "b2e8f4a61c30"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
