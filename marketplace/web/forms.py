"""Page forms (Flask-WTF, CSRF-protected); field names match the API's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from marketplace.fields import country_codes


def country_choices() -> list[tuple[str, str]]:
    from babel import Locale
    from flask_babel import get_locale

    names = Locale.parse(str(get_locale() or "en")).territories
    return [
        ("", "—"),
        *sorted(
            ((code, names.get(code, code)) for code in country_codes()), key=lambda item: item[1]
        ),
    ]


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in for 30 days"))


class RegisterForm(FlaskForm):
    role = RadioField(
        _l("I am"),
        choices=[("buyer", _l("a buyer")), ("supplier", _l("a supplier (factory)"))],
        default="buyer",
        validators=[DataRequired()],
    )
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=10, max=128)],
        description=_l("10 to 128 characters; avoid common passwords."),
    )
    company_name = StringField(
        _l("Company name"),
        validators=[Optional(), Length(max=200)],
        description=_l("Required for suppliers."),
    )
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()


class LanguageForm(FlaskForm):
    language = SelectField(choices=[("en", "English"), ("zh", "简体中文")])
