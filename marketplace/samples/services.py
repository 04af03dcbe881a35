"""Sample request operations: create, list, read, and the six moves.

Who sees a sample request: its buyer, the members of its supplier and admins; to everyone
else it does not exist (404).  The buyer moves it to ``accepted``, ``received`` and
``cancelled``; the supplier's members to ``quoted``, ``shipped`` and ``declined``; the
other party and admins are refused (403).  A move from a state it does not start from is
a 409.

Every move is one conditional ``UPDATE sample_requests SET status=... WHERE id=:id AND
status IN (...)``: the first of two identical moves hits the row, the second hits none
(PostgreSQL re-checks the WHERE clause after waiting for the row lock; SQLite's
``BEGIN IMMEDIATE`` serialises the writers) and gets 409, on both databases.

Services flush, never commit; notifications, outbox e-mails and audit rows join the
caller's transaction.  Each notification and e-mail is written in its reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.catalog import services as catalog
from marketplace.db import rowcount, utcnow
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.fields import format_money
from marketplace.inquiries.services import supplier_members
from marketplace.notifications.services import notify
from marketplace.pagination import paginate_by_id
from marketplace.permissions import is_member_of
from marketplace.samples.models import SampleRequest, SampleStatus
from marketplace.suppliers.models import Supplier, SupplierStatus

BUYER, SUPPLIER = "buyer", "supplier"
DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Move:
    """One transition: who makes it, from which states, to which, and its time column."""

    name: str
    side: str
    sources: tuple[SampleStatus, ...]
    target: SampleStatus
    stamp: str


MOVES = {
    move.name: move
    for move in (
        Move("quote", SUPPLIER, (SampleStatus.REQUESTED,), SampleStatus.QUOTED, "quoted_at"),
        Move("accept", BUYER, (SampleStatus.QUOTED,), SampleStatus.ACCEPTED, "accepted_at"),
        Move("ship", SUPPLIER, (SampleStatus.ACCEPTED,), SampleStatus.SHIPPED, "shipped_at"),
        Move("receive", BUYER, (SampleStatus.SHIPPED,), SampleStatus.RECEIVED, "received_at"),
        Move("decline", SUPPLIER, (SampleStatus.REQUESTED,), SampleStatus.DECLINED, "declined_at"),
        Move(
            "cancel",
            BUYER,
            (SampleStatus.REQUESTED, SampleStatus.QUOTED),
            SampleStatus.CANCELLED,
            "cancelled_at",
        ),
    )
}


# Who is who ---------------------------------------------------------------------------


def side_of(sample: SampleRequest, user: User | None) -> str | None:
    """The party ``user`` speaks for, or None (admins, everyone else)."""
    if user is None:
        return None
    if user.role == Role.BUYER and user.id == sample.buyer_id:
        return BUYER
    if is_member_of(user, sample.supplier_id):
        return SUPPLIER
    return None


def can_view(sample: SampleRequest, user: User | None) -> bool:
    return side_of(sample, user) is not None or bool(user and user.is_admin)


def get_sample_request(sample_id: int, viewer: User) -> SampleRequest:
    """The sample request if ``viewer`` may see it; 404 otherwise."""
    sample = db.session.get(SampleRequest, sample_id)
    if sample is None or not can_view(sample, viewer):
        raise NotFound("Sample request not found.")
    return sample


def allowed_moves(sample: SampleRequest, user: User | None) -> list[str]:
    """The moves ``user`` may make now (for the pages' buttons)."""
    side = side_of(sample, user)
    return [
        move.name for move in MOVES.values() if move.side == side and sample.status in move.sources
    ]


# Creating -------------------------------------------------------------------------------


def create_sample_request(buyer: User, data: Mapping[str, Any]) -> SampleRequest:
    """A buyer asks for samples of a public product; its supplier's members are told."""
    product = catalog.get_product(data["product_id"], buyer)
    if not product.is_public:  # a buyer is never a member: belt and braces
        raise NotFound("Product not found.")
    supplier = db.session.get(Supplier, product.supplier_id)
    if supplier is None or supplier.status != SupplierStatus.ACTIVE:
        raise NotFound("Product not found.")
    now = utcnow()
    sample = SampleRequest(
        buyer_id=buyer.id,
        supplier_id=supplier.id,
        product_id=product.id,
        quantity_pairs=data["quantity_pairs"],
        sizes=list(data.get("sizes") or []),
        colors=list(data.get("colors") or []),
        note=data.get("note") or "",
        destination_country=data["destination_country"],
        status=SampleStatus.REQUESTED,
        created_at=now,
        updated_at=now,
    )
    db.session.add(sample)
    db.session.flush()
    record(
        "sample.request",
        sample,
        actor=buyer,
        after=SampleStatus.REQUESTED,
        target_type="sample_request",
        details={"product_id": product.id},
    )
    _tell(sample, SUPPLIER, "sample.requested", _requested_text)
    db.session.flush()
    return sample


# Lists ----------------------------------------------------------------------------------


def viewer_scope(viewer: User) -> sa.Select:
    query = sa.select(SampleRequest)
    if viewer.is_admin:
        return query
    if viewer.is_supplier_member:
        return query.where(SampleRequest.supplier_id == viewer.supplier_id)
    if viewer.role == Role.BUYER:
        return query.where(SampleRequest.buyer_id == viewer.id)
    return query.where(sa.false())  # a supplier account that left its company


def list_sample_requests(
    viewer: User,
    *,
    status: SampleStatus | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Newest first. Buyers: their own; supplier members: their company's; admins: all."""
    query = viewer_scope(viewer)
    if status is not None:
        query = query.where(SampleRequest.status == status)
    query = query.options(
        selectinload(SampleRequest.buyer),
        selectinload(SampleRequest.supplier),
        selectinload(SampleRequest.product),
    )
    return paginate_by_id(query, SampleRequest, limit=limit, cursor=cursor, salt="samples")


# The moves ------------------------------------------------------------------------------


def move(
    sample: SampleRequest, user: User, name: str, data: Mapping[str, Any] | None = None
) -> SampleRequest:
    """Make move ``name`` (``quote``, ``accept``, ``ship``, ``receive``, ``decline``,
    ``cancel``) as ``user``: 403 for the wrong party or an admin, 409 from a state the
    move does not start from (also for the second of two identical moves at once)."""
    spec = MOVES[name]
    side = side_of(sample, user)
    if side is None:
        if not can_view(sample, user):
            raise NotFound("Sample request not found.")
        raise Forbidden("Only the buyer and the supplier move a sample request.")
    if side != spec.side:
        who = "buyer" if spec.side == BUYER else "supplier"
        raise Forbidden(f"Only the {who} can {name} this sample request.")
    values: dict[str, Any] = {"status": spec.target, spec.stamp: utcnow()}
    data = data or {}
    if name == "quote":
        values.update(
            fee=data["fee"],
            shipping_fee=data["shipping_fee"],
            currency=data["currency"],
            ready_in_days=data["ready_in_days"],
        )
    elif name == "ship":
        values.update(tracking_carrier=data["carrier"], tracking_reference=data["reference"])
    elif name == "decline":
        values.update(decline_reason=data["reason"])
    values["updated_at"] = values[spec.stamp]
    before = sample.status
    result = db.session.execute(
        sa.update(SampleRequest)
        .where(SampleRequest.id == sample.id, SampleRequest.status.in_(spec.sources))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(sample)
    if rowcount(result) != 1:
        raise Conflict(
            f"This sample request is {sample.status.value}; it cannot be {_PAST[name]} now."
        )
    if before not in spec.sources:  # another move committed between the read and ours
        before = spec.sources[0]
    record(
        f"sample.{name}",
        sample,
        actor=user,
        before=before,
        after=spec.target,
        reason=data.get("reason"),
        target_type="sample_request",
    )
    other = SUPPLIER if spec.side == BUYER else BUYER
    _tell(sample, other, f"sample.{spec.target.value}", _TEXTS[name])
    db.session.flush()
    return sample


_PAST = {
    "quote": "quoted",
    "accept": "accepted",
    "ship": "shipped",
    "receive": "marked received",
    "decline": "declined",
    "cancel": "cancelled",
}


# Notifications and e-mails, in each reader's language ----------------------------------


def _tell(
    sample: SampleRequest,
    side: str,
    kind: str,
    text: Callable[[SampleRequest], tuple[str, str]],
) -> None:
    """Notify ``side`` of ``sample`` (the buyer, or every member of the supplier) in the
    app and by e-mail, each in their own language."""
    recipients: Iterable[User]
    if side == BUYER:
        recipients, link = [sample.buyer], f"/buyer/samples/{sample.id}"
    else:
        recipients, link = supplier_members(sample.supplier_id), f"/dashboard/samples/{sample.id}"
    for user in recipients:
        with force_locale(user.locale or DEFAULT_LOCALE):
            title, body = text(sample)
        notify(
            [user],
            kind,
            title,
            body,
            link=link,
            subject={"sample_request_id": sample.id, "supplier_id": sample.supplier_id},
        )


def _product_label(sample: SampleRequest) -> str:
    product = sample.product
    return f"{product.name} ({product.sku})" if product else _("a product")


def _buyer_label(sample: SampleRequest) -> str:
    buyer = sample.buyer
    return f"{buyer.name} ({buyer.company_name})" if buyer.company_name else buyer.name


def _facts(sample: SampleRequest) -> str:
    lines = [
        _("Product: %(product)s", product=_product_label(sample)),
        _("Pairs: %(count)d", count=sample.quantity_pairs),
    ]
    if sample.sizes:
        lines.append(_("Sizes: %(sizes)s", sizes=", ".join(sample.sizes)))
    if sample.colors:
        lines.append(_("Colours: %(colors)s", colors=", ".join(sample.colors)))
    lines.append(_("Destination: %(country)s", country=sample.destination_country))
    return "\n".join(lines)


def _terms(sample: SampleRequest) -> str:
    def amount(value) -> str:
        return _("free") if not value else f"{sample.currency} {format_money(value)}"

    return "\n".join(
        [
            _("Sample fee: %(amount)s", amount=amount(sample.fee)),
            _("Shipping: %(amount)s", amount=amount(sample.shipping_fee)),
            _("Ready in %(days)d days", days=sample.ready_in_days or 0),
        ]
    )


def _requested_text(sample: SampleRequest) -> tuple[str, str]:
    title = _("Sample request #%(id)d from %(buyer)s", id=sample.id, buyer=_buyer_label(sample))
    body = _facts(sample) + (f"\n\n{sample.note}" if sample.note else "")
    return title, body


def _quoted_text(sample: SampleRequest) -> tuple[str, str]:
    title = _(
        "%(supplier)s sent terms for your sample request #%(id)d",
        supplier=sample.supplier.name,
        id=sample.id,
    )
    body = _terms(sample) + "\n\n" + _("Accept the terms to have the samples made and sent.")
    return title, body


def _accepted_text(sample: SampleRequest) -> tuple[str, str]:
    title = _("Sample request #%(id)d: the buyer accepted your terms", id=sample.id)
    body = _facts(sample) + "\n\n" + _terms(sample)
    return title, body


def _shipped_text(sample: SampleRequest) -> tuple[str, str]:
    title = _("Your samples are on their way (request #%(id)d)", id=sample.id)
    body = _(
        "Carrier: %(carrier)s\nTracking reference: %(reference)s",
        carrier=sample.tracking_carrier or "",
        reference=sample.tracking_reference or "",
    )
    return title, body


def _received_text(sample: SampleRequest) -> tuple[str, str]:
    title = _("Sample request #%(id)d: the buyer received the samples", id=sample.id)
    return title, _facts(sample)


def _declined_text(sample: SampleRequest) -> tuple[str, str]:
    title = _(
        "%(supplier)s declined your sample request #%(id)d",
        supplier=sample.supplier.name,
        id=sample.id,
    )
    body = _("Reason: %(reason)s", reason=sample.decline_reason or "")
    return title, body


def _cancelled_text(sample: SampleRequest) -> tuple[str, str]:
    title = _("Sample request #%(id)d was cancelled by the buyer", id=sample.id)
    return title, _facts(sample)


_TEXTS: dict[str, Callable[[SampleRequest], tuple[str, str]]] = {
    "quote": _quoted_text,
    "accept": _accepted_text,
    "ship": _shipped_text,
    "receive": _received_text,
    "decline": _declined_text,
    "cancel": _cancelled_text,
}
