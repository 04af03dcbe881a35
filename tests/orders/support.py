"""Set-up helpers for the order tests: an accepted quotation, orders moved to any state
through the services, the parties, row counts and sample files."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import sqlalchemy as sa
from openpyxl import Workbook
from PIL import Image

from marketplace import transaction
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.orders import services
from marketplace.orders.models import Order, OrderStatus
from marketplace.rfqs import services as rfq_services
from marketplace.rfqs.models import Quotation
from marketplace.suppliers.models import Supplier
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    InquiryFactory,
    SupplierStaffFactory,
)
from tests.rfqs.support import post_rfq, quote, supplier_with_catalog

# The moves, as (path suffix, body) and who makes them.
PATH = {
    "confirm": "confirm",
    "start_production": "start-production",
    "ship": "ship",
    "deliver": "deliver",
    "complete": "complete",
    "cancel": "cancel",
    "dispute": "dispute",
}
BODY = {
    "ship": {"carrier": "COSCO", "reference": "COSU6123456780", "container_number": "CSNU1234567"},
    "cancel": {"reason": "Prices changed."},
    "dispute": {"reason": "Half the cartons are wet."},
}
# The way to each state from proposed: the moves, each with the side making it.
ROUTE = {
    OrderStatus.PROPOSED: [],
    OrderStatus.CONFIRMED: ["confirm"],
    OrderStatus.IN_PRODUCTION: ["confirm", "start_production"],
    OrderStatus.SHIPPED: ["confirm", "start_production", "ship"],
    OrderStatus.DELIVERED: ["confirm", "start_production", "ship", "deliver"],
    OrderStatus.COMPLETED: ["confirm", "start_production", "ship", "deliver", "complete"],
    OrderStatus.CANCELLED: ["cancel"],
    OrderStatus.DISPUTED: ["confirm", "start_production", "ship", "dispute"],
}
BUYER_MOVES = {"confirm", "deliver", "complete", "cancel", "dispute"}


@dataclass
class Deal:
    """Buyer X, supplier A (owner and staff) and an accepted quotation; outsiders and an
    admin to look on."""

    buyer: User
    supplier: Supplier
    owner: User
    staff: User
    quotation: Quotation
    other_buyer: User
    other_member: User
    admin: User

    def user(self, role: str) -> User:
        return getattr(self, role)


def accepted_deal(**quote_overrides) -> Deal:
    supplier, owner = supplier_with_catalog("Order Factory")
    staff = SupplierStaffFactory(supplier=supplier)
    buyer = BuyerFactory()
    rfq = post_rfq(buyer)
    quotation = quote(rfq, owner, **quote_overrides)
    rfq_services.accept_quotation(quotation, buyer)
    transaction.commit()
    _other_supplier, other_member = supplier_with_catalog("Other Factory", category="pvc-slippers")
    return Deal(
        buyer=buyer,
        supplier=supplier,
        owner=owner,
        staff=staff,
        quotation=quotation,
        other_buyer=BuyerFactory(),
        other_member=other_member,
        admin=AdminFactory(),
    )


def order_for(deal: Deal, status: OrderStatus = OrderStatus.PROPOSED) -> Order:
    """The deal's order (made from the quotation if it has none yet), moved to ``status``."""
    order = db.session.scalar(sa.select(Order).where(Order.quotation_id == deal.quotation.id))
    if order is None:
        order = services.create_from_quotation(deal.quotation, deal.owner)
        transaction.commit()
    for name in ROUTE[status]:
        actor = deal.buyer if name in BUYER_MOVES else deal.owner
        if name == "ship":
            services.move(order, actor, name, tracking=BODY["ship"])
        else:
            services.move(order, actor, name, note=BODY.get(name, {}).get("reason", ""))
        transaction.commit()
    return order


def count(model, *where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    if where:
        query = query.where(*where)
    return db.session.scalar(query)


def inquiry_between(buyer: User, supplier: Supplier):
    return InquiryFactory(buyer=buyer, supplier=supplier)


def order_body(buyer: User, **overrides) -> dict:
    body = {
        "buyer_id": buyer.id,
        "lines": [
            {
                "description": "EVA slides, black, logo on strap",
                "quantity": 1200,
                "unit_price": "1.25",
                "size_breakdown": {"36": 200, "37": 400, "38": 600},
            },
            {"description": "EVA slides, white", "quantity": 600, "unit_price": "1.20"},
        ],
        "currency": "USD",
        "incoterm": "FOB",
        "port_of_loading": "Xiamen",
        "deposit_percent": 30,
        "ship_by": "2027-03-01",
    }
    body.update(overrides)
    return body


# Files ----------------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def xlsx_bytes() -> bytes:
    book = Workbook()
    book.active.append(["size", "pairs"])
    book.active.append(["36", 200])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_like_bytes() -> bytes:
    """A ZIP that is not a workbook (a Word document's layout)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
