"""Inquiry pages: the buyer's "My inquiries", the new-inquiry form and thread pages; the
supplier's inquiry inbox (with unread counts) and thread pages with reply and close.

As on the other dashboards, the pages validate nothing themselves: a form becomes the
API's request body and goes through the same schema, limits and services.  No page view
(GET) writes anything: a thread is marked read by its "Mark as read" button or by
replying, as the API does with ``POST /inquiries/{id}/read``.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace import ratelimit
from marketplace.accounts.models import Role
from marketplace.catalog.vocab import INCOTERMS
from marketplace.errors import Conflict, NotFound, RateLimited, ValidationFailed
from marketplace.extensions import db
from marketplace.fields import INT32_MAX
from marketplace.inquiries import services
from marketplace.inquiries.models import Inquiry, InquiryStatus, Side
from marketplace.inquiries.schemas import InquiryCreateSchema, InquiryMessageCreateSchema
from marketplace.permissions import login_required
from marketplace.web import bp
from marketplace.web.forms import country_choices

buyer_only = login_required(Role.BUYER)
member_only = login_required(Role.SUPPLIER, supplier_member=True)

PAGE_SIZE = 25
CURRENCIES = ("USD", "EUR", "CNY", "GBP", "AED", "INR", "PHP", "VND", "ZAR")
INQUIRY = "<int(max=2147483647):inquiry_id>"

# The services' English messages, in the page language.
MESSAGES = {
    "This inquiry is closed; no more messages can be sent.": _l(
        "This inquiry is closed; no more messages can be sent."
    ),
    "This inquiry is already closed.": _l("This inquiry is already closed."),
    "This product belongs to another supplier.": _l("This product belongs to another supplier."),
    "Give supplier_id or product_id.": _l("Choose a supplier or a product to ask about."),
    "Missing data for required field.": _l("This field is required."),
    "Shorter than minimum length 1.": _l("This field is required."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid ISO 3166-1 alpha-2 country code.": _l("Choose a country."),
}


class CsrfForm(FlaskForm):
    """Only the CSRF token: the fields are plain inputs named like the API's."""


def page_message(message: str) -> str:
    return str(MESSAGES.get(message, message))


def page_errors(messages: Any) -> dict[str, list[str]]:
    """marshmallow's or a service's errors -> {"field": ["message in the page language"]}."""
    flat: dict[str, list[str]] = {}
    for field, value in (messages or {}).items():
        if isinstance(value, dict):  # nested (not used by these forms): one list per field
            value = [m for inner in value.values() for m in inner]
        flat[str(field)] = [page_message(str(m)) for m in value]
    return flat


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _whole_number(text: str) -> int | str | None:
    """ "5,000" and "5 000" are 5000; anything else goes to the schema as typed."""
    if text == "":
        return None
    compact = text.replace(",", "").replace(" ", "").replace("\u00a0", "")
    return int(compact) if compact.isdigit() and len(compact) <= 12 else text


def _list_args() -> dict[str, Any]:
    status = request.args.get("status") or None
    if status not in (None, *[s.value for s in InquiryStatus]):
        status = None
    return {
        "status": InquiryStatus(status) if status else None,
        "unread": True if request.args.get("unread") == "1" else None,
        "cursor": request.args.get("cursor") or None,
    }


def _inbox(template: str):
    args = _list_args()
    try:
        page = services.list_inquiries(current_user, limit=PAGE_SIZE, **args)
    except ValidationFailed:  # a stale or edited cursor: start again at the top
        args["cursor"] = None
        page = services.list_inquiries(current_user, limit=PAGE_SIZE, **args)
    return render_template(
        template,
        page=page,
        status=args["status"].value if args["status"] else None,
        unread=bool(args["unread"]),
        statuses=[s.value for s in InquiryStatus],
        unread_total=services.unread_inquiry_count(current_user),
    )


def _party_inquiry(inquiry_id: int, side: Side) -> Inquiry:
    """The inquiry if the signed-in user is its party on ``side``; 404 otherwise."""
    try:
        inquiry = services.get_inquiry(inquiry_id, current_user)
    except NotFound:
        abort(404)
    if services.side_of(inquiry, current_user) is not side:
        abort(404)
    return inquiry


def _thread_url(inquiry_id: int, side: Side) -> str:
    endpoint = "web.buyer_inquiry" if side is Side.BUYER else "web.supplier_inquiry"
    return url_for(endpoint, inquiry_id=inquiry_id)


def _render_thread(inquiry: Inquiry, side: Side, *, errors=None, body: str = "", status=200):
    template = (
        "inquiries/buyer_thread.html" if side is Side.BUYER else "inquiries/supplier_thread.html"
    )
    services.attach_unread_counts([inquiry], side)
    response = make_response(
        render_template(
            template,
            inquiry=inquiry,
            messages=services.thread_messages(inquiry, current_user),
            side=side.value,
            errors=errors or {},
            body=body,
            max_chars=_max_chars(),
            form=CsrfForm(),
        ),
        status,
    )
    return response


def _max_chars() -> int:
    from flask import current_app

    return current_app.config["MESSAGE_MAX_CHARS"]


def _reply(inquiry_id: int, side: Side):
    inquiry = _party_inquiry(inquiry_id, side)
    body = request.form.get("body", "")
    try:
        data = InquiryMessageCreateSchema().load({"body": body})
        ratelimit.hit("message", current_user.id)
        services.post_message(inquiry, current_user, side, data["body"])
    except ma.ValidationError as exc:
        db.session.rollback()
        return _render_thread(
            inquiry, side, errors=page_errors(exc.messages), body=body, status=422
        )
    except RateLimited as exc:
        db.session.rollback()
        errors = {
            "body": [
                _(
                    "You have sent many messages in a short time. "
                    "Try again in %(seconds)d seconds.",
                    seconds=exc.retry_after,
                )
            ]
        }
        response = _render_thread(inquiry, side, errors=errors, body=body, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Conflict as exc:
        db.session.rollback()
        flash(page_message(exc.message), "error")
        return redirect(_thread_url(inquiry_id, side))
    flash(_("Message sent."), "success")
    return redirect(_thread_url(inquiry_id, side) + "#latest")


def _action(inquiry_id: int, side: Side, action: str):
    inquiry = _party_inquiry(inquiry_id, side)
    try:
        if action == "close":
            services.close_inquiry(inquiry, current_user, side)
            message = _("Inquiry closed.")
        else:
            services.mark_read(inquiry, side)
            message = _("Marked as read.")
        flash(message, "success")
    except Conflict as exc:
        db.session.rollback()
        flash(page_message(exc.message), "error")
    return redirect(_thread_url(inquiry_id, side))


# Buyer pages ----------------------------------------------------------------------------


@bp.get("/buyer/inquiries")
@buyer_only
def buyer_inquiries():
    return _inbox("inquiries/buyer_list.html")


@bp.get(f"/buyer/inquiries/{INQUIRY}")
@buyer_only
def buyer_inquiry(inquiry_id: int):
    return _render_thread(_party_inquiry(inquiry_id, Side.BUYER), Side.BUYER)


@bp.post(f"/buyer/inquiries/{INQUIRY}/messages")
@buyer_only
def buyer_inquiry_reply(inquiry_id: int):
    return _reply(inquiry_id, Side.BUYER)


@bp.post(f"/buyer/inquiries/{INQUIRY}/<any(close, read):action>")
@buyer_only
def buyer_inquiry_action(inquiry_id: int, action: str):
    return _action(inquiry_id, Side.BUYER, action)


def grouped_countries() -> list[tuple[str, list]]:
    """The registration form's country choices as (optgroup, choices), in their order."""
    groups: list[tuple[str, list]] = []
    for choice in country_choices():
        label = str(choice.optgroup or "")
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(choice)
    return groups


def _query_id(name: str) -> int | None:
    value = (request.values.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= INT32_MAX:
        abort(404)
    return int(value)


def _new_inquiry_body() -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in ("supplier_id", "product_id"):
        if (found := _query_id(name)) is not None:
            body[name] = found
    for name, value in (
        ("quantity", _whole_number(_text("quantity"))),
        ("target_unit_price", _text("target_unit_price") or None),
        ("currency", _text("currency").upper() or None),
        ("destination_country", _text("destination_country") or None),
        ("incoterm", _text("incoterm") or None),
    ):
        if value is not None:
            body[name] = value
    body["message"] = request.form.get("message", "")
    return body


@bp.route("/buyer/inquiries/new", methods=["GET", "POST"])
@buyer_only
def buyer_inquiry_new():
    supplier_id, product_id = _query_id("supplier_id"), _query_id("product_id")
    if supplier_id is None and product_id is None:
        status = 422 if request.method == "POST" else 200
        return render_template("inquiries/buyer_new.html", target=None, form=CsrfForm()), status
    try:
        supplier, product = services.resolve_target(current_user, supplier_id, product_id)
    except NotFound:
        abort(404)
    except ValidationFailed:  # a product of another supplier: ask about the product
        supplier, product = services.resolve_target(current_user, None, product_id)
        supplier_id = None
    errors: dict[str, list[str]] = {}
    status, retry_after = 200, None
    if request.method == "POST":
        try:
            data = InquiryCreateSchema().load(_new_inquiry_body())
            ratelimit.hit("inquiry", current_user.id)
            inquiry = services.create_inquiry(current_user, data)
            flash(_("Your inquiry was sent to %(name)s.", name=supplier.name), "success")
            return redirect(url_for("web.buyer_inquiry", inquiry_id=inquiry.id))
        except ma.ValidationError as exc:
            db.session.rollback()
            errors, status = page_errors(exc.messages), 422
        except ValidationFailed as exc:
            db.session.rollback()
            errors, status = page_errors(exc.errors or {"_form": [exc.message]}), 422
        except RateLimited as exc:
            db.session.rollback()
            errors, status = (
                {
                    "_form": [
                        _(
                            "You have sent many inquiries in a short time. "
                            "Try again in %(minutes)d minutes.",
                            minutes=max(1, -(-exc.retry_after // 60)),
                        )
                    ]
                },
                429,
            )
            retry_after = exc.retry_after
    values = request.form if request.method == "POST" else {}
    response = make_response(
        render_template(
            "inquiries/buyer_new.html",
            target={"supplier": supplier, "product": product},
            supplier_id=supplier.id if supplier_id is not None else None,
            product_id=product.id if product else None,
            values=values,
            defaults={
                "quantity": product.moq if product else "",
                "currency": product.currency if product else "USD",
                "destination_country": current_user.country or "",
                "incoterm": "FOB",
            },
            errors=errors,
            countries=grouped_countries(),
            currencies=CURRENCIES,
            incoterms=INCOTERMS,
            max_chars=_max_chars(),
            form=CsrfForm(),
        ),
        status,
    )
    if status == 429:
        response.headers["Retry-After"] = str(retry_after)
    return response


# Supplier pages -------------------------------------------------------------------------


@bp.get("/dashboard/inquiries")
@member_only
def supplier_inquiries():
    return _inbox("inquiries/supplier_list.html")


@bp.get(f"/dashboard/inquiries/{INQUIRY}")
@member_only
def supplier_inquiry(inquiry_id: int):
    return _render_thread(_party_inquiry(inquiry_id, Side.SUPPLIER), Side.SUPPLIER)


@bp.post(f"/dashboard/inquiries/{INQUIRY}/messages")
@member_only
def supplier_inquiry_reply(inquiry_id: int):
    return _reply(inquiry_id, Side.SUPPLIER)


@bp.post(f"/dashboard/inquiries/{INQUIRY}/<any(close, read):action>")
@member_only
def supplier_inquiry_action(inquiry_id: int, action: str):
    return _action(inquiry_id, Side.SUPPLIER, action)
