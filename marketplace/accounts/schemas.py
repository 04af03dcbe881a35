from __future__ import annotations

from marshmallow import fields, validate

from marketplace.accounts.models import CompanyRole, Role
from marketplace.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from marketplace.fields import Country, Email, Schema, Str, list_schema

# The password policy (length, common passwords, not the e-mail) is applied by the service
# with its own messages; the spec still documents the length bounds.
NEW_PASSWORD_DOC = {"minLength": MIN_LENGTH, "description": "10-128 characters, not a common one."}


class RegisterSchema(Schema):
    email = Email(required=True)
    password = fields.String(
        required=True, validate=validate.Length(max=MAX_LENGTH), metadata=NEW_PASSWORD_DOC
    )
    name = Str(required=True, min_length=1, max_length=120)
    role = fields.String(required=True, validate=validate.OneOf([Role.BUYER, Role.SUPPLIER]))
    company_name = Str(max_length=200, load_default=None, allow_none=True)
    country = Country(load_default=None, allow_none=True)


class LoginSchema(Schema):
    email = Str(required=True, max_length=254)
    password = fields.String(required=True, validate=validate.Length(max=1024))
    remember = fields.Boolean(load_default=False)


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    role = fields.Enum(Role, by_value=True, dump_only=True)
    country = fields.String(dump_only=True, allow_none=True)
    company_name = fields.String(dump_only=True, allow_none=True)
    supplier_id = fields.Integer(dump_only=True, allow_none=True)
    company_role = fields.Enum(CompanyRole, by_value=True, dump_only=True, allow_none=True)
    locale = fields.String(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class ProfileUpdateSchema(Schema):
    name = Str(min_length=1, max_length=120)
    country = Country(allow_none=True)
    company_name = Str(max_length=200, allow_none=True)
    locale = fields.String(allow_none=True, validate=validate.OneOf(["en", "zh"]))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=1024))
    new_password = fields.String(
        required=True, validate=validate.Length(max=MAX_LENGTH), metadata=NEW_PASSWORD_DOC
    )
    revoke_tokens = fields.Boolean(
        load_default=True,
        metadata={
            "description": "Revoke every API token of yours too (default). False keeps "
            "them, e.g. for an integration you trust that the old password never reached."
        },
    )


class PasswordResetRequestSchema(Schema):
    email = Email(required=True)


class PasswordResetRequestedSchema(Schema):
    message = fields.String(dump_only=True)


class PasswordResetConfirmSchema(Schema):
    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The `token=` of the link in the e-mail."},
    )
    new_password = fields.String(
        required=True, validate=validate.Length(max=MAX_LENGTH), metadata=NEW_PASSWORD_DOC
    )


class TokenCreateSchema(Schema):
    name = Str(required=True, min_length=1, max_length=100)
    password = fields.String(
        validate=validate.Length(max=1024),
        metadata={
            "description": "Your password, needed when it was last entered in this "
            "session more than TOKEN_CREATE_REAUTH_SECONDS (15 minutes) ago."
        },
    )


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    last_used_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class TokenCreatedSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "Shown once; store it safely."})


TokenListSchema = list_schema(TokenSchema, "TokenListSchema")


class CsrfSchema(Schema):
    csrf_token = fields.String(dump_only=True)
