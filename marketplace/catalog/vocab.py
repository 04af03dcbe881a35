"""Closed vocabularies of the catalog (the open ones, categories and materials, are tables)."""

from __future__ import annotations

from functools import cache

from babel.numbers import list_currencies

INCOTERMS = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
CUSTOMIZATION_OPTIONS = ("logo", "color", "packaging", "mold", "material", "label")
HS_CODE_PATTERN = r"^64\d{2}\.\d{2}(\.\d{2})?$"
MAX_PRICE_TIERS = 8
MAX_IMAGES_PER_PRODUCT = 10


@cache
def currencies() -> frozenset[str]:
    return frozenset(list_currencies())
