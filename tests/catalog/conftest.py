import pytest


def product_payload(**overrides):
    payload = {
        "sku": "EVA-SL-001",
        "name": "Women's EVA bathroom slippers, anti-slip",
        "description": "Soft one-piece EVA, drainage holes, quick-drying.",
        "category": "eva-slippers",
        "materials": ["EVA"],
        "sizes": {"system": "EU", "from": 36, "to": 41},
        "colors": ["white", "pink", "grey"],
        "moq": 1000,
        "currency": "USD",
        "price_tiers": [
            {"min_qty": 1000, "unit_price": "1.20"},
            {"min_qty": 5000, "unit_price": "1.05"},
            {"min_qty": 20000, "unit_price": "0.95"},
        ],
        "lead_time_days": 30,
        "sample_available": True,
        "sample_price": "5.00",
        "customization": ["logo", "color", "packaging"],
        "pairs_per_carton": 60,
        "carton_dimensions_cm": {"length": 60, "width": 40, "height": 35},
        "carton_weight_kg": "9.5",
        "port_of_loading": "Xiamen",
        "incoterms": ["FOB", "EXW"],
        "hs_code": "6402.99",
        "monthly_capacity_pairs": 300000,
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def payload():
    return product_payload
