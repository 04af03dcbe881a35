"""Demo data for ``make run``: a small, realistic slice of the Neikeng cluster.

Idempotent: every record is looked up by a natural key first.  Later domains add
their catalog, inquiries and RFQs here.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.accounts.passwords import hash_password
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier, VerificationStatus

DEMO_PASSWORD = "neikeng-demo-2026"

SUPPLIERS = [
    {
        "name": "Jinjiang Hongda Slippers Co., Ltd.",
        "city": "Neikeng, Jinjiang",
        "province": "Fujian",
        "address": "Neikeng Industrial Zone, Jinjiang, Quanzhou, Fujian",
        "year_established": 1996,
        "employees": 420,
        "monthly_capacity_pairs": 1_200_000,
        "main_markets": ["US", "PH", "ZA"],
        "verified": True,
        "description": (
            "EVA and PVC slippers, slides and flip-flops for supermarkets and importers."
        ),
        "owner": ("Chen Weiming", "owner@hongda-slippers.example"),
    },
    {
        "name": "Quanzhou Xinyuan Footwear Co., Ltd.",
        "city": "Neikeng, Jinjiang",
        "province": "Fujian",
        "address": "No. 18 Xiabian Road, Neikeng Town, Jinjiang, Fujian",
        "year_established": 2008,
        "employees": 180,
        "monthly_capacity_pairs": 450_000,
        "main_markets": ["VN", "IN", "AE"],
        "verified": False,
        "description": "Hotel and disposable slippers, plush indoor slippers, OEM packaging.",
        "owner": ("Lin Xiaohong", "owner@xinyuan-footwear.example"),
    },
]

BUYERS = [
    ("Maria Santos", "maria.santos@manila-home.example", "PH", "Manila Home Supplies Inc."),
    ("Thabo Nkosi", "thabo@joburg-retail.example", "ZA", "Joburg Retail Group"),
    ("Emily Carter", "emily@sunbelt-imports.example", "US", "Sunbelt Imports LLC"),
]


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email_normalized == email.lower()))


def seed_demo() -> str:
    created = 0
    password_hash = hash_password(DEMO_PASSWORD)
    for spec in SUPPLIERS:
        owner_name, owner_email = spec["owner"]
        if _user(owner_email):
            continue
        supplier = Supplier(
            name=spec["name"],
            description=spec["description"],
            city=spec["city"],
            province=spec["province"],
            address=spec["address"],
            country="CN",
            year_established=spec["year_established"],
            employees=spec["employees"],
            monthly_capacity_pairs=spec["monthly_capacity_pairs"],
            main_markets=spec["main_markets"],
            verification_status=(
                VerificationStatus.VERIFIED if spec["verified"] else VerificationStatus.UNVERIFIED
            ),
            verified_at=utcnow() if spec["verified"] else None,
        )
        db.session.add(
            User(
                email=owner_email,
                email_normalized=owner_email.lower(),
                password_hash=password_hash,
                name=owner_name,
                role=Role.SUPPLIER,
                country="CN",
                company_name=spec["name"],
                supplier=supplier,
                company_role=CompanyRole.OWNER,
            )
        )
        created += 1
    for name, email, country, company in BUYERS:
        if _user(email):
            continue
        db.session.add(
            User(
                email=email,
                email_normalized=email.lower(),
                password_hash=password_hash,
                name=name,
                role=Role.BUYER,
                country=country,
                company_name=company,
            )
        )
        created += 1
    db.session.flush()
    return f"Demo data ready ({created} accounts created). Demo password: {DEMO_PASSWORD}"
