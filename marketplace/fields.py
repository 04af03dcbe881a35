"""Marshmallow fields shared by every domain, bounded so that no input reaches the
database in a shape it would reject with a 500 (see shared docs/stack.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any, cast

import marshmallow as ma
from babel import Locale
from marshmallow import fields, validate

INT32_MAX = 2**31 - 1


def _as_list(validators) -> list:
    if validators is None:
        return []
    return list(validators) if isinstance(validators, list | tuple) else [validators]


class Str(fields.String):
    """A trimmed string with a required maximum length."""

    def __init__(self, *, max_length: int, min_length: int = 0, strip: bool = True, **kwargs):
        validators = _as_list(kwargs.pop("validate", None))
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)
        self.strip = strip
        self.max_length_check = validate.Length(max=max_length)
        cast(dict[str, Any], self.metadata).setdefault("maxLength", max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        # The documented maxLength holds for what is sent, blanks included; the stripped
        # text is checked again by the validators.
        self.max_length_check(result)
        return result.strip() if self.strip else result


class Int(fields.Integer):
    """An integer within 32-bit bounds (PostgreSQL INTEGER) unless narrowed.

    Strict: ``"5"``, ``5.0`` and ``true`` are refused. A query string, where every value
    is text, is read by a ``QuerySchema``, which turns a plain decimal integer into one.
    """

    def __init__(self, *, minimum: int = 0, maximum: int = INT32_MAX, **kwargs):
        validators = _as_list(kwargs.pop("validate", None))
        validators.insert(0, validate.Range(min=minimum, max=maximum))
        super().__init__(strict=True, validate=validators, **kwargs)


# CLDR territories that are not ISO 3166-1 countries (regions, pseudo-codes, "Unknown").
NOT_ISO_3166_1 = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)


@cache
def country_codes() -> frozenset[str]:
    return frozenset(
        code
        for code in Locale("en").territories
        if isinstance(code, str)
        and len(code) == 2
        and code.isalpha()
        and code not in NOT_ISO_3166_1
    )


class Country(fields.String):
    """ISO 3166-1 alpha-2, upper case."""

    default_error_messages = {"country": "Not an ISO 3166-1 alpha-2 country code."}

    def __init__(self, **kwargs):
        # The exact list, so that API clients (and schemathesis) know which codes pass.
        kwargs.setdefault("metadata", {}).update({"example": "US", "enum": sorted(country_codes())})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if code not in country_codes():
            raise self.make_error("country")
        return code


class Email(fields.Email):
    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(max=254), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        return super()._deserialize(value, attr, data, **kwargs)


class Schema(ma.Schema):
    """Base schema: unknown fields are an error (no mass assignment)."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


# A plain decimal integer as a query string writes it (no sign, spaces, dots or exponent
# besides a leading minus); the field's range then applies as to a JSON number.
INT_TEXT = re.compile(r"-?[0-9]{1,12}")


class QuerySchema(Schema):
    """Base of the schemas that read a query string (the API's ``location="query"``
    arguments and the pages' filters): every value arrives as text there, so an integer
    field reads ``?limit=20`` as 20. The same fields stay strict in JSON bodies, whose
    schemas are plain ``Schema``s (``{"moq": "20"}`` is refused)."""

    @ma.pre_load
    def integers_from_text(self, data, **kwargs):
        if not isinstance(data, Mapping):
            return data  # refused by the load itself
        converted = None
        for name, field in self.load_fields.items():
            if not isinstance(field, fields.Integer):
                continue
            key = field.data_key or name
            value = data.get(key)
            if isinstance(value, str) and INT_TEXT.fullmatch(value):
                converted = converted if converted is not None else dict(data)
                converted[key] = int(value)
        return data if converted is None else converted


def list_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """``{"items": [...], "next_cursor": "..." | null}``, the shape of every list."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(allow_none=True, required=True),
        },
    )


# Decimal amounts ---------------------------------------------------------------------
#
# Money and measures arrive as JSON numbers or as decimal strings (the contract; import
# files and page forms send text).  A string must be a plain decimal: digits, at most one
# dot, no sign, exponent, spaces, underscores or leading zeros (Python's Decimal() would
# take all of those).  The spec spells out exactly what is accepted, range and decimals
# included: a pattern for the string and multipleOf / minimum / maximum for the number,
# so a client (or schemathesis) can tell a valid amount from one that will be refused.

DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,24})(?:\.[0-9]{1,24})?")


def _fixed_width_range(low: int, high: int, width: int) -> str:
    """A regex for the ``width``-digit strings (leading zeros kept) from ``low`` to ``high``."""
    if width == 0:
        return ""
    a, b = str(low).zfill(width), str(high).zfill(width)
    if a == b:
        return a
    rest = width - 1
    if a[0] == b[0]:
        return a[0] + _fixed_width_range(int(a[1:]), int(b[1:]), rest)
    if a[1:] == "0" * rest and b[1:] == "9" * rest:
        return f"[{a[0]}-{b[0]}]" + _any_digits(rest)
    parts = [a[0] + _group(_fixed_width_range(int(a[1:] or 0), 10**rest - 1, rest))]
    if int(b[0]) - int(a[0]) > 1:
        parts.append(f"[{int(a[0]) + 1}-{int(b[0]) - 1}]" + _any_digits(rest))
    parts.append(b[0] + _group(_fixed_width_range(0, int(b[1:] or 0), rest)))
    return _group("|".join(parts))


def _any_digits(count: int) -> str:
    return {0: "", 1: "[0-9]"}.get(count, f"[0-9]{{{count}}}")


def _group(regex: str) -> str:
    return f"(?:{regex})" if "|" in regex else regex


def _whole_range(low: int, high: int) -> list[str]:
    """Regexes for the whole numbers ``low..high`` written without leading zeros."""
    parts = []
    for digits in range(len(str(low)), len(str(high)) + 1):
        start = max(low, 10 ** (digits - 1) if digits > 1 else 0)
        end = min(high, 10**digits - 1)
        if start <= end:
            parts.append(_fixed_width_range(start, end, digits))
    return parts


def decimal_pattern(minimum: Decimal, maximum: Decimal, places: int) -> str:
    """The regex of the plain decimal strings from ``minimum`` to ``maximum`` (inclusive,
    both non-negative) with at most ``places`` decimals, e.g. ``"0.5"``, ``"12.30"``."""
    scale = 10**places
    low, high = int(minimum * scale), int(maximum * scale)
    assert low == minimum * scale and high == maximum * scale and 0 <= low <= high
    any_fraction = r"(?:\.[0-9])?" if places == 1 else rf"(?:\.[0-9]{{1,{places}}})?"
    parts = []
    first_full = -(-low // scale)  # whole parts whose every fraction is in range
    last_full = (high - (scale - 1)) // scale
    if first_full <= last_full:
        parts += [w + any_fraction for w in _whole_range(first_full, last_full)]
    for whole in sorted({low // scale, high // scale}):
        if first_full <= whole <= last_full:
            continue
        lo = max(low - whole * scale, 0)
        hi = min(high - whole * scale, scale - 1)
        if lo > hi:
            continue
        fractions = [
            _fixed_width_range(-(-lo // 10 ** (places - n)), hi // 10 ** (places - n), n)
            for n in range(1, places + 1)
            if -(-lo // 10 ** (places - n)) <= hi // 10 ** (places - n)
        ]
        optional = "?" if lo == 0 else ""
        parts.append(rf"{whole}(?:\.(?:{'|'.join(fractions)})){optional}")
    return "^(?:" + "|".join(parts) + ")$"


class _DecimalAmount(fields.Decimal):
    """A JSON number or a plain decimal string within [minimum, maximum], at most
    ``places`` decimals; both forms are documented exactly (see above)."""

    default_error_messages = {
        "places": "At most {places} decimal places.",
        "range": "Must be between {minimum} and {maximum}.",
    }

    def __init__(self, *, minimum, maximum, places: int, string_example: str, **kwargs):
        self.minimum, self.maximum = Decimal(str(minimum)), Decimal(str(maximum))
        self.max_places = places
        number = {
            "type": "number",
            "minimum": float(minimum),
            "maximum": float(maximum),
            "multipleOf": 10.0**-places,
        }
        pattern = decimal_pattern(self.minimum, self.maximum, places)
        string = {"type": "string", "pattern": pattern, "example": string_example}
        kwargs.setdefault("metadata", {}).setdefault("oneOf", [string, number])
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.make_error("invalid")
        if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value):
            raise self.make_error("invalid")
        result = super()._deserialize(value, attr, data, **kwargs)
        exponent = cast(int, result.as_tuple().exponent)  # finite: allow_nan=False
        if exponent < -self.max_places:
            raise self.make_error("places", places=self.max_places)
        if not self._in_range(result):
            raise self.make_error("range", minimum=self.minimum, maximum=self.maximum)
        return result

    def _in_range(self, value: Decimal) -> bool:
        return self.minimum <= value <= self.maximum


# fields.Raw first: apispec takes the OpenAPI type from the first class of the MRO that it
# knows, and Raw has none, so the oneOf of the two types stands (fields.Decimal would add
# "type": "number" next to it).  Raw adds no behaviour.


class Money(fields.Raw, _DecimalAmount):
    """A positive amount with at most 4 decimals, sent as a JSON number or decimal string,
    returned as a decimal string with at least 2 decimals (``"1.20"``, ``"0.085"``)."""

    default_error_messages = {
        "places": "At most {places} decimal places.",
        "range": "Must be greater than 0 and at most {maximum}.",
    }

    def __init__(self, *, maximum: int = 1_000_000, **kwargs):
        # Greater than 0 with at most 4 decimals: from 0.0001.
        minimum = Decimal("0.0001")
        super().__init__(
            minimum=minimum, maximum=maximum, places=4, string_example="1.25", **kwargs
        )

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format_money(value)


def format_money(value) -> str:
    text = format(Decimal(value).normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


class BoundedDecimal(fields.Raw, _DecimalAmount):
    """A decimal measure (cm, kg) within a range, at most ``places`` decimals; sent as a
    JSON number or decimal string, returned as a JSON number."""

    def __init__(self, *, minimum, maximum, places: int = 2, **kwargs):
        super().__init__(
            minimum=minimum, maximum=maximum, places=places, string_example="9.5", **kwargs
        )

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return float(value)
