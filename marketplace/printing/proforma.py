"""The proforma invoice as a plain value: what the PDF and the printable page show.

The orders domain builds a ``Proforma`` from an order; this module knows nothing of
orders, suppliers or the database (it is a core module, below every domain).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from marketplace.printing.labels import is_chinese, labels_for
from marketplace.printing.words import CENT, amount_in_words_en, amount_in_words_zh


@dataclass(frozen=True, slots=True)
class Party:
    """The seller or the buyer. ``name`` and ``address`` may be Chinese."""

    name: str
    address: str = ""
    country: str = ""
    contact: str = ""


@dataclass(frozen=True, slots=True)
class ProformaLine:
    description: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    unit: str = "pairs"
    # {size: pairs}, in the order the sizes are to be shown ("36": 120, "37": 240, ...)
    size_breakdown: Mapping[str, int] | None = None

    @property
    def unit_price_text(self) -> str:
        return unit_price(self.unit_price)


@dataclass(frozen=True, slots=True)
class Proforma:
    number: str
    issue_date: date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[ProformaLine, ...]
    total: Decimal
    incoterm: str = ""
    port_of_loading: str = ""
    destination: str = ""
    deposit_percent: Decimal = Decimal(0)
    deposit_amount: Decimal = Decimal(0)
    ship_by: date | None = None
    # The seller's bank details: the supplier profile's free text, several lines.
    seller_bank_details: str = ""
    notes: str = ""
    balance: Decimal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        if self.total < 0 or self.deposit_amount < 0:
            raise ValueError("A proforma's total and deposit cannot be negative.")
        if self.deposit_amount > self.total:
            raise ValueError("The deposit cannot exceed the total.")
        object.__setattr__(self, "balance", self.total - self.deposit_amount)

    @property
    def total_in_words_en(self) -> str:
        return amount_in_words_en(self.total, self.currency)

    @property
    def total_in_words_zh(self) -> str:
        return amount_in_words_zh(self.total, self.currency)

    @property
    def deposit_percent_text(self) -> str:
        """30 -> ``30``, 12.50 -> ``12.5``."""
        text = f"{self.deposit_percent:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


def deposit_for(total: Decimal, percent: Decimal) -> Decimal:
    """The deposit a percentage of ``total`` asks for, to the cent (half up)."""
    return (total * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> str:
    """12340.5 -> ``12,340.50`` (two decimals, thousands separated)."""
    return f"{Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def unit_price(amount: Decimal) -> str:
    """A unit price keeps up to 4 decimals (``3.125``) but at least 2 (``3.50``)."""
    exponent = Decimal(amount).normalize().as_tuple().exponent
    places = min(4, max(2, -exponent)) if isinstance(exponent, int) else 2
    return f"{Decimal(amount):,.{places}f}"


def proforma_page_context(proforma: Proforma, locale: str | None) -> dict[str, object]:
    """What ``templates/printing/proforma.html`` needs, for ``render_template``."""
    labels: dict[str, object] = dict(labels_for(locale))
    labels["_chinese_first"] = is_chinese(locale)
    return {"proforma": proforma, "proforma_labels": labels}
