"""Request and response schemas of orders and their documents."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from marketplace.catalog.vocab import INCOTERMS
from marketplace.fields import Country, Int, Money, QuerySchema, Schema, Str, list_schema
from marketplace.rfqs.schemas import BoundedDate, Currency

from .models import DocumentKind, OrderStatus

MAX_LINES = 50
MAX_QUANTITY = 10_000_000  # pairs on one line
MAX_SIZES = 30
SIZE_LABEL = re.compile(r"^[0-9]{1,2}(?:\.5)?(?:-[0-9]{1,2}(?:\.5)?)?$")


class SizeBreakdown(fields.Dict):
    """``{"36": 200, "37": 400}``: pairs per size (EU sizes, "36.5" and "36-37" too)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault(
            "description",
            "Pairs per size; the pairs add up to the line's quantity. Sizes like "
            '"36", "36.5" or "36-37".',
        )
        super().__init__(
            keys=fields.String(validate=validate.Regexp(SIZE_LABEL)),
            values=Int(minimum=1, maximum=MAX_QUANTITY),
            validate=validate.Length(min=1, max=MAX_SIZES),
            **kwargs,
        )


class OrderLineSchema(Schema):
    product_id = Int(minimum=1, allow_none=True, load_default=None)
    description = Str(required=True, min_length=1, max_length=300)
    quantity = Int(
        required=True, minimum=1, maximum=MAX_QUANTITY, metadata={"description": "Pairs."}
    )
    unit_price = Money(required=True, maximum=100_000)
    size_breakdown = SizeBreakdown(allow_none=True, load_default=None)

    @validates_schema
    def sizes_add_up(self, data, **kwargs):
        sizes = data.get("size_breakdown")
        if sizes and "quantity" in data and sum(sizes.values()) != data["quantity"]:
            raise ValidationError(
                f"The sizes add up to {sum(sizes.values())} pairs, not the line's "
                f"quantity {data['quantity']}.",
                "size_breakdown",
            )


def _lines(**kwargs):
    return fields.List(
        fields.Nested(OrderLineSchema), validate=validate.Length(min=1, max=MAX_LINES), **kwargs
    )


class _Terms(Schema):
    incoterm = fields.String(validate=validate.OneOf(INCOTERMS))
    port_of_loading = Str(max_length=100, allow_none=True)
    deposit_percent = Int(minimum=0, maximum=100)
    ship_by = BoundedDate(allow_none=True, metadata={"description": "YYYY-MM-DD"})
    notes = Str(max_length=5000)


class OrderCreateSchema(_Terms):
    buyer_id = Int(minimum=1, required=True)
    inquiry_id = Int(
        minimum=1,
        metadata={"description": "The buyer's inquiry to your company this order answers."},
    )
    lines = _lines(required=True)
    currency = Currency(required=True)
    incoterm = fields.String(required=True, validate=validate.OneOf(INCOTERMS))
    destination_country = Country(
        metadata={"description": "Default: the inquiry's destination country."}
    )


class OrderUpdateSchema(_Terms):
    lines = _lines()

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.")


class OrderListArgs(QuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)


class OrderShipSchema(Schema):
    carrier = Str(required=True, min_length=1, max_length=100)
    reference = Str(
        required=True,
        min_length=1,
        max_length=100,
        metadata={"description": "The bill of lading or tracking number."},
    )
    container_number = Str(max_length=20, allow_none=True, load_default=None)


class OrderReasonSchema(Schema):
    reason = Str(required=True, min_length=1, max_length=2000)


class OrderResolveSchema(Schema):
    outcome = fields.String(
        required=True, validate=validate.OneOf([OrderStatus.COMPLETED, OrderStatus.CANCELLED])
    )
    note = Str(required=True, min_length=1, max_length=2000)


class OrderDocumentUploadSchema(Schema):
    """The multipart body: the file and its kind (read from the files and the form)."""

    with_form_fields = True

    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "A PDF, XLSX, JPEG or PNG file (checked by its content).",
        },
    )
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in DocumentKind]))


# Responses --------------------------------------------------------------------------


class OrderPartySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    company_name = fields.String(allow_none=True)
    country = fields.String(allow_none=True)


class OrderSupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class OrderLineOutSchema(Schema):
    product_id = fields.Integer(allow_none=True)
    description = fields.String()
    quantity = fields.Integer()
    unit_price = Money(maximum=100_000)
    amount = fields.String(metadata={"description": "quantity * unit_price, a decimal string"})
    size_breakdown = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)


class OrderTrackingSchema(Schema):
    carrier = fields.String()
    reference = fields.String()
    container_number = fields.String(allow_none=True)


class OrderEventSchema(Schema):
    status = fields.String(metadata={"enum": [s.value for s in OrderStatus]})
    at = fields.AwareDateTime()
    by = fields.Integer(
        allow_none=True, metadata={"description": "The user's id; null: the system."}
    )
    note = fields.String()


class OrderDocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": [k.value for k in DocumentKind]})
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    uploaded_at = fields.AwareDateTime()
    uploaded_by = fields.Integer(allow_none=True)
    url = fields.String()


class OrderSchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"example": "NK-2026-000123"})
    quotation_id = fields.Integer(allow_none=True)
    rfq_id = fields.Integer(allow_none=True)
    inquiry_id = fields.Integer(allow_none=True)
    buyer = fields.Nested(OrderPartySchema)
    supplier_id = fields.Integer()
    supplier = fields.Nested(OrderSupplierSchema)
    status = fields.String(metadata={"enum": [s.value for s in OrderStatus]})
    currency = fields.String()
    lines = fields.List(fields.Nested(OrderLineOutSchema))
    total = fields.String(
        metadata={"description": "The sum of quantity * unit_price, a decimal string."}
    )
    incoterm = fields.String()
    port_of_loading = fields.String(allow_none=True)
    destination_country = fields.String()
    deposit_percent = fields.Integer()
    ship_by = fields.Date(allow_none=True)
    tracking = fields.Nested(OrderTrackingSchema, allow_none=True)
    notes = fields.String()
    events = fields.List(fields.Nested(OrderEventSchema))
    documents = fields.List(fields.Nested(OrderDocumentSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


OrderListSchema = list_schema(OrderSchema, "OrderListSchema")
