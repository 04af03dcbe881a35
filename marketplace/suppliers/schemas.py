from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, validate

from marketplace.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from marketplace.fields import Country, Email, Int, QuerySchema, Schema, Str, list_schema


class CertificationSchema(Schema):
    name = Str(required=True, min_length=2, max_length=100)
    certificate_number = Str(max_length=100, allow_none=True)
    issued_by = Str(max_length=200, allow_none=True)
    valid_until = fields.Date(allow_none=True)


class SupplierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    city = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    country = fields.String()
    address = fields.String(allow_none=True)
    year_established = fields.Integer(allow_none=True)
    employees = fields.Integer(allow_none=True)
    monthly_capacity_pairs = fields.Integer(allow_none=True)
    main_markets = fields.List(fields.String())
    certifications = fields.List(fields.Nested(CertificationSchema))
    is_verified = fields.Boolean()
    verification_status = fields.String(attribute="verification_status.value")
    status = fields.String(attribute="status.value")
    response_rate = fields.Float(allow_none=True)
    median_response_hours = fields.Float(allow_none=True)
    created_at = fields.AwareDateTime()


SupplierListSchema = list_schema(SupplierSchema, "SupplierListSchema")

BANK_DETAILS_MAX = 1000


class SupplierPrivateSchema(SupplierSchema):
    """The profile as the company's own members and admins see it."""

    bank_details = fields.String(
        allow_none=True,
        metadata={
            "description": "Printed on the company's proforma invoices. Only in the "
            "responses of the company's own members and of admins."
        },
    )


def _unique_markets(codes: list[str]) -> None:
    if len(codes) != len(set(codes)):
        raise ValidationError("Each market may appear once.")


class SupplierUpdateSchema(Schema):
    name = Str(min_length=2, max_length=200)
    description = Str(max_length=5000)
    city = Str(max_length=100, allow_none=True)
    province = Str(max_length=100, allow_none=True)
    address = Str(max_length=300, allow_none=True)
    # Not in the future.  The bound is this year when the app starts: what the spec
    # documents and what the API enforces stay the same until the next restart.
    year_established = Int(minimum=1900, maximum=date.today().year, allow_none=True)
    employees = Int(minimum=1, maximum=1_000_000, allow_none=True)
    monthly_capacity_pairs = Int(minimum=1, maximum=1_000_000_000, allow_none=True)
    main_markets = fields.List(
        Country(),
        validate=[validate.Length(max=50), _unique_markets],
        metadata={"uniqueItems": True},
    )
    certifications = fields.List(
        fields.Nested(CertificationSchema), validate=validate.Length(max=30)
    )
    bank_details = Str(
        max_length=BANK_DETAILS_MAX,
        allow_none=True,
        metadata={
            "description": "Beneficiary, bank, account number, SWIFT...: several lines, "
            "printed on proforma invoices; never shown to the public."
        },
    )


class SupplierListArgs(QuerySchema):
    q = Str(
        max_length=200,
        metadata={
            "description": "Words to find in the company name, city, province and "
            'description (every word; partial words match: "jinj"). Ranked with sort=relevance.'
        },
    )
    verified = fields.Boolean(metadata={"description": "Only (or no) verified suppliers."})
    certification = Str(
        max_length=100,
        metadata={"description": "A valid certificate the supplier holds.", "example": "BSCI"},
    )
    market = Country(metadata={"description": "A main export market (ISO 3166-1 alpha-2)."})
    city = Str(
        max_length=100,
        metadata={
            "description": "The city, or one of its comma-separated parts "
            '("Jinjiang" finds "Neikeng, Jinjiang"); any case.',
            "example": "Jinjiang",
        },
    )
    province = Str(max_length=100, metadata={"example": "Fujian"})
    category = Str(
        max_length=60,
        metadata={"description": "Category slug: suppliers with published products in it."},
    )
    min_capacity = Int(
        minimum=1,
        maximum=1_000_000_000,
        metadata={"description": "Lowest monthly_capacity_pairs (pairs a month)."},
    )
    sort = fields.String(
        validate=validate.OneOf(("relevance", "response_rate", "newest")),
        metadata={
            "description": "relevance (with q; the default then), response_rate (highest "
            "first, suppliers without a rate last) or newest (the default without q)."
        },
    )
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500, metadata={"description": "next_cursor of the previous page."})


class MemberSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    company_role = fields.String(attribute="company_role.value")
    last_login_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


MemberListSchema = list_schema(MemberSchema, "MemberListSchema")


class MemberCreateSchema(Schema):
    email = Email(required=True)
    name = Str(required=True, min_length=1, max_length=120)
    password = fields.String(
        validate=validate.Length(max=MAX_LENGTH),
        # The policy is the service's, as at registration; the spec documents the length.
        metadata={
            "minLength": MIN_LENGTH,
            "description": "Required when the e-mail has no account yet: 10-128 characters, "
            "not a common one.",
        },
    )


class VerificationRequestCreateSchema(Schema):
    business_licence_number = Str(
        required=True,
        min_length=8,
        max_length=50,
        validate=validate.Regexp(r"^[0-9A-Z-]+$", error="Letters A-Z, digits and dashes only."),
        metadata={"description": "Unified social credit code (18 characters) or licence no."},
    )
    evidence = Str(max_length=5000, load_default="")


class VerificationRequestSchema(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    business_licence_number = fields.String()
    evidence = fields.String()
    status = fields.String(attribute="status.value")
    decision_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)


class SupplierStatsSchema(Schema):
    products_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    inquiries_last_30_days = fields.Integer()
    rfq_quotes_last_30_days = fields.Integer()
    response_rate = fields.Float(allow_none=True)
    median_response_hours = fields.Float(allow_none=True)
