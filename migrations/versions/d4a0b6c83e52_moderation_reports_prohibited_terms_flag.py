"""moderation: reports, prohibited terms, flags

Revision ID: d4a0b6c83e52
Revises: c3f9a5b72d41
Create Date: 2026-11-27 13:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "d4a0b6c83e52"
down_revision = "c3f9a5b72d41"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
