"""The dashboards' side navigation, per role, in one place.

Each item names the endpoint that will serve it.  Until a later feature registers
that endpoint the item is shown as plain text ("coming soon"); once it exists the
item becomes a link without touching the templates.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy string, rendered in the page language
    endpoint: str

    @property
    def is_available(self) -> bool:
        return self.endpoint in current_app.view_functions

    @property
    def url(self) -> str | None:
        return url_for(self.endpoint) if self.is_available else None

    @property
    def is_current(self) -> bool:
        return request.endpoint == self.endpoint


SUPPLIER_NAV = (
    NavItem(_l("Overview"), "web.supplier_dashboard"),
    NavItem(_l("Products"), "web.supplier_products"),
    NavItem(_l("Bulk import (Excel/CSV)"), "web.supplier_import"),
    NavItem(_l("Inquiries"), "web.supplier_inquiries"),
    NavItem(_l("RFQs and quotations"), "web.supplier_rfqs"),
    NavItem(_l("Sample requests"), "web.supplier_samples"),
    NavItem(_l("Company profile"), "web.supplier_profile"),
    NavItem(_l("Team"), "web.supplier_team"),
    NavItem(_l("Password"), "web.change_password"),
)

BUYER_NAV = (
    NavItem(_l("Overview"), "web.buyer_home"),
    NavItem(_l("My inquiries"), "web.buyer_inquiries"),
    NavItem(_l("My RFQs"), "web.buyer_rfqs"),
    NavItem(_l("Compare quotations"), "web.buyer_quotations"),
    NavItem(_l("My samples"), "web.buyer_samples"),
    NavItem(_l("Password"), "web.change_password"),
)

ADMIN_NAV = (
    NavItem(_l("Overview"), "web.admin_home"),
    NavItem(_l("Product review queue"), "web.admin_review_queue"),
    NavItem(_l("Suppliers and verification"), "web.admin_suppliers"),
    NavItem(_l("Reports"), "web.admin_reports"),
    NavItem(_l("Audit log"), "web.admin_audit_log"),
    NavItem(_l("Password"), "web.change_password"),
)
