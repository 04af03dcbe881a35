"""Server-rendered pages: home, accounts and the per-role dashboard homes."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace.accounts import services, throttle
from marketplace.accounts.models import Role
from marketplace.errors import Conflict, RateLimited, Unauthorized, ValidationFailed
from marketplace.extensions import db
from marketplace.i18n import LANG_COOKIE
from marketplace.permissions import login_required
from marketplace.web.forms import LanguageForm, LoginForm, RegisterForm
from marketplace.web.safe_next import safe_next

bp = Blueprint("web", __name__)


def home_for(user) -> str:
    if user.is_admin:
        return url_for("web.admin_home")
    if user.is_supplier_member:
        return url_for("web.supplier_dashboard")
    return url_for("web.buyer_home")


@bp.app_context_processor
def inject_layout():
    return {"language_form": LanguageForm(), "get_locale": get_locale}


@bp.get("/")
def home():
    return render_template("home.html")


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"), default="")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or home_for(current_user))
    form = LoginForm()
    status = 200
    if request.method == "POST":
        email = services.normalize_email(form.email.data or "")[:254]
        try:
            throttle.register_login_attempt(email)
            if form.validate():
                user = services.authenticate(form.email.data, form.password.data)
                from flask import session

                session.clear()
                services.start_session(user, remember=bool(form.remember.data))
                login_user(user, remember=bool(form.remember.data))
                db.session.commit()
                return redirect(next_url or home_for(user))
            status = 422
        except Unauthorized as exc:
            db.session.rollback()
            throttle.register_login_failure(email)
            form.form_errors.append(exc.message)
            status = 401
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
    return render_template("login.html", form=form, next=next_url), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                user = services.register_user(
                    email=form.email.data,
                    password=form.password.data,
                    name=form.name.data,
                    role=Role(form.role.data),
                    country=form.country.data or None,
                    company_name=form.company_name.data,
                )
                services.start_session(user, remember=False)
                login_user(user)
                db.session.commit()
                flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
                return redirect(home_for(user))
            except ValidationFailed as exc:
                db.session.rollback()
                for field, messages in (exc.errors or {}).items():
                    getattr(form, field).errors = list(getattr(form, field).errors) + messages
            except Conflict as exc:
                db.session.rollback()
                form.email.errors = [*list(form.email.errors), exc.message]
                status = 409
    return render_template("register.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        return render_template("logout.html")
    if current_user.is_authenticated:
        services.end_session(current_user)
        logout_user()
        db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(url_for("web.home"))


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if not form.validate():
        return redirect(url_for("web.home"))
    language = form.language.data
    if current_user.is_authenticated:
        services.update_profile(current_user, locale=language)
        db.session.commit()
    response = redirect(safe_next(request.form.get("next"), default=url_for("web.home")))
    response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


@bp.get("/dashboard")
@login_required(Role.SUPPLIER, supplier_member=True)
def supplier_dashboard():
    return render_template("dashboard/supplier_home.html", supplier=current_user.supplier)


@bp.get("/buyer")
@login_required(Role.BUYER)
def buyer_home():
    return render_template("dashboard/buyer_home.html")


@bp.get("/admin")
@login_required(Role.ADMIN)
def admin_home():
    return render_template("dashboard/admin_home.html")
