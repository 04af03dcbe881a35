"""factory_boy factories; every user's password is ``conftest.PASSWORD``.

Accounts and companies are plain rows.  Products, RFQs, quotations and inquiries carry
rules (tiers against the MOQ, moderation states, matching, quotas), so their factories
build a request body (the ``*_payload`` functions, overridable field by field), load it
with the API's own input schema and create the object through the services the API
calls: a factory-made object is one a user could have made.  Every factory commits (a
savepoint of the test's transaction), so an error response's rollback cannot take it.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from marketplace import transaction
from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.accounts.passwords import hash_password
from marketplace.catalog import services as catalog_services
from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.schemas import ProductInputSchema
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.inquiries import services as inquiry_services
from marketplace.inquiries.models import Inquiry
from marketplace.rfqs import services as rfq_services
from marketplace.rfqs.models import RFQ, Quotation
from marketplace.rfqs.schemas import QuotationInputSchema, RFQCreateSchema
from marketplace.suppliers.models import Supplier, SupplierStatus, VerificationStatus
from tests.conftest import PASSWORD


@functools.cache
def _password_hash_for(parameters: tuple[int, int, int]) -> str:
    return hash_password(PASSWORD)


def password_hash() -> str:
    """PASSWORD hashed with the app's argon2 settings (cheap under TestingConfig), once."""
    from flask import current_app

    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    return _password_hash_for(key)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - the test's session
        # Commit (a savepoint inside the test transaction) so an error response's rollback
        # cannot take the rows a test set up with it.
        sqlalchemy_session_persistence = "commit"


class SupplierFactory(BaseFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Neikeng Slipper Factory {n} Co., Ltd.")
    description = "EVA and PVC slippers for export."
    city = "Neikeng, Jinjiang"
    province = "Fujian"
    country = "CN"
    year_established = 2005
    employees = 120
    monthly_capacity_pairs = 300_000
    main_markets = factory.LazyFunction(lambda: ["US", "PH"])
    status = SupplierStatus.ACTIVE
    verification_status = VerificationStatus.UNVERIFIED


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    email_normalized = factory.LazyAttribute(lambda o: o.email.lower())
    password_hash = factory.LazyFunction(password_hash)
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.BUYER
    country = "US"


class BuyerFactory(UserFactory):
    role = Role.BUYER
    email = factory.Sequence(lambda n: f"buyer{n}@importer.example")
    company_name = factory.Sequence(lambda n: f"Importer {n} LLC")


class SupplierOwnerFactory(UserFactory):
    role = Role.SUPPLIER
    email = factory.Sequence(lambda n: f"owner{n}@factory.example")
    country = "CN"
    supplier = factory.SubFactory(SupplierFactory)
    company_role = CompanyRole.OWNER


class SupplierStaffFactory(SupplierOwnerFactory):
    email = factory.Sequence(lambda n: f"staff{n}@factory.example")
    company_role = CompanyRole.STAFF


class AdminFactory(UserFactory):
    role = Role.ADMIN
    email = factory.Sequence(lambda n: f"admin{n}@platform.example")
    country = None


# --- request bodies --------------------------------------------------------------------


def product_payload(**overrides) -> dict[str, Any]:
    """A complete ``POST /products`` body: a women's EVA bathroom slipper."""
    payload = {
        "sku": "EVA-SL-001",
        "name": "Women's EVA bathroom slippers, anti-slip",
        "description": "Soft one-piece EVA, drainage holes, quick-drying.",
        "category": "eva-slippers",
        "materials": ["EVA"],
        "sizes": {"system": "EU", "from": 36, "to": 41},
        "colors": ["white", "pink", "grey"],
        "moq": 1000,
        "currency": "USD",
        "price_tiers": [
            {"min_qty": 1000, "unit_price": "1.20"},
            {"min_qty": 5000, "unit_price": "1.05"},
            {"min_qty": 20000, "unit_price": "0.95"},
        ],
        "lead_time_days": 30,
        "sample_available": True,
        "sample_price": "5.00",
        "customization": ["logo", "color", "packaging"],
        "pairs_per_carton": 60,
        "carton_dimensions_cm": {"length": 60, "width": 40, "height": 35},
        "carton_weight_kg": "9.5",
        "port_of_loading": "Xiamen",
        "incoterms": ["FOB", "EXW"],
        "hs_code": "6402.99",
        "monthly_capacity_pairs": 300000,
    }
    payload.update(overrides)
    return payload


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def rfq_payload(**overrides) -> dict[str, Any]:
    """A complete ``POST /rfqs`` body: a Manila hotel chain's EVA slippers."""
    now = utcnow()
    payload = {
        "title": "EVA bathroom slippers for a hotel chain",
        "category": "eva-slippers",
        "materials": ["EVA"],
        "quantity": 20000,
        "target_unit_price": "1.10",
        "currency": "USD",
        "destination_country": "PH",
        "incoterm": "FOB",
        "needed_by": (now + timedelta(days=90)).date().isoformat(),
        "quote_deadline": iso(now + timedelta(days=10)),
        "description": "Anti-slip sole, custom logo on the strap.",
    }
    payload.update(overrides)
    return payload


def quote_payload(**overrides) -> dict[str, Any]:
    """A complete quotation body."""
    payload = {
        "unit_price": "1.05",
        "moq": 5000,
        "lead_time_days": 35,
        "valid_until": (utcnow() + timedelta(days=30)).date().isoformat(),
        "incoterm": "FOB",
        "notes": "Logo printed on the strap, 2 colours.",
    }
    payload.update(overrides)
    return payload


def inquiry_payload(**overrides) -> dict[str, Any]:
    """A complete ``POST /inquiries`` body (without its target)."""
    payload = {
        "quantity": 5000,
        "destination_country": "PH",
        "message": "Women's EVA slides, sizes 36-41, 3 colours. Best FOB Xiamen price?",
    }
    payload.update(overrides)
    return payload


# --- objects with rules: made through the services ---------------------------------


class ServiceFactory(factory.Factory):
    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError(f"{cls.__name__} only creates: the services make the object")


class ProductFactory(ServiceFactory):
    """A product of ``supplier`` (a new company by default), moved to ``status`` as its
    supplier and an admin would: ``ProductFactory(status=ProductStatus.PUBLISHED,
    moq=500, price_tiers=[...])``."""

    class Meta:
        model = Product

    supplier = factory.SubFactory(SupplierFactory)
    status = ProductStatus.DRAFT
    sku = factory.Sequence(lambda n: f"EVA-SL-{n:05d}")

    @classmethod
    def _create(cls, model_class, supplier, status, **fields):
        data = ProductInputSchema().load(product_payload(**fields))
        product = catalog_services.create_product(supplier, data)
        product = _move_product(product, status)
        transaction.commit()
        return product


def _move_product(product: Product, status: ProductStatus) -> Product:
    if status == ProductStatus.DRAFT:
        return product
    if status == ProductStatus.ARCHIVED:
        return catalog_services.archive_product(product)
    catalog_services.submit_product(product)
    if status == ProductStatus.PENDING_REVIEW:
        return product
    if status == ProductStatus.REJECTED:
        return catalog_services.reject_product(product, "Photos are missing.")
    catalog_services.approve_product(product)
    if status == ProductStatus.SUSPENDED:
        return catalog_services.suspend_product(product, "Counterfeit brand logo.")
    return product


class RFQFactory(ServiceFactory):
    """An RFQ posted (and matched to the suppliers whose catalog fits) by ``buyer``."""

    class Meta:
        model = RFQ

    buyer = factory.SubFactory(BuyerFactory)

    @classmethod
    def _create(cls, model_class, buyer, **fields):
        data = RFQCreateSchema().load(rfq_payload(**fields))
        rfq = rfq_services.create_rfq(buyer, data)
        transaction.commit()
        return rfq


class QuotationFactory(ServiceFactory):
    """A quotation on ``rfq`` by ``author``, a member of a supplier the RFQ matched."""

    class Meta:
        model = Quotation

    @classmethod
    def _create(cls, model_class, rfq=None, author=None, **fields):
        if rfq is None or author is None:
            raise TypeError("QuotationFactory needs rfq= and author= (a matched supplier's)")
        data = QuotationInputSchema().load(quote_payload(**fields))
        quotation, _created = rfq_services.submit_quotation(rfq, author, data)
        transaction.commit()
        return quotation


class InquiryFactory(ServiceFactory):
    """An inquiry from ``buyer`` about ``product`` (published) or to ``supplier``."""

    class Meta:
        model = Inquiry

    buyer = factory.SubFactory(BuyerFactory)
    product = None
    supplier = factory.LazyAttribute(
        lambda o: o.product.supplier if o.product is not None else SupplierFactory()
    )

    @classmethod
    def _create(cls, model_class, buyer, product, supplier, **fields):
        target = {"supplier_id": supplier.id}
        if product is not None:
            target["product_id"] = product.id
        inquiry = inquiry_services.create_inquiry(buyer, {**inquiry_payload(**fields), **target})
        transaction.commit()
        return inquiry
