"""Shoe-size conversion from EU (Paris points) to US, UK and Chinese (mm) sizes.

The factories in Neikeng quote EU sizes; buyers in the US and UK think in their own.
Conversions follow the usual footwear-trade charts: Chinese size is the foot length
in millimetres (EU 40 = 250 mm, 5 mm a size); US men = EU - 33, US women = EU - 30.5
and UK = EU - 33.5 for adult sizes (EU 35 and up), rounded to the nearest half size;
children's sizes (below EU 35) come from the usual kids' chart, where US and UK sizes
restart at 1 for youth sizes (shown as "1Y"). The charts vary by a half size between
brands, so the table is a guide, as on every sourcing site.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MIN_EU = Decimal(16)
MAX_EU = Decimal(52)
HALF = Decimal("0.5")
FIRST_ADULT_EU = 35

# EU -> (US kids, UK kids) for children's sizes; a half EU size takes the size below.
KIDS_CHART = {
    16: ("1", "0.5"),
    17: ("2", "1"),
    18: ("3", "2"),
    19: ("3.5", "3"),
    20: ("4.5", "4"),
    21: ("5.5", "4.5"),
    22: ("6.5", "5.5"),
    23: ("7", "6"),
    24: ("8", "7"),
    25: ("8.5", "7.5"),
    26: ("9.5", "8.5"),
    27: ("10", "9"),
    28: ("11", "10"),
    29: ("11.5", "11"),
    30: ("12.5", "11.5"),
    31: ("13", "12.5"),
    32: ("1Y", "13"),
    33: ("2Y", "1Y"),
    34: ("2.5Y", "2Y"),
}


def _half(value: Decimal) -> Decimal:
    return (value * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def _fmt(value: Decimal) -> str:
    value = _half(value)
    return str(int(value)) if value == value.to_integral_value() else str(value)


def convert_eu(eu: Decimal) -> dict[str, str | int]:
    """One row of the conversion table for an EU size."""
    eu = Decimal(eu)
    cn_mm = int((Decimal(250) + (eu - 40) * 5 + Decimal("0.5")) // 1)
    if eu < FIRST_ADULT_EU:
        us_kids, uk_kids = KIDS_CHART[int(eu)]
        return {"eu": _fmt(eu), "us_kids": us_kids, "uk_kids": uk_kids, "cn_mm": cn_mm}
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
