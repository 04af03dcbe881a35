"""Request and response schemas of sample requests."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app
from marshmallow import ValidationError, fields, post_load, validate

from config import Config
from marketplace.catalog.vocab import currencies
from marketplace.fields import (
    Country,
    Int,
    QuerySchema,
    Schema,
    Str,
    _DecimalAmount,
    format_money,
    list_schema,
)
from marketplace.samples.models import SampleStatus

NOTE_MAX_CHARS = 2000
REASON_MAX_CHARS = 1000
MAX_READY_IN_DAYS = 365
MAX_FEE = 100_000
VISIBLE = r"\S"  # at least one visible character (the text is trimmed)


class Fee(fields.Raw, _DecimalAmount):
    """An amount from 0 (free) with at most 2 decimals, sent as a JSON number or decimal
    string, returned as a decimal string (``"0.00"``, ``"35.00"``)."""

    def __init__(self, **kwargs):
        super().__init__(minimum=0, maximum=MAX_FEE, places=2, string_example="25.00", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format_money(Decimal(value).quantize(Decimal("0.01")))


class Currency(fields.String):
    """An ISO 4217 code, upper case."""

    default_error_messages = {"currency": "Not an ISO 4217 currency code."}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({"enum": sorted(currencies()), "example": "USD"})
        super().__init__(validate=validate.Length(equal=3), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        if code not in currencies():
            raise self.make_error("currency")
        return code


def _within_configured_pairs(value: int) -> None:
    cap = current_app.config["SAMPLE_MAX_PAIRS"]
    if value > cap:
        raise ValidationError(f"Must be between 1 and {cap}.")


def _once_each(values: list[str]) -> list[str]:
    """The values in their order, a repeat (in any case) left out."""
    seen: set[str] = set()
    kept = []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    return kept


# Requests ---------------------------------------------------------------------------


class SampleRequestCreateSchema(Schema):
    product_id = Int(
        required=True, minimum=1, metadata={"description": "A published product (its supplier)."}
    )
    quantity_pairs = Int(
        required=True,
        minimum=1,
        maximum=Config.SAMPLE_MAX_PAIRS,
        validate=_within_configured_pairs,
        metadata={"description": "Sample pairs wanted (1 to SAMPLE_MAX_PAIRS).", "example": 4},
    )
    sizes = fields.List(
        Str(min_length=1, max_length=20, metadata={"pattern": VISIBLE}),
        validate=validate.Length(max=20),
        load_default=list,
        metadata={"example": ["38", "40"]},
    )
    colors = fields.List(
        Str(min_length=1, max_length=40, metadata={"pattern": VISIBLE}),
        validate=validate.Length(max=20),
        load_default=list,
        metadata={"example": ["black", "pink"]},
    )
    note = Str(max_length=NOTE_MAX_CHARS, load_default="")
    destination_country = Country(required=True)

    @post_load
    def drop_repeats(self, data, **kwargs):
        data["sizes"] = _once_each(data["sizes"])
        data["colors"] = _once_each(data["colors"])
        return data


class SampleQuoteSchema(Schema):
    fee = Fee(required=True, metadata={"description": "For the samples; 0 = free."})
    shipping_fee = Fee(required=True, metadata={"description": "For the courier; 0 = free."})
    currency = Currency(required=True)
    ready_in_days = Int(
        required=True,
        minimum=0,
        maximum=MAX_READY_IN_DAYS,
        metadata={"description": "Days until the samples are ready to ship."},
    )


class SampleShipSchema(Schema):
    carrier = Str(
        required=True,
        min_length=1,
        max_length=100,
        metadata={"example": "DHL", "pattern": VISIBLE},
    )
    reference = Str(
        required=True,
        min_length=1,
        max_length=100,
        metadata={"example": "1234567890", "pattern": VISIBLE},
    )


class SampleDeclineSchema(Schema):
    reason = Str(
        required=True,
        min_length=1,
        max_length=REASON_MAX_CHARS,
        metadata={"pattern": VISIBLE},
    )


class SampleRequestListArgs(QuerySchema):
    status = fields.Enum(SampleStatus, by_value=True)
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)


# Responses --------------------------------------------------------------------------


class SampleBuyerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    company_name = fields.String(allow_none=True)
    country = fields.String(allow_none=True)


class SampleSupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    is_verified = fields.Boolean()


class SampleProductSchema(Schema):
    id = fields.Integer()
    sku = fields.String()
    name = fields.String()


class TrackingSchema(Schema):
    carrier = fields.String()
    reference = fields.String()


class SampleRequestSchema(Schema):
    id = fields.Integer()
    buyer = fields.Nested(SampleBuyerSchema)
    supplier_id = fields.Integer()
    supplier = fields.Nested(SampleSupplierSchema)
    product_id = fields.Integer(allow_none=True)
    product = fields.Nested(SampleProductSchema, allow_none=True)
    quantity_pairs = fields.Integer()
    sizes = fields.List(fields.String())
    colors = fields.List(fields.String())
    note = fields.String()
    destination_country = fields.String()
    status = fields.Enum(SampleStatus, by_value=True)
    fee = Fee(allow_none=True)
    shipping_fee = Fee(allow_none=True)
    currency = fields.String(allow_none=True)
    ready_in_days = fields.Integer(allow_none=True)
    tracking = fields.Nested(TrackingSchema, allow_none=True)
    decline_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    quoted_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    shipped_at = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime(allow_none=True)
    declined_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)


SampleRequestListSchema = list_schema(SampleRequestSchema, "SampleRequestListSchema")
