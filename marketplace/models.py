"""Import every model so SQLAlchemy's metadata (and Alembic) sees the whole schema."""

from marketplace.accounts.models import ApiToken, User, UserSession  # noqa: F401
from marketplace.audit.models import AuditEntry  # noqa: F401
from marketplace.catalog.models import (  # noqa: F401
    Category,
    Material,
    PriceTier,
    Product,
    ProductImage,
)
from marketplace.notifications.models import Notification, OutboxEmail  # noqa: F401
from marketplace.suppliers.models import (  # noqa: F401
    Certification,
    Supplier,
    VerificationRequest,
)
