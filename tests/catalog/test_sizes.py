"""The size conversion table a buyer reads on the product page and in the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.catalog.sizes import conversion_table, convert_eu
from tests.catalog.conftest import product_payload
from tests.factories import SupplierOwnerFactory


@pytest.mark.parametrize(
    ("eu", "row"),
    [
        (40, {"eu": "40", "us_men": "7", "us_women": "9.5", "uk": "6.5", "cn_mm": 250}),
        (36, {"eu": "36", "us_men": "3", "us_women": "5.5", "uk": "2.5", "cn_mm": 230}),
        (35, {"eu": "35", "us_men": "2", "us_women": "4.5", "uk": "1.5", "cn_mm": 225}),
        (34, {"eu": "34", "us_kids": "2.5Y", "uk_kids": "2Y", "cn_mm": 220}),
        (33, {"eu": "33", "us_kids": "2Y", "uk_kids": "1Y", "cn_mm": 215}),
        (28, {"eu": "28", "us_kids": "11", "uk_kids": "10", "cn_mm": 190}),
        (16, {"eu": "16", "us_kids": "1", "uk_kids": "0.5", "cn_mm": 130}),
        (Decimal("33.5"), {"eu": "33.5", "us_kids": "2Y", "uk_kids": "1Y", "cn_mm": 218}),
    ],
)
def test_each_size_converts_like_the_trade_charts(eu, row):
    assert convert_eu(Decimal(eu)) == row


def test_no_childrens_size_gets_a_zero_or_negative_size():
    """EU 33 used to fall in the adult chart: UK -0.5 and US men 0."""
    for row in conversion_table({"system": "EU", "from": 16, "to": 52}):
        for key in ("us_men", "us_women", "uk", "us_kids", "uk_kids"):
            if key in row:
                assert not row[key].startswith(("-", "0Y")) and row[key] != "0", row


def test_a_kids_range_shows_the_kids_chart_in_the_api(login_as):
    owner = SupplierOwnerFactory()
    body = product_payload(sku="KIDS-1", sizes={"system": "EU", "from": 28, "to": 35})
    response = login_as(owner).post("/api/v1/products", json=body)
    assert response.status_code == 201, response.json
    chart = response.json["size_chart"]
    assert [row["eu"] for row in chart] == ["28", "29", "30", "31", "32", "33", "34", "35"]
    assert chart[5] == {"eu": "33", "us_kids": "2Y", "uk_kids": "1Y", "cn_mm": 215}
    assert chart[-1]["us_women"] == "4.5"
