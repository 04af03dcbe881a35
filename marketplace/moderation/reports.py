"""Reports: any logged-in user reports a product, supplier or RFQ they can see; an admin
dismisses the report or removes its target; the reporter sees the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_login import current_user

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product, ProductStatus
from marketplace.db import utcnow, violates
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.moderation import services
from marketplace.moderation.models import Report, ReportStatus, ReportTargetType
from marketplace.notifications.services import notify
from marketplace.rfqs import services as rfqs
from marketplace.rfqs.models import RFQ, RFQStatus
from marketplace.suppliers import services as suppliers
from marketplace.suppliers.models import Supplier, SupplierStatus

ALREADY_REPORTED = "You have already reported this; the platform team is looking into it."


@dataclass
class Target:
    """A reported object, whatever its kind."""

    type: ReportTargetType
    obj: Any
    supplier_id: int | None
    label: str

    @property
    def status(self) -> str | None:
        status = getattr(self.obj, "status", None)
        return None if status is None else str(getattr(status, "value", status))


def _target(target_type: ReportTargetType, obj: Any) -> Target:
    if target_type == ReportTargetType.PRODUCT:
        return Target(target_type, obj, obj.supplier_id, f"product {obj.sku}: {obj.name}")
    if target_type == ReportTargetType.SUPPLIER:
        return Target(target_type, obj, obj.id, f"supplier {obj.name}")
    return Target(target_type, obj, None, f"RFQ {obj.id}: {obj.title}")


def visible_target(target_type: ReportTargetType, target_id: int, viewer: User) -> Target:
    """The object if ``viewer`` can see it; 404 otherwise (reporting reveals nothing)."""
    if target_type == ReportTargetType.PRODUCT:
        return _target(target_type, catalog.get_product(target_id, viewer))
    if target_type == ReportTargetType.SUPPLIER:
        return _target(target_type, suppliers.get_supplier(target_id, viewer))
    return _target(target_type, rfqs.get_rfq(target_id, viewer))


def any_target(target_type: ReportTargetType, target_id: int) -> Target | None:
    """The reported object whoever may see it (the admin's view), or None if it is gone."""
    model = {
        ReportTargetType.PRODUCT: Product,
        ReportTargetType.SUPPLIER: Supplier,
        ReportTargetType.RFQ: RFQ,
    }[target_type]
    obj = db.session.get(model, target_id)
    return _target(target_type, obj) if obj is not None else None


def remove(target: Target, note: str) -> None:
    """Take the target off the marketplace, if it is still on it: suspend a product or
    a supplier, close an RFQ."""
    obj = target.obj
    if target.type == ReportTargetType.PRODUCT:
        if obj.status not in (ProductStatus.SUSPENDED, ProductStatus.ARCHIVED):
            services.hide_product(obj, note)
    elif target.type == ReportTargetType.SUPPLIER:
        if obj.status != SupplierStatus.SUSPENDED:
            services.hide_supplier(obj, note)
    else:
        _close_rfq(obj, note)


def _close_rfq(rfq, note: str) -> None:
    """Cancel an open RFQ as its buyer could (its quotations are declined and their
    suppliers told); an awarded or cancelled one has nothing left to take down."""
    if rfq.status != RFQStatus.OPEN:
        return
    rfqs.cancel_rfq(rfq, rfq.buyer)
    notify(
        [rfq.buyer],
        "rfq.removed",
        f"RFQ removed by the platform: {rfq.title}",
        f"The platform team cancelled your RFQ after a report. Reason: {note}",
        link=f"/buyer/rfqs/{rfq.id}",
        subject={"rfq_id": rfq.id},
    )


# Creating and listing -------------------------------------------------------------


def create_report(
    reporter: User, *, target_type: ReportTargetType, target_id: int, reason: str
) -> Report:
    """Report something the reporter can see (404 otherwise); one open report per
    reporter and target (409 for a second one)."""
    target = visible_target(target_type, target_id, reporter)
    duplicate = db.session.scalar(
        sa.select(Report.id).where(
            Report.reporter_id == reporter.id,
            Report.target_type == target_type,
            Report.target_id == target_id,
            Report.status == ReportStatus.OPEN,
        )
    )
    if duplicate is not None:
        raise Conflict(ALREADY_REPORTED)
    report = Report(
        reporter_id=reporter.id,
        target_type=target_type,
        target_id=target_id,
        supplier_id=target.supplier_id,
        target_label=target.label[:300],
        reason=reason,
        status=ReportStatus.OPEN,
    )
    db.session.add(report)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:  # the same report sent twice at the same moment
        if violates(exc, "uq_reports_one_open:reports.reporter_id"):
            raise Conflict(ALREADY_REPORTED) from exc
        raise
    return report


def get_report(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None:
        raise NotFound("Report not found.")
    return report


def reports_query(
    *,
    status: ReportStatus | None = None,
    target_type: ReportTargetType | None = None,
    reporter_id: int | None = None,
) -> sa.Select:
    query = sa.select(Report)
    if status is not None:
        query = query.where(Report.status == status)
    if target_type is not None:
        query = query.where(Report.target_type == target_type)
    if reporter_id is not None:
        query = query.where(Report.reporter_id == reporter_id)
    return query


def targets_of(reports: list[Report]) -> dict[int, Target | None]:
    """The reported objects of a page of reports (for the admins' list)."""
    return {report.id: any_target(report.target_type, report.target_id) for report in reports}


# Resolving ------------------------------------------------------------------------

RESOLUTIONS = {"dismiss": ReportStatus.DISMISSED, "remove_target": ReportStatus.TARGET_REMOVED}


def resolve_report(report: Report, *, action: str, note: str | None) -> Report:
    """Dismiss the report, or remove its target; either way one audit row on the
    reported object (``report.resolve``, with the report's id), and the reporter is told."""
    if report.status != ReportStatus.OPEN:
        raise Conflict("This report has already been resolved.")
    if action == "remove_target" and not note:
        raise ValidationFailed(
            errors={"note": ["A note is required to remove the target (it is the reason shown)."]}
        )
    target = any_target(report.target_type, report.target_id)
    before = target.status if target else None
    if action == "remove_target" and target is not None:
        remove(target, note or "")
    report.status = RESOLUTIONS[action]
    report.resolution_note = note
    report.resolved_at = utcnow()
    report.resolved_by_id = getattr(audit.current_actor(), "id", None)
    db.session.flush()
    audit.record(
        "report.resolve",
        target.obj if target else None,
        target_type=report.target_type.value,
        target_id=report.target_id,
        before=before,
        after=target.status if target else None,
        reason=note,
        supplier_id=report.supplier_id,
        details={
            "report_id": report.id,
            "resolution": report.status.value,
            "label": report.target_label,
        },
    )
    outcome = (
        "We removed it from the marketplace."
        if report.status == ReportStatus.TARGET_REMOVED
        else "We reviewed it and took no action."
    )
    notify(
        [report.reporter],
        "report.resolved",
        f"Your report about {report.target_label[:200]} was reviewed",
        outcome + (f"\nNote from the platform team: {note}" if note else ""),
        link="/reports",
        subject={"report_id": report.id, "status": report.status.value},
    )
    return report


def reporter_key() -> int:
    """The ``report`` bucket's key: the API and the report page share one allowance."""
    return current_user.id
