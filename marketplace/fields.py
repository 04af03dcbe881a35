"""Marshmallow fields shared by every domain, bounded so that no input reaches the
database in a shape it would reject with a 500 (see shared docs/stack.md)."""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import cache

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
        self.metadata.setdefault("maxLength", max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.strip() if self.strip else result


# Set by the request parser (marketplace.api_base) while it loads a text location (query
# string, path, headers, form), where every value arrives as a string.
parsing_text_location: ContextVar[bool] = ContextVar("parsing_text_location", default=False)
INT_TEXT = re.compile(r"-?[0-9]{1,12}")


class Int(fields.Integer):
    """An integer within 32-bit bounds (PostgreSQL INTEGER) unless narrowed.

    Strict in JSON bodies (``"5"``, ``5.0`` and ``true`` are refused); in a query string
    or path, where everything is text, a plain decimal integer is accepted.
    """

    def __init__(self, *, minimum: int = 0, maximum: int = INT32_MAX, **kwargs):
        validators = _as_list(kwargs.pop("validate", None))
        validators.insert(0, validate.Range(min=minimum, max=maximum))
        super().__init__(strict=True, validate=validators, **kwargs)

    def _validated(self, value):
        if isinstance(value, str) and parsing_text_location.get() and INT_TEXT.fullmatch(value):
            value = int(value)
        return super()._validated(value)


# CLDR territories that are not ISO 3166-1 countries (regions, pseudo-codes, "Unknown").
NOT_ISO_3166_1 = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)


@cache
def country_codes() -> frozenset[str]:
    return frozenset(
        code
        for code in Locale("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_ISO_3166_1
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


class Money(fields.Decimal):
    """A positive amount with at most 4 decimals, sent as a JSON number or decimal string,
    returned as a decimal string with at least 2 decimals (``"1.20"``, ``"0.085"``)."""

    default_error_messages = {
        "places": "At most 4 decimal places.",
        "range": "Must be greater than 0 and at most {maximum}.",
    }

    def __init__(self, *, maximum: int = 1_000_000, **kwargs):
        kwargs.setdefault("metadata", {}).update(
            {"type": "string", "format": "decimal", "example": "1.25"}
        )
        super().__init__(allow_nan=False, **kwargs)
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str) and len(value) > 32:
            raise self.make_error("invalid")
        result = super()._deserialize(value, attr, data, **kwargs)
        if result.as_tuple().exponent < -4:
            raise self.make_error("places")
        if not (0 < result <= self.maximum):
            raise self.make_error("range", maximum=self.maximum)
        return result

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format_money(value)


def format_money(value) -> str:
    from decimal import Decimal

    text = format(Decimal(value).normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


class BoundedDecimal(fields.Decimal):
    """A decimal measure (cm, kg) within a range, at most ``places`` decimals."""

    default_error_messages = {
        "range": "Must be between {minimum} and {maximum}.",
        "places": "At most {places} decimal places.",
    }

    def __init__(self, *, minimum, maximum, places: int = 2, **kwargs):
        # JSON numbers in the spec (a Decimal would be written as a string there).
        kwargs.setdefault("metadata", {}).update(
            {"minimum": float(minimum), "maximum": float(maximum)}
        )
        super().__init__(allow_nan=False, **kwargs)
        self.minimum, self.maximum, self.max_places = minimum, maximum, places

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or (isinstance(value, str) and len(value) > 32):
            raise self.make_error("invalid")
        result = super()._deserialize(value, attr, data, **kwargs)
        if result.as_tuple().exponent < -self.max_places:
            raise self.make_error("places", places=self.max_places)
        if not (self.minimum <= result <= self.maximum):
            raise self.make_error("range", minimum=self.minimum, maximum=self.maximum)
        return result

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return float(value)
