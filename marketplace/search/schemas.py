"""Query arguments and the result body of ``GET /api/v1/products``."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, validate

from marketplace.catalog.schemas import ProductSchema
from marketplace.catalog.vocab import CUSTOMIZATION_OPTIONS
from marketplace.fields import BoundedDecimal, Int, Money, QuerySchema, Schema, Str, format_money

MAX_QUERY_LENGTH = 200
SORTS = ("relevance", "newest", "price_asc", "moq_asc")


def _half_size(value: Decimal) -> None:
    if (value * 2) % 1:
        raise ValidationError("EU sizes come in whole or half sizes.")


class SearchArgs(QuerySchema):
    q = Str(
        max_length=MAX_QUERY_LENGTH,
        metadata={
            "description": "Words to find in name, description, materials, category "
            'and supplier name; ranked. Partial words match ("slipp").'
        },
    )
    category = Str(max_length=60, metadata={"description": "Category slug."})
    material = Str(max_length=40, metadata={"example": "EVA"})
    color = Str(max_length=40)
    size = BoundedDecimal(
        minimum=16,
        maximum=52,
        places=1,
        validate=_half_size,
        metadata={
            "description": "EU size the product is made in (its range or list).",
            "multipleOf": 0.5,
        },
    )
    max_moq = Int(minimum=1)
    quantity = Int(
        minimum=1,
        metadata={
            "description": "Pairs you would order: leaves out products whose MOQ is "
            "above it; max_price and price_asc use the tier price at this quantity."
        },
    )
    max_price = Money(metadata={"description": "Highest unit price, in the product's currency."})
    max_lead_time_days = Int(minimum=0, maximum=3650)
    verified = fields.Boolean(metadata={"description": "Only (or no) verified suppliers."})
    certification = Str(max_length=100, metadata={"example": "BSCI"})
    customization = fields.String(validate=validate.OneOf(CUSTOMIZATION_OPTIONS))
    supplier_id = Int(minimum=1)
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={"description": "Default: relevance with q, else newest."},
    )
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500, metadata={"description": "next_cursor of the previous page."})


class SupplierSummarySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    is_verified = fields.Boolean()
    response_rate = fields.Float(allow_none=True)


class SearchItemSchema(ProductSchema):
    supplier = fields.Nested(SupplierSummarySchema)
    unit_price_at_quantity = fields.Function(
        lambda p: _money(getattr(p, "search_unit_price", None)),
        allow_none=True,
        metadata={"type": "string", "description": "Tier price at the quantity asked for."},
    )


def _money(value):
    return format_money(value) if value is not None else None


class FacetsSchema(Schema):
    category = fields.Dict(keys=fields.String(), values=fields.Integer())
    material = fields.Dict(keys=fields.String(), values=fields.Integer())
    verified = fields.Dict(keys=fields.String(), values=fields.Integer())


class StoredCard(fields.Nested):
    """A search result item: already the ``SearchItemSchema`` dump (the card the indexer
    stored), sent as it is; documented as that schema."""

    # Field names this parameter ``value``, Nested ``nested_obj``: no name satisfies both.
    def _serialize(self, value, attr, obj, **kwargs):  # type: ignore[override]
        return value


class SearchResultSchema(Schema):
    items = fields.List(StoredCard(SearchItemSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    total = fields.Integer(required=True)
    total_is_estimate = fields.Boolean(
        required=True,
        metadata={
            "description": "True when total (and the facet counts) are estimates: "
            "more than 10,000 matches."
        },
    )
    facets = fields.Nested(FacetsSchema, required=True)
    spelling = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        allow_none=True,
        metadata={
            "description": "When nothing matched the words as typed: the catalog "
            'words searched instead ("slipers" -> ["slipper"]).'
        },
    )
