"""Marshmallow fields shared by every domain, bounded so that no input reaches the
database in a shape it would reject with a 500 (see shared docs/stack.md)."""

from __future__ import annotations

from functools import cache

import marshmallow as ma
from babel import Locale
from marshmallow import fields, validate

INT32_MAX = 2**31 - 1


class Str(fields.String):
    """A trimmed string with a required maximum length."""

    def __init__(self, *, max_length: int, min_length: int = 0, strip: bool = True, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)
        self.strip = strip
        self.metadata.setdefault("maxLength", max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.strip() if self.strip else result


class Int(fields.Integer):
    """An integer within 32-bit bounds (PostgreSQL INTEGER) unless narrowed."""

    def __init__(self, *, minimum: int = 0, maximum: int = INT32_MAX, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Range(min=minimum, max=maximum))
        super().__init__(strict=True, validate=validators, **kwargs)


@cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha())


class Country(fields.String):
    """ISO 3166-1 alpha-2, upper case."""

    default_error_messages = {"country": "Not an ISO 3166-1 alpha-2 country code."}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(
            {"example": "US", "pattern": "^[A-Z]{2}$", "minLength": 2, "maxLength": 2}
        )
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
