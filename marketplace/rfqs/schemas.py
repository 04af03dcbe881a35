"""Request and response schemas of RFQs and quotations.

Outputs are built per audience by ``marketplace.rfqs.presenters`` (a supplier's view of
an RFQ carries its own ``match``; the buyer's does not), then dumped with these schemas.
"""

from __future__ import annotations

from datetime import UTC

from marshmallow import ValidationError, fields, post_load, validate

from marketplace.catalog.vocab import INCOTERMS, currencies
from marketplace.fields import Country, Int, Money, QuerySchema, Schema, Str, list_schema
from marketplace.messages import CATALOGUE

from .models import QuotationStatus, RFQStatus

# Dates outside these years are refused before any arithmetic (PostgreSQL and Python
# overflow on year 1 or 9999 once an offset is applied).
MIN_YEAR, MAX_YEAR = 2000, 2100


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


class Deadline(fields.AwareDateTime):
    """An ISO 8601 date and time with its offset (``2026-12-10T17:00:00+08:00``), in UTC."""

    default_error_messages = {"year": f"Give a year between {MIN_YEAR} and {MAX_YEAR}."}

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= result.year <= MAX_YEAR:
            raise self.make_error("year")
        return result.astimezone(UTC)


class BoundedDate(fields.Date):
    default_error_messages = {"year": f"Give a year between {MIN_YEAR} and {MAX_YEAR}."}

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= result.year <= MAX_YEAR:
            raise self.make_error("year")
        return result


def _unique(values: list[str]) -> None:
    if len({v.strip().lower() for v in values}) != len(values):
        raise ValidationError("Each material may appear once.")


# Requests ---------------------------------------------------------------------------


class RFQCreateSchema(Schema):
    title = Str(required=True, min_length=3, max_length=200)
    category = Str(
        required=True,
        min_length=1,
        max_length=60,
        metadata={"description": "A category slug from GET /api/v1/categories."},
    )
    materials = fields.List(
        Str(min_length=1, max_length=40),
        validate=[validate.Length(max=10), _unique],
        load_default=list,
        metadata={"description": "Names from GET /api/v1/materials (any case)."},
    )
    quantity = Int(
        required=True, minimum=1, maximum=100_000_000, metadata={"description": "Pairs."}
    )
    target_unit_price = Money(maximum=100_000, allow_none=True, load_default=None)
    currency = Currency(required=True)
    destination_country = Country(required=True)
    incoterm = fields.String(required=True, validate=validate.OneOf(INCOTERMS))
    needed_by = BoundedDate(
        required=True, metadata={"description": "When the goods are needed (YYYY-MM-DD)."}
    )
    quote_deadline = Deadline(
        required=True,
        metadata={
            "description": "Until when suppliers may quote: in the future, at the latest "
            "on needed_by (UTC); ISO 8601 with an offset."
        },
    )
    description = Str(max_length=5000, load_default="")


class QuotationInputSchema(Schema):
    unit_price = Money(required=True, maximum=100_000)
    currency = Currency(
        metadata={"description": "The RFQ's currency (the default); no other is accepted."}
    )
    moq = Int(required=True, minimum=1, maximum=100_000_000, metadata={"description": "Pairs."})
    lead_time_days = Int(required=True, minimum=1, maximum=365)
    valid_until = BoundedDate(
        required=True, metadata={"description": "Last day the offer holds (today or later)."}
    )
    incoterm = fields.String(required=True, validate=validate.OneOf(INCOTERMS))
    notes = Str(max_length=5000, load_default="")


class RFQListArgs(QuerySchema):
    status = fields.String(
        validate=validate.OneOf([s.value for s in RFQStatus]),
        metadata={"description": "Default for supplier members: open."},
    )
    category = Str(max_length=60)
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)

    @post_load
    def lower_category(self, data, **kwargs):
        if "category" in data:
            data["category"] = data["category"].lower()
        return data


class PageArgs(QuerySchema):
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)


class RFQQuotationListArgs(QuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in QuotationStatus]))
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)


class QuotationListArgs(QuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in QuotationStatus]))
    rfq_id = Int(minimum=1)
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)


# Responses --------------------------------------------------------------------------


class RFQBuyerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    company_name = fields.String(allow_none=True)
    country = fields.String(allow_none=True)


class MatchReasonSchema(Schema):
    code = fields.String(
        metadata={
            "enum": ["product", "materials", "moq", "price", "capacity", "verified", "response"]
        }
    )
    message = fields.String(
        allow_none=True,
        metadata={
            "description": "The sentence's code in the message catalogue ("
            + ", ".join(code for code in CATALOGUE if code.startswith("rfq.match."))
            + "); with `params` a client can word it in its own language. Null for a "
            "reason stored before the catalogue whose parameters fit no sentence (then "
            "`text` is the stored one).",
        },
    )
    points = fields.Integer()
    max = fields.Integer()
    text = fields.String(metadata={"description": "The sentence in English."})
    params = fields.Dict()


class MatchSchema(Schema):
    score = fields.Integer(metadata={"description": "Fit 0-100; the ranking of GET /rfqs."})
    reasons = fields.List(fields.Nested(MatchReasonSchema))
    created_at = fields.AwareDateTime()


class MyQuotationSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    revision = fields.Integer()


class RFQSchema(Schema):
    id = fields.Integer()
    buyer = fields.Nested(RFQBuyerSchema)
    title = fields.String()
    category = fields.String()
    category_name = fields.String()
    materials = fields.List(fields.String())
    quantity = fields.Integer()
    target_unit_price = Money(allow_none=True)
    currency = fields.String()
    destination_country = fields.String()
    incoterm = fields.String()
    needed_by = fields.Date()
    quote_deadline = fields.AwareDateTime()
    description = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in RFQStatus]})
    quotation_count = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Quotations received: for the buyer who posted the RFQ and "
            "admins; null for suppliers, who see only `quotations_full`."
        },
    )
    quotations_full = fields.Boolean(
        metadata={"description": "Every quotation place (RFQ_MAX_QUOTATIONS) is taken."}
    )
    matched_supplier_count = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    awarded_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    match = fields.Nested(
        MatchSchema,
        allow_none=True,
        metadata={"description": "For a matched supplier's members: how well it fits and why."},
    )
    my_quotation = fields.Nested(
        MyQuotationSchema,
        allow_none=True,
        metadata={"description": "For supplier members: their company's quotation, if any."},
    )


RFQListSchema = list_schema(RFQSchema, "RFQListSchema")


class QuotationSupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    is_verified = fields.Boolean()
    response_rate = fields.Float(allow_none=True)
    median_response_hours = fields.Float(allow_none=True)


class RFQSummarySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    quantity = fields.Integer()
    status = fields.String(metadata={"enum": [s.value for s in RFQStatus]})


class QuotationSchema(Schema):
    id = fields.Integer()
    rfq_id = fields.Integer()
    rfq = fields.Nested(RFQSummarySchema)
    supplier_id = fields.Integer()
    supplier = fields.Nested(QuotationSupplierSchema)
    unit_price = Money()
    currency = fields.String()
    moq = fields.Integer()
    lead_time_days = fields.Integer()
    valid_until = fields.Date()
    incoterm = fields.String()
    notes = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in QuotationStatus]})
    revision = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)


QuotationListSchema = list_schema(QuotationSchema, "QuotationListSchema")


class QuotationRevisionSchema(Schema):
    revision = fields.Integer()
    unit_price = Money()
    currency = fields.String()
    moq = fields.Integer()
    lead_time_days = fields.Integer()
    valid_until = fields.Date()
    incoterm = fields.String()
    notes = fields.String()
    created_at = fields.AwareDateTime()


class QuotationRevisionListSchema(Schema):
    items = fields.List(fields.Nested(QuotationRevisionSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
