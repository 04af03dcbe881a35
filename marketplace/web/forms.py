"""Page forms (Flask-WTF, CSRF-protected); field names match the API's."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from babel import Locale
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from marketplace.accounts.models import Role
from marketplace.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from marketplace.fields import country_codes

# Where the cluster's buyers are: listed first in the country drop-down.
MAIN_MARKETS = ("US", "VN", "PH", "IN", "ZA", "DE", "AE")
# Region codes CLDR knows that are not countries a company is registered in.
NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "ZZ"})


def strip(value):
    return value.strip() if isinstance(value, str) else value


class EmailAddress:
    """The same e-mail syntax check as the API's ``Email`` field (no DNS look-ups)."""

    def __init__(self, message=None):
        self.message = message or _l("Enter a valid e-mail address, e.g. name@company.com.")
        self._check = ma.validate.Email()

    def __call__(self, form, field):
        try:
            self._check(field.data or "")
        except ma.ValidationError as exc:
            raise ValidationError(self.message) from exc


def country_choices() -> list[SelectChoice]:
    """ISO 3166-1 alpha-2 codes with names in the page language, main markets first."""
    names = Locale.parse(str(get_locale() or "en")).territories
    main_group, other_group = _l("Main markets"), _l("All countries and regions")
    main = [SelectChoice(code, names.get(code, code), optgroup=main_group) for code in MAIN_MARKETS]
    others = sorted(
        (
            SelectChoice(code, names.get(code, code), optgroup=other_group)
            for code in country_codes() - NOT_COUNTRIES - set(MAIN_MARKETS)
        ),
        key=lambda choice: choice.label,
    )
    return [SelectChoice("", "—"), *main, *others]


def email_field(label, *, check_address: bool = True) -> EmailField:
    """An e-mail address field; sign-in does not check the address's form (an account
    made before a rule changed must still sign in)."""
    validators = [
        DataRequired(_l("Enter your e-mail address.")),
        Length(max=254, message=_l("At most %(max)d characters.")),
    ]
    return EmailField(
        label,
        filters=[strip],
        validators=[*validators, EmailAddress()] if check_address else validators,
    )


class LoginForm(FlaskForm):
    email = email_field(_l("E-mail"), check_address=False)
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Enter your password.")),
            Length(max=1024, message=_l("At most %(max)d characters.")),
        ],
    )
    remember = BooleanField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remember.label.text = _l(
            "Keep me signed in on this computer for %(days)d days",
            days=current_app.config["REMEMBER_ME_DAYS"],
        )


def new_password_field(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=_l("Use %(min)d to %(max)d characters."),
            ),
        ],
        description=_l(
            "%(min)d to %(max)d characters. A long phrase is easy to remember and hard to guess.",
            min=MIN_LENGTH,
            max=MAX_LENGTH,
        ),
    )


class RegisterForm(FlaskForm):
    role = RadioField(
        _l("Account type"),
        choices=[
            SelectChoice(Role.BUYER.value, _l("Buyer — I source slippers for my company")),
            SelectChoice(Role.SUPPLIER.value, _l("Supplier — I sell for a factory in Neikeng")),
        ],
        default=Role.BUYER.value,
        validators=[InputRequired(_l("Choose buyer or supplier."))],
    )
    name = StringField(
        _l("Your full name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=120, message=_l("At most %(max)d characters.")),
        ],
    )
    email = email_field(_l("Business e-mail"))
    password = new_password_field(_l("Password"))
    company_name = StringField(
        _l("Company name"),
        filters=[strip],
        # No Optional(): it would stop the chain before validate_company_name runs.
        validators=[Length(max=200, message=_l("At most %(max)d characters."))],
        description=_l("Required for suppliers: the factory or trading company you sell for."),
    )
    country = SelectField(
        _l("Country / region"),
        validators=[Optional()],
        validate_choice=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()

    def validate_company_name(self, field):
        if self.role.data == Role.SUPPLIER.value and not field.data:
            raise ValidationError(_l("Enter the name of your company."))


class PasswordResetRequestForm(FlaskForm):
    email = email_field(_l("E-mail"))


class PasswordResetForm(FlaskForm):
    """The new password, with the e-mailed link's token carried in a hidden field."""

    token = HiddenField(validators=[DataRequired(), Length(max=200)])
    new_password = new_password_field(_l("New password"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            InputRequired(_l("Enter your current password.")),
            Length(max=1024, message=_l("At most %(max)d characters.")),
        ],
    )
    new_password = new_password_field(_l("New password"))
    # Checked unless the person unticks it: whoever knew the old password may have made
    # tokens with it.
    revoke_tokens = BooleanField(
        _l("Also revoke all my API tokens (integrations will need new ones)"), default=True
    )


class LanguageForm(FlaskForm):
    language = SelectField(validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [
            SelectChoice(code, label) for code, label in current_app.config["LANGUAGES"].items()
        ]


# Shared by the page modules ------------------------------------------------------

COMMON_CURRENCIES = ("USD", "EUR", "CNY", "GBP", "AED", "INR", "PHP", "VND", "ZAR")


class CsrfForm(FlaskForm):
    """Only the CSRF token: the product form's fields are plain inputs named like the API."""


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages -> {"price_tiers": [...], "carton_dimensions_cm": [...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, list):
        return {prefix or "_form": [str(m) for m in messages]}
    for key, value in (messages or {}).items():
        field = prefix or str(key)
        if isinstance(value, dict):
            for _, inner in flatten_errors(value, field).items():
                flat.setdefault(field, []).extend(inner)
        else:
            flat.setdefault(field, []).extend(str(v) for v in value)
    return flat


CUSTOMIZATION_LABELS = {
    "logo": _l("Logo"),
    "color": _l("Color"),
    "packaging": _l("Packaging"),
    "mold": _l("Mold (own design)"),
    "material": _l("Material"),
    "label": _l("Label"),
}
