"""What an order looks like in the API (dumped by ``schemas.OrderSchema``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marketplace.api_base import API_PREFIX
from marketplace.orders.models import Order, OrderDocument
from marketplace.orders.services import money


def document_view(document: OrderDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind.value,
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size,
        "uploaded_at": document.uploaded_at,
        "uploaded_by": document.uploaded_by_id,
        "url": f"{API_PREFIX}/orders/{document.order_id}/documents/{document.id}",
    }


def _line(line: dict[str, Any]) -> dict[str, Any]:
    return {
        **line,
        "amount": money(Decimal(line["unit_price"]) * int(line["quantity"])),
    }


def order_view(order: Order) -> dict[str, Any]:
    buyer = order.buyer
    return {
        "id": order.id,
        "number": order.number,
        "quotation_id": order.quotation_id,
        "rfq_id": order.rfq_id,
        "inquiry_id": order.inquiry_id,
        "buyer": {
            "id": buyer.id,
            "name": buyer.name,
            "company_name": buyer.company_name,
            "country": buyer.country,
        },
        "supplier_id": order.supplier_id,
        "supplier": {"id": order.supplier.id, "name": order.supplier.name},
        "status": order.status.value,
        "currency": order.currency,
        "lines": [_line(line) for line in order.lines],
        "total": money(order.total),
        "incoterm": order.incoterm,
        "port_of_loading": order.port_of_loading,
        "destination_country": order.destination_country,
        "deposit_percent": order.deposit_percent,
        "ship_by": order.ship_by,
        "tracking": order.tracking,
        "notes": order.notes,
        "events": [
            {"status": event.status, "at": event.at, "by": event.by_id, "note": event.note}
            for event in order.events
        ],
        "documents": [document_view(document) for document in order.documents],
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }
