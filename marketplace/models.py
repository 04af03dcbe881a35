"""Import every model so SQLAlchemy's metadata (and Alembic) sees the whole schema."""

from marketplace.accounts.models import ApiToken, User, UserSession  # noqa: F401
from marketplace.suppliers.models import Supplier  # noqa: F401
