"""Amounts in words, English capitals and Chinese financial numerals (大写)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.printing import amount_in_words_en, amount_in_words_zh


@pytest.mark.parametrize(
    ("amount", "currency", "words"),
    [
        (
            "12340.50",
            "USD",
            "US DOLLARS TWELVE THOUSAND THREE HUNDRED AND FORTY AND CENTS FIFTY ONLY",
        ),
        ("0", "USD", "US DOLLARS ZERO ONLY"),
        ("0.05", "USD", "US DOLLARS ZERO AND CENTS FIVE ONLY"),
        ("1000000.10", "USD", "US DOLLARS ONE MILLION AND CENTS TEN ONLY"),
        ("1000000.10", "CNY", "CHINESE YUAN ONE MILLION AND FEN TEN ONLY"),
        ("0.05", "CNY", "CHINESE YUAN ZERO AND FEN FIVE ONLY"),
        ("1005", "USD", "US DOLLARS ONE THOUSAND AND FIVE ONLY"),
        ("21.99", "EUR", "EUROS TWENTY-ONE AND CENTS NINETY-NINE ONLY"),
        ("7", "XYZ", "XYZ SEVEN ONLY"),
        ("2.005", "USD", "US DOLLARS TWO AND CENTS ONE ONLY"),  # rounded half up to the cent
    ],
)
def test_english(amount, currency, words):
    assert amount_in_words_en(Decimal(amount), currency) == words


@pytest.mark.parametrize(
    ("amount", "currency", "words"),
    [
        ("12340.50", "USD", "美元壹万贰仟叁佰肆拾元伍角整"),
        ("0", "CNY", "人民币零元整"),
        ("0.05", "CNY", "人民币伍分"),
        ("0.05", "USD", "美元伍分"),
        ("1000000.10", "CNY", "人民币壹佰万元壹角整"),
        ("1000000.10", "USD", "美元壹佰万元壹角整"),
        ("1.05", "CNY", "人民币壹元零伍分"),
        ("10.55", "CNY", "人民币壹拾元伍角伍分"),
        ("100010", "CNY", "人民币壹拾万零壹拾元整"),
        ("10005", "CNY", "人民币壹万零伍元整"),
        ("100001000", "CNY", "人民币壹亿零壹仟元整"),
        ("1001001", "CNY", "人民币壹佰万壹仟零壹元整"),
        ("123456789.99", "CNY", "人民币壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元玖角玖分"),
    ],
)
def test_chinese(amount, currency, words):
    assert amount_in_words_zh(Decimal(amount), currency) == words


@pytest.mark.parametrize("function", [amount_in_words_en, amount_in_words_zh])
def test_negative_and_huge_amounts_are_refused(function):
    with pytest.raises(ValueError, match="negative"):
        function(Decimal("-1"), "USD")
    with pytest.raises(ValueError, match="too large"):
        function(Decimal("1000000000000"), "USD")
