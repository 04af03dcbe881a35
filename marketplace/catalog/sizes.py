"""Shoe-size conversion from EU (Paris points) to US, UK and Chinese (mm) sizes.

The factories in Neikeng quote EU sizes; buyers in the US and UK think in their own.
Conversions follow the usual footwear-trade charts: Chinese size is the foot length
in millimetres (EU 40 = 250 mm, 5 mm a size); US men = EU - 33, US women = EU - 30.5
and UK = EU - 33.5 for adult sizes, rounded to the nearest half size; children's sizes
(EU below 33) use the kids' chart: US kids = EU - 16, UK kids = EU - 17. The charts
vary by a half size between brands, so the table is a guide, as on every sourcing site.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MIN_EU = Decimal(16)
MAX_EU = Decimal(52)
HALF = Decimal("0.5")


def _half(value: Decimal) -> Decimal:
    return (value * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def _fmt(value: Decimal) -> str:
    value = _half(value)
    return str(int(value)) if value == value.to_integral_value() else str(value)


def convert_eu(eu: Decimal) -> dict[str, str | int]:
    """One row of the conversion table for an EU size."""
    eu = Decimal(eu)
    cn_mm = int((Decimal(250) + (eu - 40) * 5 + Decimal("0.5")) // 1)
    if eu < 33:
        return {
            "eu": _fmt(eu),
            "us_kids": _fmt(eu - 16),
            "uk_kids": _fmt(eu - 17),
            "cn_mm": cn_mm,
        }
    return {
        "eu": _fmt(eu),
        "us_men": _fmt(eu - 33),
        "us_women": _fmt(eu - Decimal("30.5")),
        "uk": _fmt(eu - Decimal("33.5")),
        "cn_mm": cn_mm,
    }


def eu_sizes(sizes: dict | list | None) -> list[Decimal]:
    """The EU sizes a product's ``sizes`` value covers (whole sizes for a range)."""
    if not sizes:
        return []
    if isinstance(sizes, dict):
        start, end = Decimal(str(sizes["from"])), Decimal(str(sizes["to"]))
        values = []
        current = start
        while current <= end:
            values.append(current)
            current += 1
        return values
    return [Decimal(str(value)) for value in sizes]


def conversion_table(sizes: dict | list | None) -> list[dict[str, str | int]]:
    return [convert_eu(size) for size in eu_sizes(sizes)]
