"""RFQ and quotation operations.  Services flush, never commit; the view commits once.

Concurrency: every write that depends on an RFQ's state starts with a conditional
``UPDATE rfqs ... WHERE id = :id AND status = 'open' [AND ...]`` and checks that it hit
one row.  That statement takes the RFQ's row lock (PostgreSQL re-evaluates the WHERE
clause after waiting for it; SQLite's ``BEGIN IMMEDIATE`` serialises the writers), so
accepting, quoting, withdrawing and cancelling on one RFQ happen one after the other and
each sees the state the previous one left.  ``with_for_update`` would do nothing on
SQLite.  The partial unique index on accepted quotations backs the acceptance up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from marketplace import jobs, ratelimit
from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.catalog.models import Category
from marketplace.catalog.services import resolve_materials
from marketplace.db import rowcount, utcnow, violates
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.notifications.services import notify
from marketplace.pagination import decode_cursor, encode_cursor, paginate_by_id
from marketplace.rfqs import matching, tasks
from marketplace.rfqs.metrics import refresh_supplier_metrics
from marketplace.rfqs.models import (
    RFQ,
    Quotation,
    QuotationRevision,
    QuotationStatus,
    RFQMatch,
    RFQStatus,
)
from marketplace.suppliers.models import Supplier

MAX_NEEDED_BY_DAYS = 730  # two years ahead
QUOTE_FIELDS = ("unit_price", "currency", "moq", "lead_time_days", "valid_until", "incoterm")


# Permissions (predicates; views call them, someone else's object is a 404) -------------


def is_rfq_owner(user: User | None, rfq: RFQ) -> bool:
    return bool(user and user.is_buyer and rfq.buyer_id == user.id)


def viewer_match(user: User | None, rfq: RFQ) -> RFQMatch | None:
    """The match row of the user's company, when the RFQ was sent to it."""
    if not (user and user.is_supplier_member):
        return None
    return db.session.scalar(
        sa.select(RFQMatch).where(
            RFQMatch.rfq_id == rfq.id, RFQMatch.supplier_id == user.supplier_id
        )
    )


def can_view_rfq(user: User | None, rfq: RFQ) -> bool:
    return bool(
        user and (user.is_admin or is_rfq_owner(user, rfq) or viewer_match(user, rfq) is not None)
    )


def can_view_quotation(user: User | None, quotation: Quotation) -> bool:
    """The quoting company's members, the RFQ's buyer and admins; never another supplier."""
    if not user:
        return False
    if user.is_admin or is_rfq_owner(user, quotation.rfq):
        return True
    return user.is_supplier_member and user.supplier_id == quotation.supplier_id


# Reading ----------------------------------------------------------------------------


def get_rfq(rfq_id: int, viewer: User | None) -> RFQ:
    rfq = db.session.get(RFQ, rfq_id)
    if rfq is None or not can_view_rfq(viewer, rfq):
        raise NotFound("RFQ not found.")
    return rfq


def get_own_rfq(rfq_id: int, buyer: User) -> RFQ:
    """An RFQ of this buyer, for the buyer's actions; 404 for anyone else's."""
    rfq = db.session.get(RFQ, rfq_id)
    if rfq is None or not is_rfq_owner(buyer, rfq):
        raise NotFound("RFQ not found.")
    return rfq


def get_quotation(quotation_id: int, viewer: User | None) -> Quotation:
    quotation = db.session.get(Quotation, quotation_id)
    if quotation is None or not can_view_quotation(viewer, quotation):
        raise NotFound("Quotation not found.")
    return quotation


def status_condition(status: RFQStatus | str, now: datetime):
    """SQL for "shows as ``status``" (an open RFQ past its deadline shows as closed)."""
    status = RFQStatus(status)
    if status == RFQStatus.OPEN:
        return sa.and_(RFQ.status == RFQStatus.OPEN, RFQ.quote_deadline > now)
    if status == RFQStatus.CLOSED:
        return sa.or_(
            RFQ.status == RFQStatus.CLOSED,
            sa.and_(RFQ.status == RFQStatus.OPEN, RFQ.quote_deadline <= now),
        )
    return RFQ.status == status


def _filtered(query: sa.Select, *, status: str | None, category: str | None, now: datetime):
    if status:
        query = query.where(status_condition(status, now))
    if category:
        query = query.join(Category, Category.id == RFQ.category_id).where(
            Category.slug == category
        )
    return query


def list_rfqs(
    viewer: User,
    *,
    status: str | None = None,
    category: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Buyers: their own, newest first.  Admins: all, newest first.  Supplier members:
    the RFQs matched to their company, best fit first (open ones unless ``status``).
    Items are ``(rfq, match | None)``."""
    now = utcnow()
    if viewer.is_supplier_member:
        return _list_matched(
            viewer.supplier_id,
            status=status or RFQStatus.OPEN.value,
            category=category,
            limit=limit,
            cursor=cursor,
            now=now,
        )
    query = sa.select(RFQ)
    if not viewer.is_admin:
        query = query.where(RFQ.buyer_id == viewer.id)
    query = _filtered(query, status=status, category=category, now=now)
    page = paginate_by_id(query, RFQ, limit=limit, cursor=cursor, salt="rfqs")
    page["items"] = [(rfq, None) for rfq in page["items"]]
    return page


def _list_matched(supplier_id, *, status, category, limit, cursor, now) -> dict[str, Any]:
    query = (
        sa.select(RFQ, RFQMatch)
        .join(RFQMatch, RFQMatch.rfq_id == RFQ.id)
        .where(RFQMatch.supplier_id == supplier_id)
    )
    query = _filtered(query, status=status, category=category, now=now)
    if cursor:
        score, last_id = decode_cursor(cursor, salt="rfqs-matched", length=2)
        if not (isinstance(score, int) and isinstance(last_id, int)):
            raise ValidationFailed(errors={"cursor": ["Invalid cursor."]})
        query = query.where(
            sa.or_(
                RFQMatch.score < score,
                sa.and_(RFQMatch.score == score, RFQ.id < last_id),
            )
        )
    rows = db.session.execute(
        query.order_by(RFQMatch.score.desc(), RFQ.id.desc()).limit(limit + 1)
    ).all()
    next_cursor = None
    if len(rows) > limit:
        rfq, match = rows[limit - 1]
        next_cursor = encode_cursor([match.score, rfq.id], salt="rfqs-matched")
    return {"items": [(rfq, match) for rfq, match in rows[:limit]], "next_cursor": next_cursor}


def own_quotations_by_rfq(supplier_id: int, rfq_ids: list[int]) -> dict[int, Quotation]:
    if not rfq_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Quotation).where(
            Quotation.supplier_id == supplier_id, Quotation.rfq_id.in_(rfq_ids)
        )
    )
    return {q.rfq_id: q for q in rows}


def list_rfq_quotations(rfq: RFQ, viewer: User) -> list[Quotation]:
    """The buyer and admins: all, cheapest first.  A supplier: only its own."""
    query = sa.select(Quotation).where(Quotation.rfq_id == rfq.id)
    if not (viewer.is_admin or is_rfq_owner(viewer, rfq)):
        query = query.where(Quotation.supplier_id == viewer.supplier_id)
    return list(db.session.scalars(query.order_by(Quotation.unit_price, Quotation.id)))


def quotations_query(
    viewer: User, *, status: str | None = None, rfq_id: int | None = None
) -> sa.Select:
    """Supplier members: their company's quotations.  Buyers: quotations on their RFQs.
    Admins: all."""
    query = sa.select(Quotation)
    if viewer.is_supplier_member:
        query = query.where(Quotation.supplier_id == viewer.supplier_id)
    elif not viewer.is_admin:
        query = query.join(RFQ, RFQ.id == Quotation.rfq_id).where(RFQ.buyer_id == viewer.id)
    if status:
        query = query.where(Quotation.status == QuotationStatus(status))
    if rfq_id:
        query = query.where(Quotation.rfq_id == rfq_id)
    return query


def count_recent_quotations(supplier_id: int, *, days: int = 30) -> int:
    """Quotations the supplier sent in the last ``days`` days (its stats page)."""
    since = utcnow() - timedelta(days=days)
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Quotation)
        .where(Quotation.supplier_id == supplier_id, Quotation.created_at >= since)
    ).scalar_one()


# Anti-abuse -------------------------------------------------------------------------


def spend_rfq_quota(buyer: User) -> None:
    """Take one RFQ from the buyer's allowance, or 429 (with Retry-After) when it is used
    up.  One atomic increment-and-compare in the limits storage, so RFQs posted at the
    same moment cannot all pass a check made before any of them is counted.  Called once
    the RFQ is valid: a refused (422) RFQ costs nothing."""
    ratelimit.hit("rfq", buyer.id)


# Creating an RFQ --------------------------------------------------------------------


def _category(slug: str) -> Category:
    category = db.session.scalar(
        sa.select(Category).where(Category.slug == slug.strip().lower(), Category.is_active)
    )
    if category is None:
        raise ValidationFailed(
            errors={"category": [f"Unknown category {slug!r}; see GET /api/v1/categories."]}
        )
    return category


def check_rfq_dates(data: Mapping[str, Any], now: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    deadline, needed_by = data["quote_deadline"], data["needed_by"]
    if deadline <= now:
        errors["quote_deadline"] = ["Must be in the future."]
    elif deadline.date() > needed_by:
        errors["quote_deadline"] = ["Must be on or before needed_by (UTC)."]
    if needed_by < now.date():
        errors["needed_by"] = ["Must be today or later."]
    elif needed_by > now.date() + timedelta(days=MAX_NEEDED_BY_DAYS):
        errors["needed_by"] = [f"At most {MAX_NEEDED_BY_DAYS} days ahead."]
    return errors


def create_rfq(
    buyer: User,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
    rate_limited: bool = True,
) -> RFQ:
    """Post an RFQ (a buyer's), match it to suppliers and tell them.  Rate limited per
    buyer (``rate_limited=False`` only for system loads such as the demo data)."""
    now = now or utcnow()
    if buyer.role != Role.BUYER:
        raise ValidationFailed("Only buyers post RFQs.")
    errors = check_rfq_dates(data, now)
    category = None
    try:
        category = _category(data["category"])
    except ValidationFailed as exc:
        errors.update(exc.errors or {})
    materials = []
    try:
        materials = resolve_materials(data.get("materials") or [])
    except ValidationFailed as exc:
        errors.update(exc.errors or {})
    if errors:
        raise ValidationFailed(errors=errors)
    assert category is not None  # else _category's error is in errors
    if rate_limited:
        spend_rfq_quota(buyer)
    rfq = RFQ(
        buyer_id=buyer.id,
        title=data["title"],
        category_id=category.id,
        materials=[m.name for m in materials],
        quantity=data["quantity"],
        target_unit_price=data.get("target_unit_price"),
        currency=data["currency"],
        destination_country=data["destination_country"],
        incoterm=data["incoterm"],
        needed_by=data["needed_by"],
        quote_deadline=data["quote_deadline"],
        description=data.get("description") or "",
        status=RFQStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    rfq.buyer, rfq.category = buyer, category
    db.session.add(rfq)
    db.session.flush()
    match_rfq(rfq, now=now)
    return rfq


def match_rfq(rfq: RFQ, *, now: datetime | None = None) -> list[RFQMatch]:
    """Store the best-fitting suppliers' matches and notify their members."""
    now = now or utcnow()
    fits = matching.rank_suppliers(
        rfq, today=now.date(), limit=current_app.config["RFQ_MAX_MATCHES"]
    )
    matches = []
    for fit in fits:
        match = RFQMatch(
            rfq_id=rfq.id,
            supplier_id=fit.supplier.id,
            score=fit.score,
            reasons=[reason.as_dict() for reason in fit.reasons],
            created_at=now,
        )
        db.session.add(match)
        matches.append(match)
    rfq.matched_supplier_count = len(matches)
    db.session.flush()
    # Telling up to RFQ_MAX_MATCHES companies (and their response figures) is a job.
    jobs.enqueue(tasks.notify_matches, rfq.id)
    return matches


def _members(supplier_ids) -> dict[int, list[User]]:
    members: dict[int, list[User]] = {}
    if not supplier_ids:
        return members
    for user in db.session.scalars(
        sa.select(User)
        .where(User.supplier_id.in_(list(supplier_ids)), User.role == Role.SUPPLIER)
        .order_by(User.id)
    ):
        supplier_id = cast(int, user.supplier_id)  # filtered on above
        members.setdefault(supplier_id, []).append(user)
    return members


def _rfq_line(rfq: RFQ) -> str:
    materials = f" ({', '.join(rfq.materials)})" if rfq.materials else ""
    return (
        f"{rfq.quantity:,} pairs of {rfq.category.name}{materials}, {rfq.incoterm}, "
        f"to {rfq.destination_country}, needed by {rfq.needed_by.isoformat()}."
    )


def notify_matched_suppliers(rfq_id: int) -> int:
    """Notify the members of each matched supplier not told yet, and refresh those
    suppliers' response figures; returns how many suppliers were told.  Each match is
    claimed by a conditional update, so a repeated run tells nobody twice."""
    now = utcnow()
    claimed = list(
        db.session.execute(
            sa.update(RFQMatch)
            .where(RFQMatch.rfq_id == rfq_id, RFQMatch.notified_at.is_(None))
            .values(notified_at=now)
            .returning(RFQMatch.supplier_id, RFQMatch.score)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return 0
    rfq = db.session.get_one(RFQ, rfq_id)  # its claimed matches refer to it
    members = _members([supplier_id for supplier_id, _score in claimed])
    deadline = rfq.quote_deadline.strftime("%Y-%m-%d %H:%M UTC")
    for supplier_id, score in sorted(claimed, key=lambda row: (-row[1], row[0])):
        notify(
            members.get(supplier_id, []),
            "rfq.matched",
            f"New RFQ for your company: {rfq.title}",
            f"A buyer asks for {_rfq_line(rfq)} Quote before {deadline}. "
            f"Fit with your catalog: {score}/100.",
            link=f"/dashboard/rfqs/{rfq.id}",
            subject={"rfq_id": rfq.id, "supplier_id": supplier_id},
        )
    for supplier in db.session.scalars(
        sa.select(Supplier).where(Supplier.id.in_([row[0] for row in claimed]))
    ):
        refresh_supplier_metrics(supplier, now=now)
    return len(claimed)


# Conditional updates of the RFQ row (the serialisation point) --------------------------


def _claim(rfq: RFQ, *conditions, **values) -> bool:
    """``UPDATE rfqs SET ... WHERE id = :id AND <conditions>``; True when it hit the row."""
    result = db.session.execute(
        sa.update(RFQ)
        .where(RFQ.id == rfq.id, *conditions)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def _refresh(*objects) -> None:
    for obj in objects:
        db.session.refresh(obj)


def _not_taking_quotes(rfq: RFQ, now: datetime) -> Conflict:
    status = rfq.effective_status(now)
    if status == RFQStatus.CLOSED:
        return Conflict("The quote deadline of this RFQ has passed.")
    return Conflict(f"This RFQ is {status.value}; it takes no quotations.")


# Quotations ------------------------------------------------------------------------


def submit_quotation(
    rfq: RFQ, user: User, data: Mapping[str, Any], *, now: datetime | None = None
) -> tuple[Quotation, bool]:
    """Quote on an RFQ for the user's company, or revise its quotation; (quotation, new?).

    Only while the RFQ takes quotes (open, before its deadline); a new quotation needs
    one of the RFQ_MAX_QUOTATIONS places (a revision keeps its place).
    """
    now = now or utcnow()
    supplier = db.session.get(Supplier, user.supplier_id)
    match = viewer_match(user, rfq)
    if supplier is None or match is None:
        raise NotFound("RFQ not found.")
    if not supplier.is_active:
        raise Conflict("Your company is suspended; it cannot quote.")
    currency = data.get("currency") or rfq.currency
    if currency != rfq.currency:
        raise ValidationFailed(
            errors={"currency": [f"Quote in the RFQ's currency, {rfq.currency}."]}
        )
    if data["valid_until"] < now.date():
        raise ValidationFailed(errors={"valid_until": ["Must be today or later."]})
    if not rfq.is_taking_quotes(now):
        raise _not_taking_quotes(rfq, now)

    seen = _own_quotation(rfq, supplier.id)
    # (Remember what was seen: the re-read below refreshes this very object.)
    seen_status = seen.status if seen is not None else None
    takes_place = seen_status in (None, QuotationStatus.WITHDRAWN)
    if seen_status is not None and not takes_place and seen_status != QuotationStatus.SUBMITTED:
        raise Conflict(f"Your quotation was already {seen_status.value}.")
    open_now = sa.and_(RFQ.status == RFQStatus.OPEN, RFQ.quote_deadline > now)
    if takes_place:
        cap = current_app.config["RFQ_MAX_QUOTATIONS"]
        claimed = _claim(
            rfq, open_now, RFQ.quotation_count < cap, quotation_count=RFQ.quotation_count + 1
        )
        if not claimed:
            _refresh(rfq)
            if not rfq.is_taking_quotes(now):
                raise _not_taking_quotes(rfq, now)
            raise Conflict(f"This RFQ already has {cap} quotations; it takes no more suppliers.")
    elif not _claim(rfq, open_now):
        _refresh(rfq)
        raise _not_taking_quotes(rfq, now)

    # The RFQ row is ours until commit: read the quotation as it is now.
    current = _own_quotation(rfq, supplier.id, fresh=True)
    if (current.status if current is not None else None) != seen_status:
        raise Conflict("Your company's quotation changed meanwhile; reload and try again.")

    values = {name: data[name] for name in QUOTE_FIELDS if name in data}
    values.update(currency=currency, notes=data.get("notes") or "")
    if current is None:
        quotation = Quotation(
            rfq_id=rfq.id,
            supplier_id=supplier.id,
            submitted_by_id=user.id,
            status=QuotationStatus.SUBMITTED,
            revision=1,
            created_at=now,
            updated_at=now,
            **values,
        )
        db.session.add(quotation)
        try:
            db.session.flush()
        except sa.exc.IntegrityError as exc:
            if violates(exc, "uq_quotations_rfq_id_supplier_id:quotations.rfq_id"):
                raise Conflict("Your company's quotation was just submitted; reload.") from exc
            raise
    else:
        quotation = current
        for name, value in values.items():
            setattr(quotation, name, value)
        quotation.submitted_by_id = user.id
        quotation.revision += 1
        quotation.status = QuotationStatus.SUBMITTED
        quotation.decided_at = None
        quotation.updated_at = now
    db.session.add(
        QuotationRevision(
            quotation=quotation,
            revision=quotation.revision,
            submitted_by_id=user.id,
            created_at=now,
            **values,
        )
    )
    is_new = current is None or takes_place
    if match.first_response_at is None:
        match.first_response_at = now
        db.session.flush()
        jobs.enqueue(tasks.refresh_metrics, [supplier.id])
    db.session.flush()
    _refresh(rfq)
    _notify_buyer_of_quotation(rfq, quotation, supplier, is_new=is_new)
    return quotation, current is None


def _own_quotation(rfq: RFQ, supplier_id: int, *, fresh: bool = False) -> Quotation | None:
    query = sa.select(Quotation).where(
        Quotation.rfq_id == rfq.id, Quotation.supplier_id == supplier_id
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    return db.session.scalar(query)


def _notify_buyer_of_quotation(rfq, quotation, supplier, *, is_new: bool) -> None:
    price = f"{quotation.currency} {quotation.unit_price:.2f}"
    if is_new:
        title = f"New quotation on your RFQ: {rfq.title}"
        body = (
            f"{supplier.name} quoted {price} a pair, MOQ {quotation.moq:,}, "
            f"{quotation.lead_time_days} days, {quotation.incoterm}. "
            f"{rfq.quotation_count} quotation(s) so far."
        )
    else:
        title = f"Revised quotation on your RFQ: {rfq.title}"
        body = f"{supplier.name} revised its quotation (revision {quotation.revision}): {price}."
    notify(
        [rfq.buyer],
        "quotation.new" if is_new else "quotation.revised",
        title,
        body,
        link=f"/buyer/rfqs/{rfq.id}",
        subject={"rfq_id": rfq.id, "quotation_id": quotation.id},
        email=is_new,
    )


def withdraw_quotation(quotation: Quotation, user: User) -> Quotation:
    """The quoting company withdraws its quotation (only while submitted); its place
    among the RFQ's quotations is freed."""
    if not (user.is_supplier_member and user.supplier_id == quotation.supplier_id):
        raise NotFound("Quotation not found.")
    if quotation.status != QuotationStatus.SUBMITTED:
        raise Conflict(
            f"Only a submitted quotation can be withdrawn; this one is {quotation.status.value}."
        )
    rfq = quotation.rfq
    if not _claim(rfq, RFQ.status == RFQStatus.OPEN, quotation_count=RFQ.quotation_count - 1):
        _refresh(rfq)
        raise Conflict(f"This RFQ is {rfq.effective_status().value}; the quotation stays.")
    now = utcnow()
    result = db.session.execute(
        sa.update(Quotation)
        .where(Quotation.id == quotation.id, Quotation.status == QuotationStatus.SUBMITTED)
        .values(status=QuotationStatus.WITHDRAWN, decided_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise Conflict("This quotation is no longer submitted.")
    _refresh(rfq, quotation)
    notify(
        [rfq.buyer],
        "quotation.withdrawn",
        f"A quotation on your RFQ was withdrawn: {rfq.title}",
        f"{quotation.supplier.name} withdrew its quotation.",
        link=f"/buyer/rfqs/{rfq.id}",
        subject={"rfq_id": rfq.id, "quotation_id": quotation.id},
        email=False,
    )
    return quotation


def accept_quotation(quotation: Quotation, buyer: User) -> Quotation:
    """The buyer accepts one quotation: the RFQ is awarded, this quotation accepted and
    every other submitted one declined, in the caller's transaction.  Exactly one
    acceptance ever succeeds, also when many arrive at once; the others get 409."""
    rfq = quotation.rfq
    if not is_rfq_owner(buyer, rfq):
        raise NotFound("Quotation not found.")
    now = utcnow()
    if quotation.status != QuotationStatus.SUBMITTED:
        raise Conflict(f"This quotation is {quotation.status.value}; it cannot be accepted.")
    if quotation.valid_until < now.date():
        raise Conflict(f"This quotation expired on {quotation.valid_until.isoformat()}.")
    if not _claim(rfq, RFQ.status == RFQStatus.OPEN, status=RFQStatus.AWARDED, awarded_at=now):
        _refresh(rfq)
        raise Conflict(f"This RFQ is already {rfq.effective_status(now).value}.")
    try:
        accepted = db.session.execute(
            sa.update(Quotation)
            .where(Quotation.id == quotation.id, Quotation.status == QuotationStatus.SUBMITTED)
            .values(status=QuotationStatus.ACCEPTED, decided_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    except sa.exc.IntegrityError as exc:
        if violates(exc, "uq_quotations_one_accepted:quotations.rfq_id"):
            raise Conflict("This RFQ already has an accepted quotation.") from exc
        raise
    if rowcount(accepted) != 1:
        raise Conflict("This quotation was withdrawn meanwhile.")
    declined_ids = list(
        db.session.scalars(
            sa.select(Quotation.id).where(
                Quotation.rfq_id == rfq.id,
                Quotation.id != quotation.id,
                Quotation.status == QuotationStatus.SUBMITTED,
            )
        )
    )
    if declined_ids:
        db.session.execute(
            sa.update(Quotation)
            .where(Quotation.id.in_(declined_ids))
            .values(status=QuotationStatus.DECLINED, decided_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    _refresh(rfq, quotation)
    record(
        "quotation.accept",
        quotation,
        actor=buyer,
        before=QuotationStatus.SUBMITTED,
        after=QuotationStatus.ACCEPTED,
        # The winner's company reads this entry: no other supplier's quotation in it.
        details={"rfq_id": rfq.id, "declined_count": len(declined_ids)},
    )
    _notify_decisions(rfq, quotation, declined_ids)
    return quotation


def _notify_decisions(rfq: RFQ, accepted: Quotation, declined_ids: list[int]) -> None:
    declined = (
        list(db.session.scalars(sa.select(Quotation).where(Quotation.id.in_(declined_ids))))
        if declined_ids
        else []
    )
    members = _members({accepted.supplier_id, *(q.supplier_id for q in declined)})
    buyer = rfq.buyer
    notify(
        members.get(accepted.supplier_id, []),
        "quotation.accepted",
        f"Your quotation was accepted: {rfq.title}",
        f"{buyer.name} ({buyer.company_name or buyer.country or 'buyer'}) accepted your "
        f"quotation of {accepted.currency} {accepted.unit_price:.2f} a pair for "
        f"{rfq.quantity:,} pairs. Contact the buyer to confirm the order.",
        link=f"/dashboard/rfqs/{rfq.id}",
        subject={"rfq_id": rfq.id, "quotation_id": accepted.id},
    )
    for quotation in declined:
        # Never another supplier's price or name: only that this RFQ went elsewhere.
        notify(
            members.get(quotation.supplier_id, []),
            "quotation.declined",
            f"Your quotation was not chosen: {rfq.title}",
            "The buyer awarded this RFQ to another supplier. Thank you for quoting.",
            link=f"/dashboard/rfqs/{rfq.id}",
            subject={"rfq_id": rfq.id, "quotation_id": quotation.id},
        )


def cancel_rfq(rfq: RFQ, buyer: User) -> RFQ:
    """The buyer cancels an RFQ that is not awarded (open, or closed past its deadline);
    submitted quotations are declined and their suppliers told."""
    if not is_rfq_owner(buyer, rfq):
        raise NotFound("RFQ not found.")
    now = utcnow()
    if not _claim(rfq, RFQ.status == RFQStatus.OPEN, status=RFQStatus.CANCELLED, cancelled_at=now):
        _refresh(rfq)
        raise Conflict(f"This RFQ is {rfq.effective_status(now).value}; it cannot be cancelled.")
    open_quotes = list(
        db.session.scalars(
            sa.select(Quotation).where(
                Quotation.rfq_id == rfq.id, Quotation.status == QuotationStatus.SUBMITTED
            )
        )
    )
    if open_quotes:
        db.session.execute(
            sa.update(Quotation)
            .where(Quotation.id.in_([q.id for q in open_quotes]))
            .values(status=QuotationStatus.DECLINED, decided_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    _refresh(rfq, *open_quotes)
    members = _members({q.supplier_id for q in open_quotes})
    for quotation in open_quotes:
        notify(
            members.get(quotation.supplier_id, []),
            "rfq.cancelled",
            f"RFQ cancelled by the buyer: {rfq.title}",
            "The buyer cancelled this RFQ; your quotation is closed.",
            link=f"/dashboard/rfqs/{rfq.id}",
            subject={"rfq_id": rfq.id, "quotation_id": quotation.id},
        )
    return rfq
