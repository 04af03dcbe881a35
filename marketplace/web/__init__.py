"""Server-rendered pages: home, accounts and the per-role dashboard homes.

Every page works without JavaScript; forms post with a CSRF token and carry the
same field names as the API.
"""

from __future__ import annotations

from babel import Locale
from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from marketplace import ratelimit
from marketplace.accounts import services
from marketplace.accounts.auth import start_login
from marketplace.accounts.models import Role, User
from marketplace.errors import Conflict, RateLimited, Unauthorized, ValidationFailed
from marketplace.extensions import db
from marketplace.i18n import LANG_COOKIE
from marketplace.net import client_ip
from marketplace.permissions import login_required
from marketplace.web import navigation
from marketplace.web.forms import LanguageForm, LoginForm, RegisterForm
from marketplace.web.messages import status_title, translate_message
from marketplace.web.safe_next import safe_next

bp = Blueprint("web", __name__)

LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def home_for(user: User) -> str:
    """Where a user lands after signing in: their role's dashboard."""
    if user.is_admin:
        return url_for("web.admin_home")
    if user.is_supplier_member:
        return url_for("web.supplier_dashboard")
    if user.is_buyer:
        return url_for("web.buyer_home")
    return url_for("web.home")  # a supplier account no longer in any company


def page_user() -> User | None:
    """The signed-in user for the page chrome, or None.

    Error pages use it too; when the database is down the user cannot be loaded and the
    page is drawn for a visitor.  (Flask-Login's own context processor also loads the
    user, so the 503 handler has to mark the request anonymous first.)
    """
    try:
        user = current_user._get_current_object()
    except SQLAlchemyError:
        return None
    return user if user is not None and user.is_authenticated else None


def country_name(code: str | None) -> str:
    if not code:
        return "—"
    return Locale.parse(str(get_locale() or "en")).territories.get(code, code)


@bp.app_context_processor
def inject_layout():
    return {
        "get_locale": get_locale,
        "page_user": page_user(),
        "status_title": status_title,
        "nav": navigation,
    }


@bp.app_template_filter("translate_message")
def translate_message_filter(message: str, code: int | None = None) -> str:
    return translate_message(message, code)


@bp.app_template_filter("country_name")
def country_name_filter(code: str | None) -> str:
    return country_name(code)


@bp.after_request
def page_headers(response):
    # Pages differ by language and by who is signed in; never share them between users.
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    response.headers.setdefault("Content-Language", str(get_locale() or "en"))
    if page_user() is not None:
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"), default="")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or home_for(current_user))
    form = LoginForm()
    if request.method == "GET":
        return render_template("login.html", form=form, next=next_url)
    email = services.normalize_email(form.email.data or "")[:254]
    try:
        ratelimit.login_attempt(email)
        if not form.validate():
            ratelimit.login_failed(email)  # malformed attempts count against the IP too
            return render_template("login.html", form=form, next=next_url), 422
        user = services.authenticate(form.email.data, form.password.data)
        ratelimit.login_succeeded(email)
    except Unauthorized as exc:
        db.session.rollback()
        ratelimit.login_failed(email)
        form.form_errors.append(translate_message(exc.message))
        return render_template("login.html", form=form, next=next_url), 401
    except RateLimited as exc:
        form.form_errors.append(
            _(
                "Too many sign-in attempts. Try again in %(seconds)d seconds.",
                seconds=exc.retry_after,
            )
        )
        response = make_response(render_template("login.html", form=form, next=next_url), 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if current_user.is_authenticated:
        services.end_session(current_user)  # switching accounts: the old login ends here
    start_login(user, remember=bool(form.remember.data))
    return redirect(next_url or home_for(user))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user))
    form = RegisterForm()
    if request.method == "GET":
        return render_template("register.html", form=form)
    ratelimit.hit("register-ip", client_ip())  # the API's allowance; a 429 error page
    if not form.validate():
        return render_template("register.html", form=form), 422
    try:
        user = services.register_user(
            email=form.email.data,
            password=form.password.data,
            name=form.name.data,
            role=Role(form.role.data),
            country=form.country.data or None,
            company_name=form.company_name.data or None,
        )
    except ValidationFailed as exc:
        db.session.rollback()
        add_field_errors(form, exc.errors or {})
        return render_template("register.html", form=form), 422
    except Conflict as exc:
        db.session.rollback()
        form.email.errors = [*form.email.errors, translate_message(exc.message)]
        return render_template("register.html", form=form), 409
    if current_user.is_authenticated:
        services.end_session(current_user)
    start_login(user, remember=False)
    flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
    return redirect(home_for(user))


def add_field_errors(form, errors: dict[str, list[str]]) -> None:
    for field_name, messages in errors.items():
        field = getattr(form, field_name, None)
        translated = [translate_message(message) for message in messages]
        if field is None:
            form.form_errors.extend(translated)
        else:
            field.errors = [*field.errors, *translated]


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        return render_template("logout.html")
    if current_user.is_authenticated:
        services.end_session(current_user)
        logout_user()
    # The language survives sign-out in its cookie; everything else in the session goes.
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("web.home"))


@bp.post("/language")
def set_language():
    form = LanguageForm()
    fallback = url_for("web.home")
    if not form.validate():
        return redirect(fallback)
    language = form.language.data
    if current_user.is_authenticated:
        services.update_profile(current_user, locale=language)
    response = redirect(safe_next(request.form.get("next"), default=fallback))
    response.set_cookie(
        LANG_COOKIE,
        language,
        max_age=LANG_COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/dashboard")
@login_required(Role.SUPPLIER, supplier_member=True)
def supplier_dashboard():
    return render_template("dashboard/supplier_home.html", supplier=current_user.supplier)


@bp.get("/buyer")
@login_required(Role.BUYER)
def buyer_home():
    return render_template("dashboard/buyer_home.html")
