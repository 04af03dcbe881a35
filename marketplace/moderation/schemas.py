"""Request and response schemas of moderation, reports and the audit log."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from marketplace.accounts.models import Role, UserStatus
from marketplace.catalog.models import ProductStatus
from marketplace.catalog.schemas import ProductSchema
from marketplace.fields import Int, QuerySchema, Schema, Str, list_schema
from marketplace.moderation.models import ReportStatus, ReportTargetType
from marketplace.suppliers.models import SupplierStatus, VerificationStatus
from marketplace.suppliers.schemas import CertificationSchema, SupplierSchema


def limit_field():
    return Int(minimum=1, maximum=100, load_default=20)


def cursor_field():
    return Str(max_length=500)


class Text(Str):
    """Free text of at least ``min_length`` characters once trimmed; the spec's pattern
    says exactly that (two non-blank characters ``min_length - 2`` or more apart)."""

    def __init__(self, *, min_length: int, max_length: int, **kwargs):
        gap = {1: None, 2: r"[\s\S]*", 3: r"[\s\S]+"}[min_length]
        pattern = r"\S" if gap is None else rf"\S{gap}\S"
        kwargs.setdefault("metadata", {}).setdefault("pattern", pattern)
        super().__init__(min_length=min_length, max_length=max_length, **kwargs)


# Products ------------------------------------------------------------------------


class FlagSchema(Schema):
    code = fields.String(
        metadata={"enum": ["prohibited_term", "near_duplicate", "price_outlier"]},
    )
    reason = fields.String()


class SupplierBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String(attribute="status.value")
    verification_status = fields.String(attribute="verification_status.value")
    is_verified = fields.Boolean()


class AdminProductSchema(ProductSchema):
    """The product as the public will see it, with what the admin needs to judge it."""

    supplier = fields.Nested(SupplierBriefSchema)
    flags = fields.List(fields.Nested(FlagSchema))
    submitted_at = fields.AwareDateTime(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)


AdminProductListSchema = list_schema(AdminProductSchema, "AdminProductListSchema")


class AdminProductListArgs(QuerySchema):
    status = fields.Enum(
        ProductStatus,
        by_value=True,
        load_default=ProductStatus.PENDING_REVIEW,
        metadata={"description": "pending_review (the queue, oldest first) by default"},
    )
    supplier_id = Int(minimum=1)
    category = Str(max_length=60)
    flagged = fields.Boolean(metadata={"description": "only products with (or without) flags"})
    q = Str(max_length=200)
    limit = limit_field()
    cursor = cursor_field()


class RejectSchema(Schema):
    reason = Text(
        required=True,
        min_length=3,
        max_length=1000,
        metadata={"description": "Shown to the supplier."},
    )


class SuspendSchema(Schema):
    reason = Text(required=True, min_length=3, max_length=500)


# Suppliers and users -------------------------------------------------------------


class VerificationRequestBriefSchema(Schema):
    id = fields.Integer()
    business_licence_number = fields.String()
    evidence = fields.String()
    status = fields.String(attribute="status.value")
    decision_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)


class AdminSupplierSchema(SupplierSchema):
    suspended_reason = fields.String(allow_none=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    certifications = fields.List(fields.Nested(CertificationSchema))
    verification_request = fields.Nested(
        VerificationRequestBriefSchema,
        allow_none=True,
        metadata={"description": "The latest verification request and its evidence."},
    )


AdminSupplierListSchema = list_schema(AdminSupplierSchema, "AdminSupplierListSchema")


class AdminSupplierListArgs(QuerySchema):
    verification = fields.Enum(VerificationStatus, by_value=True)
    status = fields.Enum(SupplierStatus, by_value=True)
    q = Str(max_length=200)
    limit = limit_field()
    cursor = cursor_field()


class VerifyDecisionSchema(Schema):
    decision = fields.String(
        load_default="verify",
        validate=validate.OneOf(["verify", "refuse"]),
        metadata={"description": "verify (the default) or refuse the pending request"},
    )
    reason = Text(
        min_length=3,
        max_length=1000,
        allow_none=True,
        metadata={"description": "Required to refuse; shown to the supplier."},
    )

    @validates_schema
    def reason_to_refuse(self, data, **kwargs):
        if data.get("decision") == "refuse" and not data.get("reason"):
            raise ValidationError("A reason is required to refuse.", "reason")


class AdminUserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String(attribute="role.value")
    status = fields.String(attribute="status.value")
    suspended_reason = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    supplier_id = fields.Integer(allow_none=True)
    company_role = fields.Function(
        lambda u: u.company_role.value if u.company_role else None, allow_none=True
    )
    last_login_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


AdminUserListSchema = list_schema(AdminUserSchema, "AdminUserListSchema")


class AdminUserListArgs(QuerySchema):
    q = Str(max_length=254, metadata={"description": "part of the e-mail or name"})
    role = fields.Enum(Role, by_value=True)
    status = fields.Enum(UserStatus, by_value=True)
    limit = limit_field()
    cursor = cursor_field()


# Reports -------------------------------------------------------------------------


class ReportCreateSchema(Schema):
    target_type = fields.Enum(ReportTargetType, by_value=True, required=True)
    target_id = Int(required=True, minimum=1)
    reason = Text(required=True, min_length=3, max_length=2000)


class ReportSchema(Schema):
    """A report as its author sees it: what was reported and the outcome."""

    id = fields.Integer()
    target_type = fields.Enum(ReportTargetType, by_value=True)
    target_id = fields.Integer()
    target_label = fields.String()
    reason = fields.String()
    status = fields.Enum(ReportStatus, by_value=True)
    resolution_note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    resolved_at = fields.AwareDateTime(allow_none=True)


ReportListSchema = list_schema(ReportSchema, "ReportListSchema")


class ReporterSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String(attribute="role.value")


class AdminReportSchema(ReportSchema):
    reporter = fields.Nested(ReporterSchema)
    supplier_id = fields.Integer(allow_none=True)
    target_status = fields.String(
        allow_none=True,
        metadata={"description": "The reported object's status now (null if it is gone)."},
    )
    resolved_by_id = fields.Integer(allow_none=True)


AdminReportListSchema = list_schema(AdminReportSchema, "AdminReportListSchema")


class ReportListArgs(QuerySchema):
    status = fields.Enum(ReportStatus, by_value=True)
    limit = limit_field()
    cursor = cursor_field()


class AdminReportListArgs(ReportListArgs):
    status = fields.Enum(
        ReportStatus,
        by_value=True,
        metadata={"description": "open, dismissed or target_removed (all when omitted)"},
    )
    target_type = fields.Enum(ReportTargetType, by_value=True)


class ResolveSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["dismiss", "remove_target"]))
    note = Text(
        min_length=1,
        max_length=2000,
        allow_none=True,
        metadata={
            "description": "Shown to the reporter; required for remove_target, where it is "
            "also the suspension reason the supplier sees."
        },
    )

    @validates_schema
    def note_to_remove(self, data, **kwargs):
        if data.get("action") == "remove_target" and not data.get("note"):
            raise ValidationError("A note is required to remove the target.", "note")


# Prohibited terms ----------------------------------------------------------------


class ProhibitedTermSchema(Schema):
    id = fields.Integer()
    term = fields.String()
    created_at = fields.AwareDateTime()


ProhibitedTermListSchema = list_schema(ProhibitedTermSchema, "ProhibitedTermListSchema")


class ProhibitedTermCreateSchema(Schema):
    term = Text(
        required=True,
        min_length=2,
        max_length=100,
        metadata={
            "description": "Matched as whole words, whatever the case, accents, spacing, "
            "punctuation or look-alike letters (AirJordan and Air-Jordan for Air Jordan)."
        },
    )


class ListArgs(QuerySchema):
    limit = limit_field()
    cursor = cursor_field()


# Audit log -----------------------------------------------------------------------


class AuditEntrySchema(Schema):
    id = fields.Integer()
    created_at = fields.AwareDateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_email = fields.String(allow_none=True)
    actor_role = fields.String(allow_none=True)
    action = fields.String()
    target_type = fields.String()
    target_id = fields.Integer(allow_none=True)
    supplier_id = fields.Integer(allow_none=True)
    before_status = fields.String(allow_none=True)
    after_status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    details = fields.Dict()
    request_id = fields.String(allow_none=True)


AuditEntryListSchema = list_schema(AuditEntrySchema, "AuditEntryListSchema")


class SupplierAuditEntrySchema(Schema):
    """An entry as the company's members see it: the platform's admins are not named."""

    id = fields.Integer()
    created_at = fields.AwareDateTime()
    actor = fields.Function(
        lambda e: "platform" if e.actor_role == Role.ADMIN.value else (e.actor_email or "system"),
        metadata={"description": "a member's e-mail, `platform` (an admin) or `system`"},
    )
    action = fields.String()
    target_type = fields.String()
    target_id = fields.Integer(allow_none=True)
    before_status = fields.String(allow_none=True)
    after_status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    details = fields.Function(lambda e: _public_details(e.details))


def _public_details(details: dict) -> dict:
    """What a company may read of an entry's details (never who reported it)."""
    hidden = {"report_id"}
    return {key: value for key, value in (details or {}).items() if key not in hidden}


SupplierAuditEntryListSchema = list_schema(SupplierAuditEntrySchema, "SupplierAuditEntryListSchema")


class AuditLogArgs(QuerySchema):
    actor_id = Int(minimum=1)
    actor_email = Str(max_length=254)
    action = Str(
        max_length=60,
        metadata={"description": "an action (`product.reject`) or a family (`product`)"},
    )
    target_type = Str(max_length=40)
    target_id = Int(minimum=1)
    supplier_id = Int(minimum=1)
    since = fields.Date(metadata={"description": "from this UTC day (inclusive)"})
    until = fields.Date(metadata={"description": "to this UTC day (inclusive)"})
    limit = limit_field()
    cursor = cursor_field()


class SupplierAuditLogArgs(QuerySchema):
    action = Str(
        max_length=60,
        metadata={"description": "an action (`product.reject`) or a family (`product`)"},
    )
    since = fields.Date()
    until = fields.Date()
    limit = limit_field()
    cursor = cursor_field()


class HeadlineFiguresSchema(Schema):
    queue_length = fields.Integer()
    flagged_in_queue = fields.Integer()
    median_review_hours_30_days = fields.Float(allow_none=True)
    suppliers_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    suppliers_by_verification = fields.Dict(keys=fields.String(), values=fields.Integer())
    open_reports = fields.Integer()
