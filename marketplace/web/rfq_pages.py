"""RFQ and quotation pages for buyers (``/buyer/...``) and supplier members (``/dashboard/...``).

As everywhere on the site, pages validate nothing themselves: a posted form becomes the
API's request body and goes through the same schema and service; the errors come back
keyed by API field names and are shown next to the inputs.  Accepting a quotation and
cancelling an RFQ go through a confirmation page (no JavaScript needed).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.models import Role
from marketplace.catalog import services as catalog
from marketplace.catalog.vocab import INCOTERMS
from marketplace.db import utcnow
from marketplace.errors import Conflict, NotFound, RateLimited, ValidationFailed
from marketplace.extensions import db
from marketplace.fields import format_money
from marketplace.pagination import paginate_by_id
from marketplace.permissions import login_required
from marketplace.rfqs import reasons, services
from marketplace.rfqs.models import RFQ, Quotation, QuotationStatus, RFQStatus
from marketplace.rfqs.schemas import QuotationInputSchema, RFQCreateSchema
from marketplace.web import bp
from marketplace.web.forms import COMMON_CURRENCIES, CsrfForm, country_choices, flatten_errors
from marketplace.web.messages import translate_message

buyer_only = login_required(Role.BUYER)
member_only = login_required(Role.SUPPLIER, supplier_member=True)
ID = "<int(max=2147483647):{}>"
PAGE_SIZE = 20
DEFAULT_QUOTE_VALIDITY_DAYS = 30


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _number(text: str) -> int | float | str | None:
    if text == "":
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return text  # the schema reports it
    return int(number) if number.is_integer() else number


def _put(body: dict[str, Any], name: str, value: Any) -> None:
    """Blank inputs are left out; the schema names the required ones that are missing."""
    if value not in ("", None, []):
        body[name] = value


def _errors_of(exc: ma.ValidationError | ValidationFailed) -> dict[str, list[str]]:
    if isinstance(exc, ma.ValidationError):
        return flatten_errors(exc.messages)
    errors = flatten_errors(getattr(exc, "errors", None) or {})
    if not errors:
        errors = {"_form": [translate_message(exc.message)]}
    return errors


# Reasons in the page language (worded by the message catalogue) ------------------------


@bp.app_template_filter("reason_text")
def reason_text_filter(reason: dict[str, Any]) -> str:
    return reasons.describe(reason)


@bp.app_template_filter("rfq_utc")
def utc_filter(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


@bp.app_template_filter("rfq_percent")
def percent_filter(rate) -> str:
    return f"{round(float(rate) * 100)}%" if rate is not None else "—"


@bp.app_template_filter("rfq_total")
def total_filter(amount) -> str:
    """An order total: thousands separated, two decimals (18,400.00)."""
    return f"{amount:,.2f}" if amount is not None else "—"


@bp.app_template_filter("rfq_thousands")
def thousands_filter(number) -> str:
    return f"{number:,}" if number is not None else "—"


@bp.app_template_global("rfq_status_label")
def status_label(status: str) -> str:
    labels = {
        "open": _("Open"),
        "awarded": _("Awarded"),
        "closed": _("Closed"),
        "cancelled": _("Cancelled"),
        "submitted": _("Submitted"),
        "accepted": _("Accepted"),
        "declined": _("Declined"),
        "withdrawn": _("Withdrawn"),
    }
    return str(labels.get(status, status))


# Buyer pages ----------------------------------------------------------------------------


@bp.get("/buyer/rfqs")
@buyer_only
def buyer_rfqs():
    status = request.args.get("status") or None
    if status not in (None, *[s.value for s in RFQStatus]):
        status = None
    try:
        page = services.list_rfqs(
            current_user, status=status, limit=PAGE_SIZE, cursor=request.args.get("cursor")
        )
    except ValidationFailed:
        abort(404)  # a tampered page link
    return render_template(
        "rfqs/buyer_list.html",
        page=page,
        status=status,
        statuses=[s.value for s in RFQStatus],
        now=utcnow(),
    )


def rfq_body_from_form() -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in ("title", "category", "currency", "destination_country", "incoterm"):
        _put(body, name, _text(name))
    _put(body, "quantity", _number(_text("quantity")))
    _put(body, "target_unit_price", _text("target_unit_price"))
    _put(body, "needed_by", _text("needed_by"))
    deadline = _text("quote_deadline")
    if deadline:
        # A datetime-local input has no offset: the form says the time is UTC.
        if len(deadline) == 16:
            deadline += ":00"
        body["quote_deadline"] = deadline + "+00:00"
    body["materials"] = [m for m in request.form.getlist("materials") if m]
    body["description"] = _text("description")
    return body


def rfq_form_values() -> dict[str, Any]:
    if request.method == "POST":
        values: dict[str, Any] = request.form.to_dict()
        values["materials"] = request.form.getlist("materials")
        return values
    now = utcnow()
    return {
        "currency": "USD",
        "incoterm": "FOB",
        "destination_country": current_user.country or "",
        "materials": [],
        "needed_by": (now + timedelta(days=75)).date().isoformat(),
        "quote_deadline": (now + timedelta(days=7)).strftime("%Y-%m-%dT17:00"),
    }


@bp.route("/buyer/rfqs/new", methods=["GET", "POST"])
@buyer_only
def buyer_rfq_new():
    errors: dict[str, list[str]] = {}
    status = 200
    headers = {}
    if request.method == "POST":
        try:
            data = RFQCreateSchema().load(rfq_body_from_form())
            rfq = services.create_rfq(current_user, data)
            flash(
                _(
                    "RFQ posted and sent to %(count)d matching factories.",
                    count=rfq.matched_supplier_count,
                ),
                "success",
            )
            return redirect(url_for("web.buyer_rfq", rfq_id=rfq.id))
        except (ma.ValidationError, ValidationFailed) as exc:
            db.session.rollback()
            errors, status = _errors_of(exc), 422
        except RateLimited as exc:
            db.session.rollback()
            errors, status = {"_form": [translate_message(exc.message)]}, 429
            headers["Retry-After"] = str(exc.retry_after)
    response = make_response(
        render_template(
            "rfqs/buyer_new.html",
            values=rfq_form_values(),
            errors=errors,
            form=CsrfForm(),
            categories=catalog.list_categories(),
            materials=catalog.list_materials(),
            currencies=COMMON_CURRENCIES,
            incoterms=INCOTERMS,
            countries=country_choices(),
        ),
        status,
    )
    response.headers.update(headers)
    return response


def own_rfq(rfq_id: int) -> RFQ:
    try:
        return services.get_own_rfq(rfq_id, current_user)
    except NotFound:
        abort(404)


@bp.get(f"/buyer/rfqs/{ID.format('rfq_id')}")
@buyer_only
def buyer_rfq(rfq_id: int):
    rfq = own_rfq(rfq_id)
    quotations = services.list_rfq_quotations(rfq, current_user)
    live = [q for q in quotations if q.status != QuotationStatus.WITHDRAWN]
    best = min((q.unit_price for q in live), default=None)
    return render_template(
        "rfqs/buyer_detail.html",
        rfq=rfq,
        quotations=live,
        withdrawn=[q for q in quotations if q.status == QuotationStatus.WITHDRAWN],
        best_price=best,
        can_decide=rfq.status == RFQStatus.OPEN,
        now=utcnow(),
    )


@bp.route(f"/buyer/rfqs/{ID.format('rfq_id')}/cancel", methods=["GET", "POST"])
@buyer_only
def buyer_rfq_cancel(rfq_id: int):
    rfq = own_rfq(rfq_id)
    if request.method == "POST":
        try:
            services.cancel_rfq(rfq, current_user)
            flash(_("RFQ cancelled. The factories that quoted have been told."), "success")
        except Conflict as exc:
            db.session.rollback()
            flash(translate_message(exc.message), "error")
        return redirect(url_for("web.buyer_rfq", rfq_id=rfq_id))
    return render_template("rfqs/buyer_cancel.html", rfq=rfq, form=CsrfForm(), now=utcnow())


def own_quotation(quotation_id: int) -> Quotation:
    """A quotation on one of the buyer's RFQs; 404 for anyone else's."""
    quotation = db.session.get(Quotation, quotation_id)
    if quotation is None or not services.is_rfq_owner(current_user, quotation.rfq):
        abort(404)
    return quotation


@bp.route(f"/buyer/quotations/{ID.format('quotation_id')}/accept", methods=["GET", "POST"])
@buyer_only
def buyer_quotation_accept(quotation_id: int):
    quotation = own_quotation(quotation_id)
    rfq = quotation.rfq
    if request.method == "POST":
        try:
            services.accept_quotation(quotation, current_user)
            flash(
                _(
                    "You accepted the quotation of %(supplier)s. The other factories have been "
                    "told that the RFQ is awarded.",
                    supplier=quotation.supplier.name,
                ),
                "success",
            )
        except Conflict as exc:
            db.session.rollback()
            flash(translate_message(exc.message), "error")
        return redirect(url_for("web.buyer_rfq", rfq_id=rfq.id))
    others = sum(
        1
        for q in services.list_rfq_quotations(rfq, current_user)
        if q.id != quotation.id and q.status == QuotationStatus.SUBMITTED
    )
    return render_template(
        "rfqs/buyer_accept.html",
        rfq=rfq,
        quotation=quotation,
        others=others,
        form=CsrfForm(),
        now=utcnow(),
    )


@bp.get("/buyer/quotations")
@buyer_only
def buyer_quotations():
    """The buyer's RFQs that have quotations to compare, newest first."""
    query = sa.select(RFQ).where(RFQ.buyer_id == current_user.id, RFQ.quotation_count > 0)
    try:
        page = paginate_by_id(
            query,
            RFQ,
            limit=PAGE_SIZE,
            cursor=request.args.get("cursor") or None,
            salt="buyer-compare",
        )
    except ValidationFailed:
        abort(404)
    rfq_ids = [rfq.id for rfq in page["items"]]
    best: dict[int, Any] = {}
    if rfq_ids:
        best = dict(
            db.session.execute(
                sa.select(Quotation.rfq_id, sa.func.min(Quotation.unit_price))
                .where(
                    Quotation.rfq_id.in_(rfq_ids),
                    Quotation.status != QuotationStatus.WITHDRAWN,
                )
                .group_by(Quotation.rfq_id)
            )
            .tuples()
            .all()
        )
    return render_template("rfqs/buyer_quotations.html", page=page, best=best, now=utcnow())


# Supplier pages -------------------------------------------------------------------------


@bp.get("/dashboard/rfqs")
@member_only
def supplier_rfqs():
    status = request.args.get("status") or RFQStatus.OPEN.value
    if status not in [s.value for s in RFQStatus]:
        status = RFQStatus.OPEN.value
    try:
        page = services.list_rfqs(
            current_user, status=status, limit=PAGE_SIZE, cursor=request.args.get("cursor")
        )
    except ValidationFailed:
        abort(404)
    mine = services.own_quotations_by_rfq(
        current_user.supplier_id, [rfq.id for rfq, _match in page["items"]]
    )
    return render_template(
        "rfqs/supplier_inbox.html",
        page=page,
        mine=mine,
        status=status,
        statuses=[s.value for s in RFQStatus],
        now=utcnow(),
    )


def matched_rfq(rfq_id: int) -> RFQ:
    try:
        return services.get_rfq(rfq_id, current_user)
    except NotFound:
        abort(404)


def quote_body_from_form() -> dict[str, Any]:
    body: dict[str, Any] = {}
    _put(body, "unit_price", _text("unit_price"))
    for name in ("moq", "lead_time_days"):
        _put(body, name, _number(_text(name)))
    for name in ("valid_until", "incoterm"):
        _put(body, name, _text(name))
    body["notes"] = _text("notes")
    return body


def quote_form_values(rfq: RFQ, quotation: Quotation | None) -> dict[str, Any]:
    if request.method == "POST":
        return request.form.to_dict()
    if quotation is not None:
        return {
            "unit_price": format_money(quotation.unit_price),
            "moq": quotation.moq,
            "lead_time_days": quotation.lead_time_days,
            "valid_until": quotation.valid_until.isoformat(),
            "incoterm": quotation.incoterm,
            "notes": quotation.notes,
        }
    return {
        "incoterm": rfq.incoterm,
        "valid_until": (utcnow() + timedelta(days=DEFAULT_QUOTE_VALIDITY_DAYS)).date().isoformat(),
    }


@bp.route(f"/dashboard/rfqs/{ID.format('rfq_id')}", methods=["GET", "POST"])
@member_only
def supplier_rfq(rfq_id: int):
    rfq = matched_rfq(rfq_id)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            data = QuotationInputSchema().load(quote_body_from_form())
            sent, created = services.submit_quotation(rfq, current_user, data)
            flash(
                _("Quotation sent to the buyer.")
                if created
                else _("Quotation updated (revision %(n)d).", n=sent.revision),
                "success",
            )
            return redirect(url_for("web.supplier_rfq", rfq_id=rfq.id))
        except (ma.ValidationError, ValidationFailed) as exc:
            db.session.rollback()
            errors, status = _errors_of(exc), 422
        except Conflict as exc:
            db.session.rollback()
            errors, status = {"_form": [translate_message(exc.message)]}, 409
        db.session.expire_all()
    match = services.viewer_match(current_user, rfq)
    quotation = services.own_quotations_by_rfq(current_user.supplier_id, [rfq.id]).get(rfq.id)
    supplier = current_user.supplier
    return render_template(
        "rfqs/supplier_detail.html",
        rfq=rfq,
        match=match,
        quotation=quotation,
        revisions=list(reversed(quotation.revisions)) if quotation else [],
        values=quote_form_values(rfq, quotation),
        errors=errors,
        form=CsrfForm(),
        incoterms=INCOTERMS,
        can_quote=rfq.is_taking_quotes() and supplier.is_active,
        supplier=supplier,
        now=utcnow(),
    ), status


@bp.get("/dashboard/quotations")
@member_only
def supplier_quotations():
    try:
        page = paginate_by_id(
            services.quotations_query(current_user),
            Quotation,
            limit=PAGE_SIZE,
            cursor=request.args.get("cursor") or None,
            salt="dashboard-quotations",
        )
    except ValidationFailed:
        abort(404)
    return render_template("rfqs/supplier_quotations.html", page=page, now=utcnow())


@bp.post(f"/dashboard/quotations/{ID.format('quotation_id')}/withdraw")
@member_only
def supplier_quotation_withdraw(quotation_id: int):
    quotation = db.session.get(Quotation, quotation_id)
    if quotation is None or quotation.supplier_id != current_user.supplier_id:
        abort(404)
    try:
        services.withdraw_quotation(quotation, current_user)
        flash(_("Quotation withdrawn."), "success")
    except Conflict as exc:
        db.session.rollback()
        flash(translate_message(exc.message), "error")
    return redirect(url_for("web.supplier_rfq", rfq_id=quotation.rfq_id))
