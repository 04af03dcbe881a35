"""The catalog's rules that span several fields of a product, shared by the schemas (which
report them with the field errors), the services and the importer. Pure functions: no
database, no Flask, so any layer may call them."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def check_price_tiers(moq: int, tiers: list[Mapping[str, Any]]) -> list[str]:
    """The contract's rules for tiers; returns the problems (empty when valid)."""
    problems = []
    if not tiers:
        return ["At least one price tier is required."]
    if len(tiers) > 8:
        problems.append("At most 8 price tiers.")
    if tiers[0]["min_qty"] != moq:
        problems.append(f"The first tier must start at the MOQ ({moq}).")
    for previous, tier in itertools.pairwise(tiers):
        if tier["min_qty"] <= previous["min_qty"]:
            problems.append("Tiers must be in ascending order of min_qty, without repeats.")
            break
    for previous, tier in itertools.pairwise(tiers):
        if Decimal(tier["unit_price"]) > Decimal(previous["unit_price"]):
            problems.append("A larger quantity must not cost more per pair.")
            break
    return problems


def product_rule_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """The rules that span several fields, on a whole product's values (``moq``,
    ``price_tiers``, ``sample_available``, ``sample_price``); empty when valid."""
    errors: dict[str, list[str]] = {}
    problems = check_price_tiers(values["moq"], values["price_tiers"])
    if problems:
        errors["price_tiers"] = problems
    if values.get("sample_price") is not None and not values.get("sample_available"):
        errors["sample_price"] = ["Set sample_available to true to give a sample price."]
    return errors
