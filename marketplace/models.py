"""Import every model so SQLAlchemy's metadata (and Alembic) sees the whole schema."""

from marketplace.accounts.models import ApiToken, User, UserSession  # noqa: F401
from marketplace.audit.models import AuditEntry  # noqa: F401
from marketplace.catalog.models import (  # noqa: F401
    Category,
    ImportJob,
    Material,
    PriceTier,
    Product,
    ProductImage,
)
from marketplace.inquiries.models import Inquiry, InquiryMessage  # noqa: F401
from marketplace.jobs.models import FailedTask  # noqa: F401
from marketplace.moderation.models import ProductCheck, ProhibitedTerm, Report  # noqa: F401
from marketplace.notifications.models import Notification, OutboxEmail  # noqa: F401
from marketplace.orders.models import (  # noqa: F401
    Order,
    OrderDocument,
    OrderEvent,
    OrderNumberCounter,
)
from marketplace.rfqs.models import RFQ, Quotation, QuotationRevision, RFQMatch  # noqa: F401
from marketplace.samples.models import SampleRequest  # noqa: F401
from marketplace.suppliers.models import (  # noqa: F401
    Certification,
    Supplier,
    VerificationRequest,
)
