"""inquiries and their messages

Revision ID: b2e8f4a61c30
Revises: a7d1c3e50b21
Create Date: 2026-11-27 13:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "b2e8f4a61c30"
down_revision = "a7d1c3e50b21"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
