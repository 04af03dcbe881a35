"""Sample request pages: the buyer's "My samples" (list, the request form, a request with
its buttons) and the supplier's "Sample requests" (list, a request with the quote, decline
and ship forms).

As on the other dashboards, the pages validate nothing themselves: a form becomes the
API's request body and goes through the same schema, rate limit and service.  Every
action is a plain form (no JavaScript); a 409 comes back as a message on the request's
page, a 422 as the page again with the errors next to the inputs.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace import ratelimit
from marketplace.accounts.models import Role
from marketplace.catalog import services as catalog
from marketplace.errors import Conflict, NotFound, RateLimited, ValidationFailed
from marketplace.extensions import db
from marketplace.fields import INT32_MAX
from marketplace.permissions import authenticated_user, in_suspended_company, login_required
from marketplace.samples import services
from marketplace.samples.models import SampleRequest, SampleStatus
from marketplace.samples.schemas import (
    SampleDeclineSchema,
    SampleQuoteSchema,
    SampleRequestCreateSchema,
    SampleShipSchema,
)
from marketplace.web import bp
from marketplace.web.forms import COMMON_CURRENCIES, CsrfForm, flatten_errors
from marketplace.web.inquiry_pages import grouped_countries, page_message
from marketplace.web.messages import translate_message

buyer_only = login_required(Role.BUYER)
member_only = login_required(Role.SUPPLIER, supplier_member=True)
SAMPLE = f"<int(max={INT32_MAX}):sample_id>"
PAGE_SIZE = 25
BUYER_ACTIONS = ("accept", "receive", "cancel")
SUPPLIER_ACTIONS = ("quote", "ship", "decline")
MOVE_SCHEMAS: dict[str, type[ma.Schema]] = {
    "quote": SampleQuoteSchema,
    "ship": SampleShipSchema,
    "decline": SampleDeclineSchema,
}
DONE = {
    "quote": _l("Your terms were sent to the buyer."),
    "accept": _l("Terms accepted. The supplier will prepare your samples."),
    "ship": _l("Marked as shipped. The buyer has the tracking reference."),
    "receive": _l("Marked as received. Thank you."),
    "decline": _l("Sample request declined. The buyer has been told."),
    "cancel": _l("Sample request cancelled."),
}


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _whole_number(text: str) -> int | str | None:
    if text == "":
        return None
    compact = text.replace(",", "").replace(" ", "")
    return int(compact) if compact.isdigit() and len(compact) <= 12 else text


def _decimal(text: str) -> str | None:
    return text.replace(",", "") if text else None


def _words(text: str) -> list[str]:
    """``"38, 39 40"`` -> ``["38", "39", "40"]`` (commas or spaces, Chinese commas too)."""
    return [word for word in text.replace("\uff0c", ",").replace(",", " ").split() if word]


def _put(body: dict[str, Any], name: str, value: Any) -> None:
    if value not in ("", None):
        body[name] = value


def _errors(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ma.ValidationError):
        flat = flatten_errors(exc.messages)
    else:
        flat = flatten_errors(getattr(exc, "errors", None) or {"_form": [str(exc)]})
    return {field: [page_message(m) for m in messages] for field, messages in flat.items()}


# The product page's block and the request form -----------------------------------------


def sample_action(product) -> dict[str, Any]:
    """What the product page offers about samples: ``form`` (buyers), ``login`` (visitors)
    or nothing (suppliers, admins, a product buyers cannot see)."""
    if not product.is_public:
        return {"kind": None}
    form_url = url_for("web.buyer_sample_new", product_id=product.id)
    user = authenticated_user()
    if user is None:
        return {"kind": "login", "url": url_for("web.login", next=form_url)}
    if not user.is_buyer:
        return {"kind": None}
    return {
        "kind": "form",
        "url": form_url,
        "countries": grouped_countries(),
        "country": user.country or "",
        "max_pairs": _max_pairs(),
        "form": CsrfForm(),
    }


def _max_pairs() -> int:
    from flask import current_app

    return current_app.config["SAMPLE_MAX_PAIRS"]


def _product_id() -> int:
    value = (request.values.get("product_id") or "").strip()
    if not value.isdigit() or not 1 <= int(value) <= INT32_MAX:
        abort(404)
    return int(value)


def _create_body(product_id: int) -> dict[str, Any]:
    body: dict[str, Any] = {"product_id": product_id}
    _put(body, "quantity_pairs", _whole_number(_text("quantity_pairs")))
    _put(body, "destination_country", _text("destination_country"))
    body["sizes"] = _words(_text("sizes"))
    body["colors"] = _words(_text("colors"))
    body["note"] = request.form.get("note", "")
    return body


@bp.route("/buyer/samples/new", methods=["GET", "POST"])
@buyer_only
def buyer_sample_new():
    product_id = _product_id()
    try:
        product = catalog.get_product(product_id, current_user)
    except NotFound:
        abort(404)
    if not product.is_public:
        abort(404)
    errors: dict[str, list[str]] = {}
    status, retry_after = 200, None
    if request.method == "POST":
        try:
            data = SampleRequestCreateSchema().load(_create_body(product_id))
            ratelimit.hit("sample-request", current_user.id)
            sample = services.create_sample_request(current_user, data)
            flash(
                _("Your sample request was sent to %(name)s.", name=product.supplier.name),
                "success",
            )
            return redirect(url_for("web.buyer_sample", sample_id=sample.id))
        except (ma.ValidationError, ValidationFailed) as exc:
            db.session.rollback()
            errors, status = _errors(exc), 422
        except NotFound:
            db.session.rollback()
            abort(404)
        except RateLimited as exc:
            db.session.rollback()
            minutes = max(1, -(-exc.retry_after // 60))
            errors = {
                "_form": [
                    _(
                        "You have sent many sample requests lately. "
                        "Try again in %(minutes)d minutes.",
                        minutes=minutes,
                    )
                ]
            }
            status, retry_after = 429, exc.retry_after
    values = request.form if request.method == "POST" else {}
    response = make_response(
        render_template(
            "samples/buyer_new.html",
            product=product,
            values=values,
            defaults={"quantity_pairs": 2, "destination_country": current_user.country or ""},
            errors=errors,
            countries=grouped_countries(),
            max_pairs=_max_pairs(),
            form=CsrfForm(),
        ),
        status,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


# Lists --------------------------------------------------------------------------------


def _list(template: str):
    status = request.args.get("status") or None
    if status not in (None, *[s.value for s in SampleStatus]):
        status = None
    args = {"status": SampleStatus(status) if status else None}
    try:
        page = services.list_sample_requests(
            current_user, limit=PAGE_SIZE, cursor=request.args.get("cursor") or None, **args
        )
    except ValidationFailed:  # a stale or edited cursor: start again at the top
        page = services.list_sample_requests(current_user, limit=PAGE_SIZE, **args)
    return render_template(
        template, page=page, status=status, statuses=[s.value for s in SampleStatus]
    )


@bp.get("/buyer/samples")
@buyer_only
def buyer_samples():
    return _list("samples/buyer_list.html")


@bp.get("/dashboard/samples")
@member_only
def supplier_samples():
    return _list("samples/supplier_list.html")


# One request --------------------------------------------------------------------------


def _party_sample(sample_id: int, side: str) -> SampleRequest:
    """The request if the signed-in user is its party on ``side``; 404 otherwise."""
    try:
        sample = services.get_sample_request(sample_id, current_user)
    except NotFound:
        abort(404)
    if services.side_of(sample, current_user) != side:
        abort(404)
    return sample


def _detail_url(sample_id: int, side: str) -> str:
    endpoint = "web.buyer_sample" if side == services.BUYER else "web.supplier_sample"
    return url_for(endpoint, sample_id=sample_id)


def _render_detail(sample: SampleRequest, side: str, *, errors=None, action=None, status=200):
    buyer = side == services.BUYER
    template = "samples/buyer_detail.html" if buyer else "samples/supplier_detail.html"
    suspended = in_suspended_company(current_user)
    return make_response(
        render_template(
            template,
            sample=sample,
            moves=[] if suspended else services.allowed_moves(sample, current_user),
            suspended=suspended,
            errors=errors or {},
            failed=action,
            values=request.form if action else {},
            currencies=COMMON_CURRENCIES,
            form=CsrfForm(),
        ),
        status,
    )


def _move(sample_id: int, side: str, action: str):
    sample = _party_sample(sample_id, side)
    body: dict[str, Any] = {}
    if action == "quote":
        for name in ("fee", "shipping_fee"):
            _put(body, name, _decimal(_text(name)))
        _put(body, "currency", _text("currency").upper())
        _put(body, "ready_in_days", _whole_number(_text("ready_in_days")))
    elif action == "ship":
        _put(body, "carrier", _text("carrier"))
        _put(body, "reference", _text("reference"))
    elif action == "decline":
        _put(body, "reason", _text("reason"))
    try:
        data = MOVE_SCHEMAS[action]().load(body) if action in MOVE_SCHEMAS else None
        services.move(sample, current_user, action, data)
    except ma.ValidationError as exc:
        db.session.rollback()
        return _render_detail(sample, side, errors=_errors(exc), action=action, status=422)
    except Conflict as exc:
        db.session.rollback()
        flash(_conflict_message(exc.message), "error")
        return redirect(_detail_url(sample_id, side))
    flash(str(DONE[action]), "success")
    return redirect(_detail_url(sample_id, side))


def _conflict_message(message: str) -> str:
    if message.startswith("This sample request is"):
        return _("This sample request has moved on meanwhile; here is where it stands now.")
    return translate_message(message)


@bp.get(f"/buyer/samples/{SAMPLE}")
@buyer_only
def buyer_sample(sample_id: int):
    return _render_detail(_party_sample(sample_id, services.BUYER), services.BUYER)


@bp.post(f"/buyer/samples/{SAMPLE}/<any({', '.join(BUYER_ACTIONS)}):action>")
@buyer_only
def buyer_sample_action(sample_id: int, action: str):
    return _move(sample_id, services.BUYER, action)


@bp.get(f"/dashboard/samples/{SAMPLE}")
@member_only
def supplier_sample(sample_id: int):
    return _render_detail(_party_sample(sample_id, services.SUPPLIER), services.SUPPLIER)


@bp.post(f"/dashboard/samples/{SAMPLE}/<any({', '.join(SUPPLIER_ACTIONS)}):action>")
@member_only
def supplier_sample_action(sample_id: int, action: str):
    return _move(sample_id, services.SUPPLIER, action)
