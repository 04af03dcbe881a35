"""Request and response schemas of the catalog."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from marketplace.catalog import sizes as size_chart
from marketplace.catalog.models import ProductStatus
from marketplace.catalog.rules import check_price_tiers
from marketplace.catalog.vocab import (
    CUSTOMIZATION_OPTIONS,
    HS_CODE_PATTERN,
    INCOTERMS,
    MAX_PRICE_TIERS,
    currencies,
)
from marketplace.fields import (
    BoundedDecimal,
    Int,
    Money,
    QuerySchema,
    Schema,
    Str,
    format_money,
    list_schema,
)

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"


def _eu_size() -> dict:
    return {
        "type": "number",
        "minimum": int(size_chart.MIN_EU),
        "maximum": int(size_chart.MAX_EU),
        "multipleOf": 0.5,
    }


# SizesField's two shapes, for the OpenAPI document (typed, so clients and schemathesis
# send what the field accepts; "from" <= "to" is checked on load).
SIZES_DOC = [
    {
        "type": "object",
        "properties": {
            "system": {"type": "string", "enum": ["EU"]},
            "from": _eu_size(),
            "to": _eu_size(),
        },
        "required": ["from", "to"],
        "additionalProperties": False,
    },
    {"type": "array", "items": _eu_size(), "minItems": 1, "maxItems": 40},
]


class SizesField(fields.Field):
    """``{"system": "EU", "from": 36, "to": 45}`` or a list of EU sizes (half sizes allowed)."""

    default_error_messages = {
        # make_error() str.format()s messages: literal braces are doubled.
        "invalid": 'Give {{"system": "EU", "from": 36, "to": 45}} or a list of EU sizes.',
        "range": f"EU sizes must be between {size_chart.MIN_EU} and {size_chart.MAX_EU}.",
        "order": '"from" must not be larger than "to".',
        "half": "Sizes are whole or half sizes.",
        "too_many": "At most 40 sizes.",
    }

    def _check(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.make_error("invalid")
        try:
            number = Decimal(str(value))
        except ArithmeticError as exc:
            raise self.make_error("invalid") from exc
        if not number.is_finite():
            raise self.make_error("invalid")
        if not (size_chart.MIN_EU <= number <= size_chart.MAX_EU):
            raise self.make_error("range")
        if (number * 2) % 1:
            raise self.make_error("half")
        return number

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            if set(value) - {"system", "from", "to"} or value.get("system", "EU") != "EU":
                raise self.make_error("invalid")
            if "from" not in value or "to" not in value:
                raise self.make_error("invalid")
            start, end = self._check(value["from"]), self._check(value["to"])
            if start > end:
                raise self.make_error("order")
            return {"system": "EU", "from": _num(start), "to": _num(end)}
        if isinstance(value, list):
            if not value:
                raise self.make_error("invalid")
            if len(value) > 40:
                raise self.make_error("too_many")
            return sorted({_num(self._check(item)) for item in value})
        raise self.make_error("invalid")


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class PriceTierSchema(Schema):
    min_qty = Int(required=True, minimum=1, maximum=100_000_000)
    unit_price = Money(required=True, maximum=100_000)


class CartonSchema(Schema):
    length = BoundedDecimal(required=True, minimum=1, maximum=300, places=1)
    width = BoundedDecimal(required=True, minimum=1, maximum=300, places=1)
    height = BoundedDecimal(required=True, minimum=1, maximum=300, places=1)


def unique_list(name: str):
    def check(values):
        if len(values) != len(set(values)):
            raise ValidationError(f"Each {name} may appear once.")

    check.unique_items = True  # type: ignore[attr-defined]  # documented (api_base.unique_items)
    return check


class ProductInputSchema(Schema):
    """Fields a supplier may set; the same names are the import file's columns."""

    sku = Str(required=True, min_length=1, max_length=64, validate=[validate.Regexp(SKU_PATTERN)])
    name = Str(required=True, min_length=3, max_length=200)
    description = Str(max_length=5000)
    category = Str(required=True, min_length=1, max_length=60)
    materials = fields.List(Str(min_length=1, max_length=40), validate=validate.Length(max=10))
    sizes = SizesField(
        allow_none=True,
        metadata={
            "description": '{"system": "EU", "from": 36, "to": 45} or a list of EU sizes',
            "anyOf": SIZES_DOC,
        },
    )
    colors = fields.List(
        Str(min_length=1, max_length=40),
        validate=[validate.Length(max=30), unique_list("color")],
    )
    moq = Int(required=True, minimum=1, maximum=10_000_000)
    currency = fields.String(
        required=True,
        validate=validate.Length(equal=3),
        # The exact list (checked in check_currency), as for countries.
        metadata={"enum": sorted(currencies()), "example": "USD"},
    )
    price_tiers = fields.List(
        fields.Nested(PriceTierSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_PRICE_TIERS),
    )
    lead_time_days = Int(minimum=1, maximum=365, allow_none=True)
    sample_available = fields.Boolean()
    sample_price = Money(maximum=10_000, allow_none=True)
    sample_lead_time_days = Int(minimum=1, maximum=120, allow_none=True)
    customization = fields.List(
        fields.String(validate=validate.OneOf(CUSTOMIZATION_OPTIONS)),
        validate=unique_list("option"),
    )
    pairs_per_carton = Int(minimum=1, maximum=10_000, allow_none=True)
    carton_dimensions_cm = fields.Nested(CartonSchema, allow_none=True)
    carton_weight_kg = BoundedDecimal(minimum=Decimal("0.1"), maximum=500, allow_none=True)
    port_of_loading = Str(max_length=100, allow_none=True)
    incoterms = fields.List(
        fields.String(validate=validate.OneOf(INCOTERMS)), validate=unique_list("Incoterm")
    )
    hs_code = Str(
        max_length=12,
        allow_none=True,
        validate=validate.Regexp(
            HS_CODE_PATTERN, error="Use a chapter-64 (footwear) HS code such as 6402.20."
        ),
    )
    monthly_capacity_pairs = Int(minimum=1, maximum=1_000_000_000, allow_none=True)

    @validates_schema
    def check_currency(self, data, **kwargs):
        currency = data.get("currency")
        if currency is not None and currency.upper() not in currencies():
            raise ValidationError("Not an ISO 4217 currency code.", "currency")

    @validates_schema(skip_on_field_errors=False)
    def check_tiers_against_moq(self, data, **kwargs):
        """Report tier problems with the field errors (the services check again after a
        PATCH merges the stored values)."""
        tiers = data.get("price_tiers")
        # With field errors a tier may arrive half-loaded (no min_qty); those are reported.
        complete = tiers and all({"min_qty", "unit_price"} <= set(tier) for tier in tiers)
        if "moq" in data and complete:
            problems = check_price_tiers(data["moq"], tiers)
            if problems:
                raise ValidationError(problems, "price_tiers")


class ProductUpdateSchema(ProductInputSchema):
    """PATCH: every field optional. (``partial`` is a load option, not a ``Meta`` option:
    set it on every instance, which flask-smorest and apispec both honour.)"""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class ImageSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    thumbnail_url = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    position = fields.Integer()


class ProductSchema(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    description = fields.String()
    category = fields.Function(lambda p: p.category.slug)
    materials = fields.Function(lambda p: [m.name for m in p.materials])
    sizes = fields.Raw(allow_none=True)
    size_chart = fields.Function(
        lambda p: size_chart.conversion_table(p.sizes),
        metadata={"description": "EU sizes with US men/women (or kids), UK and CN (mm)."},
    )
    colors = fields.List(fields.String())
    moq = fields.Integer()
    currency = fields.String()
    price_tiers = fields.Function(
        lambda p: [
            {"min_qty": t.min_qty, "unit_price": format_money(t.unit_price)} for t in p.price_tiers
        ]
    )
    lead_time_days = fields.Integer(allow_none=True)
    sample_available = fields.Boolean()
    sample_price = Money(allow_none=True)
    sample_lead_time_days = fields.Integer(allow_none=True)
    customization = fields.List(fields.String())
    pairs_per_carton = fields.Integer(allow_none=True)
    carton_dimensions_cm = fields.Function(
        lambda p: (
            {
                "length": float(p.carton_length_cm),
                "width": float(p.carton_width_cm),
                "height": float(p.carton_height_cm),
            }
            if p.carton_length_cm is not None
            else None
        )
    )
    carton_weight_kg = BoundedDecimal(minimum=0, maximum=500, allow_none=True)
    port_of_loading = fields.String(allow_none=True)
    incoterms = fields.List(fields.String())
    hs_code = fields.String(allow_none=True)
    monthly_capacity_pairs = fields.Integer(allow_none=True)
    images = fields.Function(lambda p: [image_dict(i) for i in p.images])
    status = fields.Enum(ProductStatus, by_value=True)
    rejection_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


def image_dict(image) -> dict:
    from flask import url_for

    return {
        "id": image.id,
        "url": url_for("media.product_image", filename=image.filename),
        "thumbnail_url": url_for("media.product_image", filename=image.thumbnail_filename),
        "width": image.width,
        "height": image.height,
        "position": image.position,
    }


ProductListSchema = list_schema(ProductSchema, "ProductListSchema")


class ProductListArgs(QuerySchema):
    status = fields.Enum(ProductStatus, by_value=True)
    category = Str(max_length=60)
    q = Str(max_length=200)
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)


class CategorySchema(Schema):
    slug = fields.String()
    name = fields.String()
    name_zh = fields.String(allow_none=True)
    product_count = fields.Integer()


class CategoryCreateSchema(Schema):
    slug = Str(
        required=True,
        min_length=2,
        max_length=60,
        validate=[validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$")],
    )
    name = Str(required=True, min_length=2, max_length=100)
    name_zh = Str(max_length=100, allow_none=True)


class MaterialSchema(Schema):
    name = fields.String()
    name_zh = fields.String(allow_none=True)


class ImageOrderSchema(Schema):
    image_ids = fields.List(Int(minimum=1), required=True, validate=validate.Length(max=10))


class RejectSchema(Schema):
    reason = Str(required=True, min_length=3, max_length=1000)
