"""Demo data for ``make run`` (``flask --app wsgi seed-demo``): a slice of the Neikeng
slipper cluster, its catalog and some overseas buyers.

* Data as data: the companies, product lines, RFQs, inquiry threads and moderation
  cases are TOML files in ``data/``, read into frozen dataclasses by ``loader.py``;
  the code here only walks them through the services (the pictures are drawn).

* Deterministic: every choice comes from ``random.Random`` seeded with
  ``DEMO_DATA_SEED`` and the supplier's key, so the same seed gives the same data.
* Idempotent: companies are found by their owner's e-mail, accounts by e-mail,
  products by (supplier, SKU); what exists is left alone, so a second run adds
  nothing (it only rewrites demo picture files that went missing from UPLOAD_DIR).
* Rule-abiding: products are loaded through ``ProductInputSchema`` and created and
  moved through the catalog services, profiles through the supplier schema and
  services; a demo record those refuse is a bug in the demo.
* No administrator account: use ``flask --app wsgi create-admin EMAIL``.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app

from marketplace.accounts import services as accounts
from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product
from marketplace.catalog.schemas import ProductInputSchema
from marketplace.db import utcnow
from marketplace.demo.loader import SupplierSpec, demo_data
from marketplace.demo.moderation import load_moderation_demo
from marketplace.demo.pictures import PictureMaker
from marketplace.demo.products import plan_products
from marketplace.demo.samples import load_sample_demo
from marketplace.demo.sourcing import load_sourcing_demo
from marketplace.extensions import db
from marketplace.moderation import services as moderation_services
from marketplace.notifications.models import OutboxEmail
from marketplace.suppliers import services as suppliers
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.schemas import SupplierUpdateSchema

DEMO_PASSWORD = "neikeng-demo-2026"

_PASSWORD_HASH: list[str] = []


@dataclass
class DemoReport:
    suppliers_created: int = 0
    suppliers_existing: int = 0
    accounts_created: int = 0
    products_created: Counter = field(default_factory=Counter)
    products_existing: int = 0
    images_created: int = 0
    files_written: int = 0
    sourcing: Counter = field(default_factory=Counter)
    samples: Counter = field(default_factory=Counter)
    moderation: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def __str__(self) -> str:
        companies = demo_data().companies
        made = sum(self.products_created.values())
        states = ", ".join(f"{n} {state}" for state, n in sorted(self.products_created.items()))
        lines = [
            f"Demo data ready in {self.seconds:.1f} s.",
            f"  suppliers: {self.suppliers_created} created, {self.suppliers_existing} already "
            "there",
            f"  accounts:  {self.accounts_created} created",
            f"  products:  {made} created{f' ({states})' if states else ''}, "
            f"{self.products_existing} already there",
            f"  images:    {self.images_created} created, {self.files_written} files written",
            f"  sourcing:  {_counts(self.sourcing) or 'nothing new'}",
            f"  samples:   {_moderation(self.samples)}",
            f"  moderation: {_moderation(self.moderation)}",
            f"Demo password for every account: {DEMO_PASSWORD}",
            f"  supplier owner: {companies.suppliers[0].owner_email}   "
            f"buyer: {companies.buyers[0].email}",
            "  (no admin account: flask --app wsgi create-admin EMAIL)",
        ]
        return "\n".join(lines)


class _Seeder:
    def __init__(self, seed: int, products_per_supplier: int | None = None):
        self.seed = seed
        self.products_per_supplier = products_per_supplier
        self.report = DemoReport()
        self.pictures = PictureMaker(seed)
        self.today = date.today()
        self.companies = demo_data().companies

    def rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))  # noqa: S311

    @property
    def password_hash(self) -> str:
        # argon2 is slow on purpose: hash the shared demo password once per process
        if not _PASSWORD_HASH:
            accounts.check_new_password(DEMO_PASSWORD, field="password")
            _PASSWORD_HASH.append(accounts.hash_password(DEMO_PASSWORD))
        return _PASSWORD_HASH[0]

    def account(self, email: str, name: str, role: Role, **fields) -> tuple[User, bool]:
        user = accounts.get_user_by_email(email)
        if user is not None:
            return user, False
        user = User(
            email=email,
            email_normalized=accounts.normalize_email(email),
            password_hash=self.password_hash,
            name=name,
            role=role,
            password_changed_at=utcnow(),
            **fields,
        )
        db.session.add(user)
        self.report.accounts_created += 1
        return user, True

    # Suppliers ---------------------------------------------------------------

    def supplier(self, spec: SupplierSpec) -> None:
        rng = self.rng(spec.key, "profile")
        profile = self.profile(spec, rng)
        staff = self.staff(spec, rng)
        licence = self.companies.licence_areas[spec.city] + "".join(
            rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10)
        )
        plans = plan_products(spec, self.rng(spec.key, "products"))[: self.products_per_supplier]

        owner = accounts.get_user_by_email(spec.owner_email)
        created = owner is None
        if owner is None:
            data = SupplierUpdateSchema().load(profile)
            # Created with its address: no owner exists yet to change it afterwards.
            identity = {f: data.pop(f) for f in suppliers.IDENTITY_FIELDS if f in data}
            supplier = Supplier(name=spec.name, country="CN", **identity)
            db.session.add(supplier)
            db.session.flush()
            suppliers.update_profile(supplier, data, editor=None)
            owner, _ = self.account(
                spec.owner_email,
                spec.owner,
                Role.SUPPLIER,
                country="CN",
                company_name=spec.name,
                supplier=supplier,
                company_role=CompanyRole.OWNER,
            )
            db.session.flush()
            self.verification(spec, supplier, owner, licence)
            self.report.suppliers_created += 1
        elif owner.supplier is None:
            return  # the address was taken by an account of another kind: leave it alone
        else:
            supplier = owner.supplier
            self.report.suppliers_existing += 1
        for name, email in staff:
            self.account(
                email,
                name,
                Role.SUPPLIER,
                country="CN",
                company_name=supplier.name,
                supplier_id=supplier.id,
                company_role=CompanyRole.STAFF,
            )
        self.products(spec, supplier, plans)
        if created and spec.suspended:
            moderation_services.suspend_supplier(supplier, spec.suspended)
        db.session.flush()

    def profile(self, spec: SupplierSpec, rng: random.Random) -> dict:
        certifications = []
        for name in spec.certifications:
            expired = rng.random() < 0.25
            days = -rng.randint(20, 400) if expired else rng.randint(45, 1000)
            # a number for every scheme, then this one's: the draws stay what they were
            numbers = {
                scheme: cert.number.format(rng.randint(*cert.number_range))
                for scheme, cert in self.companies.certificates.items()
            }
            certifications.append(
                {
                    "name": name,
                    "certificate_number": numbers[name],
                    "issued_by": rng.choice(self.companies.certificates[name].issuers),
                    "valid_until": (self.today + timedelta(days=days)).isoformat(),
                }
            )
        province = "Fujian"
        return {
            "description": spec.description,
            "city": spec.city,
            "province": province,
            "address": spec.address,
            "year_established": spec.year,
            "employees": spec.employees,
            "monthly_capacity_pairs": spec.capacity,
            "main_markets": list(spec.markets),
            "certifications": certifications,
        }

    def staff(self, spec: SupplierSpec, rng: random.Random) -> list[tuple[str, str]]:
        people = []
        for given in rng.sample(self.companies.given_names, spec.staff):
            surname = rng.choice(self.companies.surnames)
            local = (
                f"{given}.{surname}".lower()
                if rng.random() < 0.7
                else rng.choice(self.companies.staff_titles) + given.lower()[:3]
            )
            people.append((f"{surname} {given}", f"{local}@{spec.domain}"))
        return people

    def verification(
        self, spec: SupplierSpec, supplier: Supplier, owner: User, licence: str
    ) -> None:
        if spec.verification == "unverified":
            return
        city = "Quanzhou" if spec.city == "Quanzhou" else "Jinjiang"
        suppliers.request_verification(
            supplier,
            business_licence_number=licence,
            evidence=f"Business licence {licence}, issued by the {city} Administration for "
            "Market Regulation; factory photos and the latest audit report attached.",
            requested_by=owner,
        )
        if spec.verification == "pending":
            return
        # The platform's decision, as the admin console records it (a system action).
        if spec.verification == "verified":
            moderation_services.decide_verification(supplier, decision="verify", reason=None)
        else:
            moderation_services.decide_verification(
                supplier, decision="refuse", reason=self.companies.verification_refusal
            )

    # Products ----------------------------------------------------------------

    def products(self, spec: SupplierSpec, supplier: Supplier, plans: list[dict]) -> None:
        existing = {
            p.sku: p
            for p in db.session.scalars(
                sa.select(Product).where(Product.supplier_id == supplier.id)
            )
        }
        schema = ProductInputSchema()
        for plan in plans:
            payload = plan["payload"]
            colors = tuple(payload["colors"])
            product = existing.get(payload["sku"])
            if product is not None:
                self.report.products_existing += 1
                self.pictures.restore_missing(product, spec.key, plan["label"], colors)
                continue
            product = catalog.create_product(supplier, schema.load(payload))
            self.report.images_created += len(
                self.pictures.add(product, spec.key, plan["label"], colors, plan["images"])
            )
            self.move(product, plan["state"], plan["reason"])
            self.report.products_created[product.status.value] += 1
        self.report.files_written = self.pictures.files_written

    @staticmethod
    def move(product: Product, state: str, reason: str | None) -> None:
        """Walk a new draft to ``state`` the way suppliers and admins would."""
        if state == "draft":
            return
        catalog.submit_product(product)
        if state == "pending_review":
            return
        # Reviewed a few hours to three days after submission (the admins' median).
        hours = random.Random(product.sku).uniform(2, 72)  # noqa: S311 - demo data
        assert product.submitted_at is not None  # submit_product set it
        product.submitted_at -= timedelta(hours=hours)
        if state == "rejected":
            moderation_services.reject_product(product, cast(str, reason))
            return
        moderation_services.approve_product(product)
        if state == "archived":
            catalog.archive_product(product)
        elif state == "suspended":
            moderation_services.suspend_product(product, cast(str, reason))

    def buyers(self) -> None:
        for buyer in self.companies.buyers:
            self.account(
                buyer.email,
                buyer.name,
                Role.BUYER,
                country=buyer.country,
                company_name=buyer.company,
            )
        db.session.flush()


def load_demo_data(
    *, supplier_limit: int | None = None, products_per_supplier: int | None = None
) -> DemoReport:
    """Create what is missing of the demo data; flushes, the caller commits.

    The limits seed a subset (the tests' quick run): the first ``supplier_limit``
    companies and the first ``products_per_supplier`` products of each, which include
    one product of every category the company makes.
    """
    started = time.perf_counter()
    last_email = db.session.scalar(sa.select(sa.func.max(OutboxEmail.id))) or 0
    seeder = _Seeder(current_app.config["DEMO_DATA_SEED"], products_per_supplier)
    for spec in seeder.companies.suppliers[:supplier_limit]:
        seeder.supplier(spec)
    seeder.buyers()
    seeder.report.sourcing = load_sourcing_demo(seeder.seed)
    seeder.report.samples = load_sample_demo()
    seeder.report.moderation = load_moderation_demo()
    # The services queue e-mails (verification, rejection, quotations...): the demo's
    # people are fictional, so none of them may leave. The in-app notifications stay.
    db.session.execute(sa.delete(OutboxEmail).where(OutboxEmail.id > last_email))
    seeder.report.seconds = time.perf_counter() - started
    return seeder.report


def _counts(counter: Counter) -> str:
    """``inquiries 3 open, 2 replied; RFQs 4 awarded, 7 open; 40 quotations``."""
    groups: dict[str, list[str]] = {}
    for what, n in sorted(counter.items()):
        kind, _, state = (
            what.partition(" ") if what.startswith("inquiries ") else ("RFQs", "", what)
        )
        if n and state:
            groups.setdefault(kind, []).append(f"{n} {state}")
    return "; ".join(f"{kind} {', '.join(items)}" for kind, items in groups.items())


def _moderation(counter: Counter) -> str:
    return ", ".join(f"{n} {what}" for what, n in sorted(counter.items()) if n) or "nothing new"


def seed_demo(**limits: int | None) -> str:
    """``flask seed-demo``: load the demo data and return a short summary."""
    return str(load_demo_data(**limits))
