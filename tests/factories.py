"""factory_boy factories; every user's password is ``conftest.PASSWORD``."""

from __future__ import annotations

import functools

import factory
from factory.alchemy import SQLAlchemyModelFactory

from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.accounts.passwords import hash_password
from marketplace.extensions import db
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
