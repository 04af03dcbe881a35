"""Request and response schemas of inquiries and their messages."""

from __future__ import annotations

from flask import current_app
from marshmallow import ValidationError, fields, validate, validates_schema

from config import Config
from marketplace.catalog.vocab import INCOTERMS, currencies
from marketplace.fields import Country, Int, Money, QuerySchema, Schema, Str, list_schema
from marketplace.inquiries.models import InquiryStatus, Side

MAX_QUANTITY = 100_000_000  # pairs


class MessageText(Str):
    """A message: at least one visible character, at most ``MESSAGE_MAX_CHARS``.

    The spec documents the cap the process started with; the check reads the app's
    setting, so a deployment (or a test) that lowers it is obeyed.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", r"\S")
        super().__init__(
            min_length=1,
            max_length=Config.MESSAGE_MAX_CHARS,
            validate=_within_configured_cap,
            **kwargs,
        )


def _within_configured_cap(text: str) -> None:
    cap = current_app.config["MESSAGE_MAX_CHARS"]
    if len(text) > cap:
        raise ValidationError(f"Longer than maximum length {cap}.")


class InquiryCreateSchema(Schema):
    """What a buyer sends. Give ``supplier_id``, or ``product_id`` (the supplier is the
    product's), or both when they agree."""

    supplier_id = Int(minimum=1, metadata={"description": "The supplier to ask."})
    product_id = Int(
        minimum=1,
        metadata={"description": "A published product the question is about."},
    )
    quantity = Int(required=True, minimum=1, maximum=MAX_QUANTITY, metadata={"example": 5000})
    target_unit_price = Money(maximum=100_000, allow_none=True)
    currency = fields.String(
        validate=validate.OneOf(sorted(currencies())),
        metadata={
            "description": "ISO 4217; default: the product's currency, else USD.",
            "example": "USD",
        },
    )
    destination_country = Country(required=True)
    incoterm = fields.String(validate=validate.OneOf(INCOTERMS), allow_none=True)
    message = MessageText(required=True)

    @validates_schema
    def supplier_or_product(self, data, **kwargs):
        if data.get("supplier_id") is None and data.get("product_id") is None:
            raise ValidationError("Give supplier_id or product_id.", "supplier_id")


# Documented with the schema, so clients (and schemathesis) know one of them is needed.
INQUIRY_CREATE_ONE_OF = {
    "anyOf": [{"required": ["supplier_id"]}, {"required": ["product_id"]}],
}


class InquiryListArgs(QuerySchema):
    status = fields.Enum(InquiryStatus, by_value=True)
    unread = fields.Boolean(
        metadata={"description": "Only inquiries with messages you have not read (or none)."}
    )
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)


class InquiryMessageListArgs(QuerySchema):
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)


class InquiryMessageCreateSchema(Schema):
    body = MessageText(required=True)


class InquiryBuyerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    company_name = fields.String(allow_none=True)
    country = fields.String(allow_none=True)


class InquirySupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    is_verified = fields.Boolean()


class InquiryProductSchema(Schema):
    id = fields.Integer()
    sku = fields.String()
    name = fields.String()


class InquirySchema(Schema):
    id = fields.Integer()
    buyer = fields.Nested(InquiryBuyerSchema)
    supplier_id = fields.Integer()
    supplier = fields.Nested(InquirySupplierSchema)
    product_id = fields.Integer(allow_none=True)
    product = fields.Nested(InquiryProductSchema, allow_none=True)
    quantity = fields.Integer()
    target_unit_price = Money(allow_none=True)
    currency = fields.String()
    destination_country = fields.String()
    incoterm = fields.String(allow_none=True)
    message = fields.String()
    status = fields.Enum(InquiryStatus, by_value=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    first_response_at = fields.AwareDateTime(allow_none=True)
    last_message_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)
    unread_count = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Messages from the other party you have not marked read "
            "(null for admins, who are not a party)."
        },
    )


InquiryListSchema = list_schema(InquirySchema, "InquiryListSchema")


class InquiryMessageSenderSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class InquiryMessageSchema(Schema):
    id = fields.Integer()
    inquiry_id = fields.Integer()
    side = fields.Enum(Side, by_value=True, attribute="sender_side")
    sender = fields.Nested(InquiryMessageSenderSchema, allow_none=True)
    body = fields.String()
    created_at = fields.AwareDateTime()
    unread = fields.Boolean(
        metadata={"description": "From the other party and not yet marked read by you."}
    )


InquiryMessageListSchema = list_schema(InquiryMessageSchema, "InquiryMessageListSchema")
