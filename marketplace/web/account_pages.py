"""Account pages: the password reset (asking for the e-mail, then choosing a new password
from the e-mailed link's ``token=``) and the signed-in user's password change.

The pages call the API's services and limits: ``/password-reset`` shares the per-IP and
per-address allowances of ``POST /api/v1/auth/password-reset``.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from marketplace import ratelimit
from marketplace.accounts import services
from marketplace.errors import InvalidToken, ValidationFailed
from marketplace.extensions import db
from marketplace.net import client_ip
from marketplace.permissions import login_required
from marketplace.web import add_field_errors, bp, home_for
from marketplace.web.forms import PasswordChangeForm, PasswordResetForm, PasswordResetRequestForm


@bp.route("/password-reset", methods=["GET", "POST"])
def password_reset():
    """The request form; with ``token=`` (the e-mail's link), the new-password form."""
    token = request.values.get("token")
    if token:
        return choose_new_password(token)
    form = PasswordResetRequestForm()
    if request.method == "GET":
        return render_template("password_reset.html", form=form)
    ratelimit.hit("password-reset-ip", client_ip())  # the API's allowance; a 429 error page
    if not form.validate():
        return render_template("password_reset.html", form=form), 422
    services.request_password_reset(form.email.data, locale=str(get_locale() or "en"))
    flash(
        _(
            "If an account uses %(email)s, a link to reset its password is on its way "
            "there. It works once, for %(minutes)d minutes.",
            email=form.email.data,
            minutes=current_app.config["PASSWORD_RESET_TTL"] // 60,
        ),
        "info",
    )
    return redirect(url_for("web.login"))


def choose_new_password(token: str):
    form = PasswordResetForm(token=token)
    if request.method == "GET":
        usable = services.reset_token_is_usable(token)
        return render_template("password_reset_confirm.html", form=form, usable=usable)
    if not form.validate():
        return render_template("password_reset_confirm.html", form=form, usable=True), 422
    try:
        services.reset_password(form.token.data, form.new_password.data)
    except InvalidToken:
        db.session.rollback()
        return render_template("password_reset_confirm.html", form=form, usable=False), 400
    except ValidationFailed as exc:
        db.session.rollback()
        add_field_errors(form, exc.errors or {})
        return render_template("password_reset_confirm.html", form=form, usable=True), 422
    if current_user.is_authenticated:
        logout_user()  # whoever was signed in here: every session has just ended
    session.clear()
    flash(_("Your password has been changed. Sign in with the new one."), "success")
    return redirect(url_for("web.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required(writes_company=False)  # the caller's own password
def change_password():
    form = PasswordChangeForm()
    if request.method == "GET":
        return render_template("account_password.html", form=form)
    if not form.validate():
        return render_template("account_password.html", form=form), 422
    try:
        services.change_password(
            current_user,
            form.current_password.data,
            form.new_password.data,
            revoke_tokens=bool(form.revoke_tokens.data),
        )
    except ValidationFailed as exc:
        db.session.rollback()
        add_field_errors(form, exc.errors or {})
        return render_template("account_password.html", form=form), 422
    if form.revoke_tokens.data:
        flash(
            _("Password changed. Your other sessions have ended and your API tokens are revoked."),
            "success",
        )
    else:
        flash(_("Password changed. Your other sessions have ended."), "success")
    return redirect(home_for(current_user))
