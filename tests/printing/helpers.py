"""A proforma like the orders domain will build: a Jinjiang factory selling to Durban."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from marketplace.printing import Party, Proforma, ProformaLine, deposit_for

SELLER_NAME = "晋江市内坑鞋业有限公司"
BANK_DETAILS = (
    "Beneficiary: Jinjiang Neikeng Shoes Co., Ltd.\n"
    "Bank: Bank of China, Jinjiang Branch\n"
    "A/C No.: 1234 5678 9012\n"
    "SWIFT: BKCHCNBJ73A"
)
SIZE_RUNS = (
    {"36": 120, "37": 240, "38": 240, "39": 120, "40": 60},
    {"S (35-36)": 300, "M (37-38)": 300, "L (39-40)": 180},
    {"40": 100, "41": 200, "42": 200, "43": 100, "44": 50, "45": 25},
)


def make_line(index: int) -> ProformaLine:
    sizes = SIZE_RUNS[index % len(SIZE_RUNS)]
    quantity = sum(sizes.values())
    price = Decimal("2.35") + index
    return ProformaLine(
        description=f"EVA bath slipper 浴室拖鞋 NK-{100 + index}, navy 藏青色",
        quantity=quantity,
        unit_price=price,
        line_total=price * quantity,
        size_breakdown=sizes,
    )


def make_proforma(line_count: int = 3, currency: str = "USD") -> Proforma:
    lines = tuple(make_line(index) for index in range(line_count))
    total = sum((line.line_total for line in lines), Decimal(0))
    return Proforma(
        number="PI-2026-0042",
        issue_date=date(2026, 12, 5),
        currency=currency,
        seller=Party(
            SELLER_NAME, "福建省晋江市内坑镇工业区 88 号", "CN", "王小姐 +86 595 1234 5678"
        ),
        buyer=Party("Sunrise Trading Ltd", "12 Harbour Road, Durban 4001", "ZA", "John Smith"),
        lines=lines,
        total=total,
        incoterm="FOB",
        port_of_loading="Xiamen",
        destination="Durban, South Africa",
        deposit_percent=Decimal(30),
        deposit_amount=deposit_for(total, Decimal(30)),
        ship_by=date(2027, 2, 15),
        seller_bank_details=BANK_DETAILS,
        notes="Packing: 1 pair per polybag, 60 pairs per carton.",
    )


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
