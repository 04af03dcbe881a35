"""Amounts in words, as a proforma invoice states its total: in English capitals and in
Chinese financial numerals (大写), which cannot be altered by adding a stroke.

Short, dependency-free and tested (tests/printing/test_words.py); amounts are rounded to
the cent (half up) and must not be negative.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# The largest amount written out: far above any order, below where the words run out.
MAX_AMOUNT = Decimal("999999999999.99")

# currency code -> (English name before the amount, English minor unit, Chinese name)
CURRENCIES: dict[str, tuple[str, str, str]] = {
    "USD": ("US DOLLARS", "CENTS", "美元"),
    "CNY": ("CHINESE YUAN", "FEN", "人民币"),
    "EUR": ("EUROS", "CENTS", "欧元"),
    "GBP": ("POUNDS STERLING", "PENCE", "英镑"),
    "HKD": ("HONG KONG DOLLARS", "CENTS", "港币"),
    "JPY": ("JAPANESE YEN", "SEN", "日元"),
    "AUD": ("AUSTRALIAN DOLLARS", "CENTS", "澳元"),
    "CAD": ("CANADIAN DOLLARS", "CENTS", "加元"),
}

_ONES = [
    "ZERO",
    "ONE",
    "TWO",
    "THREE",
    "FOUR",
    "FIVE",
    "SIX",
    "SEVEN",
    "EIGHT",
    "NINE",
    "TEN",
    "ELEVEN",
    "TWELVE",
    "THIRTEEN",
    "FOURTEEN",
    "FIFTEEN",
    "SIXTEEN",
    "SEVENTEEN",
    "EIGHTEEN",
    "NINETEEN",
]
_TENS = ["_", "_", "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY"]
_SCALES = ("", "THOUSAND", "MILLION", "BILLION")

_ZH_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_ZH_UNITS = ("", "拾", "佰", "仟")
_ZH_SECTIONS = ("", "万", "亿")


def _split(amount: Decimal | int | str) -> tuple[int, int]:
    value = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError("An amount in words cannot be negative.")
    if value > MAX_AMOUNT:
        raise ValueError("The amount is too large to write in words.")
    cents = int(value * 100)
    return cents // 100, cents % 100


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        words.append(f"{_ONES[hundreds]} HUNDRED")
    if rest:
        if hundreds:
            words.append("AND")
        words.append(_below_hundred(rest))
    return " ".join(words)


def number_in_words_en(n: int) -> str:
    """A whole number in British English capitals: 12340 -> TWELVE THOUSAND THREE
    HUNDRED AND FORTY; 1005 -> ONE THOUSAND AND FIVE."""
    if n == 0:
        return _ONES[0]
    groups = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    words = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if not group:
            continue
        if index == 0 and group < 100 and len(groups) > 1:
            words.append("AND")
        words.append(_below_thousand(group))
        if _SCALES[index]:
            words.append(_SCALES[index])
    return " ".join(words)


def amount_in_words_en(amount: Decimal | int | str, currency: str) -> str:
    """``US DOLLARS TWELVE THOUSAND THREE HUNDRED AND FORTY AND CENTS FIFTY ONLY``."""
    whole, cents = _split(amount)
    name, minor, _zh = CURRENCIES.get(currency.upper(), (currency.upper(), "CENTS", ""))
    words = f"{name} {number_in_words_en(whole)}"
    if cents:
        words += f" AND {minor} {number_in_words_en(cents)}"
    return f"{words} ONLY"


def _section_zh(n: int) -> str:
    """0 < n < 10000 in financial numerals, with a 零 for each run of inner zeros."""
    text = ""
    pending_zero = False
    for position in range(3, -1, -1):
        digit = n // 10**position % 10
        if digit == 0:
            pending_zero = bool(text)
            continue
        if pending_zero:
            text += _ZH_DIGITS[0]
            pending_zero = False
        text += _ZH_DIGITS[digit] + _ZH_UNITS[position]
    return text


def number_in_words_zh(n: int) -> str:
    """A whole number in Chinese financial numerals: 100010 -> 壹拾万零壹拾."""
    if n == 0:
        return _ZH_DIGITS[0]
    sections = []
    while n:
        n, section = divmod(n, 10000)
        sections.append(section)
    text = ""
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            continue
        # A zero between two sections: 10005 -> 壹万零伍, 100000005 -> 壹亿零伍.
        if text and (section < 1000 or sections[index + 1] == 0):
            text += _ZH_DIGITS[0]
        text += _section_zh(section) + _ZH_SECTIONS[index]
    return text


def amount_in_words_zh(amount: Decimal | int | str, currency: str) -> str:
    """``美元壹万贰仟叁佰肆拾元伍角整``, ``人民币伍分``: the currency, then 元/角/分, and
    整 when the amount stops at the 元 or 角, as Chinese banks write it."""
    whole, cents = _split(amount)
    name = CURRENCIES.get(currency.upper(), ("", "", currency.upper()))[2]
    jiao, fen = divmod(cents, 10)
    text = number_in_words_zh(whole) + "元" if whole or not cents else ""
    if jiao:
        text += _ZH_DIGITS[jiao] + "角"
    elif whole and fen:
        text += _ZH_DIGITS[0]  # 壹元零伍分: a 零 stands for the missing 角
    text += _ZH_DIGITS[fen] + "分" if fen else "整"
    return name + text
