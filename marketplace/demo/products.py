"""Demo catalog: realistic slipper products, planned from a seeded random generator.

``plan_products`` only computes; it returns request bodies in the shape of
``ProductInputSchema`` (the API's and the import's columns) plus the state each
product should end in.  The seeding code loads them through the schema and the
catalog services, so every demo product obeys the same rules as a supplier's.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marketplace.catalog.vocab import CUSTOMIZATION_OPTIONS
from marketplace.demo.loader import Catalog, Style, SupplierSpec, demo_data


def _money(value: float, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _price_tiers(
    rng: random.Random, moq: int, usd: float, currency: str, places: int
) -> list[dict[str, Any]]:
    rate = {"USD": 1.0, "CNY": 7.2, "EUR": 0.92}[currency]
    count = rng.choice((2, 3, 3, 4, 4, 5))
    multipliers = sorted(rng.sample((2, 3, 5, 10, 20), count - 1))
    step = Decimal(1).scaleb(-places)
    price = _money(usd * rate, places)
    tiers = [{"min_qty": moq, "unit_price": str(price)}]
    for multiplier in multipliers:
        lower = _money(float(price) * (1 - rng.uniform(0.02, 0.08)), places)
        price = max(min(lower, price - step), step)  # never more than the tier before
        tiers.append({"min_qty": moq * multiplier, "unit_price": str(price)})
    return tiers


def _round_to(value: float, step: int) -> int:
    return max(step, round(value / step) * step)


def _name(who: str, style: Style, category: str) -> str:
    if category == "hotel-slippers":
        return style.name[0].upper() + style.name[1:]
    if who == "Unisex":
        return f"Unisex {style.name}"
    return f"{who} {style.name}"


def plan_products(spec: SupplierSpec, rng: random.Random) -> list[dict[str, Any]]:
    """The products of one demo supplier: [{"payload", "state", "reason", "images"}]."""
    catalog = demo_data().catalog
    customization = [
        option
        for option in CUSTOMIZATION_OPTIONS
        if option in {"logo", "packaging"} or rng.random() < 0.45
    ]
    ports = list(dict.fromkeys(rng.choice(catalog.ports) for _ in range(2)))
    weights = [4] + [2] * (len(spec.categories) - 1)
    plans: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number in range(spec.products):
        # the main line first, then every line at least once, then by weight
        if number < len(spec.categories):
            category = spec.categories[number]
        else:
            category = rng.choices(spec.categories, weights)[0]
        line = catalog.lines[category]
        style, who = rng.choice(line.styles), rng.choice(line.who)
        name = _name(who, style, category)
        for _attempt in range(6):
            if name not in seen:
                break
            style, who = rng.choice(line.styles), rng.choice(line.who)
            name = _name(who, style, category)
        candidates = [name] + [f"{name}, {variant}" for variant in line.variants]
        name = next((c for c in candidates if c not in seen), f"{name}, {number + 1:02d}")
        seen.add(name)
        plans.append(
            _plan_one(catalog, spec, rng, number, category, style, who, name, customization, ports)
        )
    return plans


def _plan_one(
    catalog: Catalog,
    spec: SupplierSpec,
    rng: random.Random,
    number: int,
    category: str,
    style: Style,
    who: str,
    name: str,
    customization: list[str],
    ports: list[str],
) -> dict[str, Any]:
    line = catalog.lines[category]
    if category == "hotel-slippers":
        low, high = rng.choice(catalog.hotel_sizes)
    else:
        low, high = rng.choice(catalog.sizes[who])
    sizes: dict[str, Any] | list[int] = {"system": "EU", "from": low, "to": high}
    if rng.random() < 0.1:
        sizes = list(range(low, high + 1))
    palette = style.colors or line.palette
    colors = rng.sample(palette, rng.randint(1, min(5, len(palette))))
    if category == "hotel-slippers" and "white" not in colors:
        colors[0] = "white"
    moq = _round_to(rng.uniform(line.moq[0], line.moq[1]), line.moq[2])
    currency = rng.choices(("USD", "CNY", "EUR"), (80, 12, 8))[0]
    places = 3 if category == "hotel-slippers" and currency != "CNY" else 2
    usd = rng.uniform(*style.price)
    tiers = _price_tiers(rng, moq, usd, currency, places)
    sample_available = rng.random() < 0.85
    sample_price = None
    if sample_available and rng.random() < 0.6:
        sample_price = str(
            _money(max(3.0, usd * 4) * {"USD": 1, "CNY": 7.2, "EUR": 0.92}[currency], 0)
        )
    pairs = _round_to(rng.uniform(line.carton_pairs[0], line.carton_pairs[1]), line.carton_pairs[2])
    length, width = rng.choice((60, 62, 65, 70)), rng.choice((38, 40, 42, 45))
    height = min(90.0, max(15.0, pairs * line.pair_litres * 1050 / (length * width)))
    weight = pairs * line.pair_kg * rng.uniform(0.9, 1.1) + 1.2
    size_text = (
        f"EU {low} to {high}"
        if isinstance(sizes, dict)
        else "EU " + ", ".join(str(s) for s in sizes)
    )
    packing = "one pair a polybag" if category != "hotel-slippers" else "one pair a sealed bag"
    options = [c for c in customization if rng.random() < 0.8] or ["logo"]
    offered = ", ".join(options)
    description = (
        f"{style.detail} Sizes {size_text}. Colours: {', '.join(colors)}. "
        f"Packed {packing}, {pairs} pairs a carton. Customisation: {offered}. "
        f"Made in {spec.city.split(',')[0]}, Fujian."
    )
    incoterms = ["FOB", *(term for term in catalog.extra_incoterms if rng.random() < 0.25)]
    state = rng.choices(list(catalog.product_states), list(catalog.product_states.values()))[0]
    if spec.suspended:
        state = "published"  # it was selling until the platform suspended the company
    reason = None
    if state == "rejected":
        reason = rng.choice(catalog.rejections + line.rejections)
    elif state == "suspended":
        reason = rng.choice(catalog.suspensions)
    payload = {
        "sku": f"{spec.key}-{line.code}-{101 + number}",
        "name": name,
        "description": description,
        "category": category,
        "materials": list(style.materials),
        "sizes": sizes,
        "colors": colors,
        "moq": moq,
        "currency": currency,
        "price_tiers": tiers,
        "lead_time_days": rng.randint(*line.lead_days),
        "sample_available": sample_available,
        "sample_price": sample_price,
        "sample_lead_time_days": rng.randint(3, 10) if sample_available else None,
        "customization": options,
        "pairs_per_carton": pairs,
        "carton_dimensions_cm": {"length": length, "width": width, "height": round(height, 1)},
        "carton_weight_kg": str(_money(weight, 2)),
        "port_of_loading": rng.choice(ports),
        "incoterms": incoterms,
        "hs_code": style.hs,
        "monthly_capacity_pairs": _round_to(spec.capacity * rng.uniform(0.04, 0.25), 10_000),
    }
    return {
        "payload": payload,
        "state": state,
        "reason": reason,
        "images": rng.choices((1, 2, 3), (3, 4, 3))[0],
        "label": line.label,
    }
