"""Who may do what, in one readable place.

Views call these; they never re-implement the checks inline.  Another tenant's
object is reported as absent (404), not forbidden.

A suspended company is read-only for its members: ``login_required`` refuses every
unsafe request (POST, PUT, PATCH, DELETE) they make, API and pages alike, before the
view runs, unless the route says it writes no company data (``writes_company=False``:
the caller's own sign-out, password, API tokens and notifications, and reports, which
anyone signed in may send).  Deny by default: a new writing route is closed to them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import redirect, request, url_for
from flask_login import current_user

from marketplace.accounts.models import Role, User
from marketplace.errors import Forbidden, Unauthorized, wants_json


def authenticated_user() -> User | None:
    return current_user if current_user.is_authenticated else None


def require_user() -> User:
    user = authenticated_user()
    if user is None:
        raise Unauthorized()
    return user


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COMPANY_SUSPENDED = (
    "Your company is suspended: its catalog, profile, team, quotations and inquiries are "
    "read-only. Contact the platform administrators."
)


def login_required(
    *roles: Role, supplier_member: bool = False, writes_company: bool = True
) -> Callable:
    """Require a logged-in user, optionally with one of ``roles``.

    Anonymous: 401 for the API, a redirect to the login page for pages.
    Wrong role: 403 (JSON or the 403 page).
    A member of a suspended company: 403 on every unsafe request, unless
    ``writes_company`` is False (the route changes only the caller's own account).
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            user = authenticated_user()
            if user is None:
                if wants_json():
                    raise Unauthorized()
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                raise Forbidden()
            if supplier_member and not user.is_supplier_member:
                raise Forbidden("Only members of a supplier company can do this.")
            if writes_company and request.method not in SAFE_METHODS and in_suspended_company(user):
                raise Forbidden(COMPANY_SUSPENDED)
            return view(*args, **kwargs)

        return wrapper

    return decorator


# Predicates on objects ------------------------------------------------------


def in_suspended_company(user: User | None) -> bool:
    """A member of a company the platform suspended: it may read, not write."""
    supplier = user.supplier if user is not None and user.is_supplier_member else None
    return supplier is not None and not supplier.is_active


def is_member_of(user: User | None, supplier_id: int | None) -> bool:
    return bool(
        user and supplier_id and user.is_supplier_member and user.supplier_id == supplier_id
    )


def is_owner_of(user: User | None, supplier_id: int | None) -> bool:
    return user is not None and is_member_of(user, supplier_id) and user.is_supplier_owner


def can_manage_supplier(user: User | None, supplier_id: int) -> bool:
    """Members edit their company's profile and catalog."""
    return is_member_of(user, supplier_id)


def can_change_company_identity(user: User | None, supplier_id: int) -> bool:
    """The name and address the company was verified under are the owner's to change."""
    return is_owner_of(user, supplier_id)


def can_view_supplier_private(user: User | None, supplier_id: int) -> bool:
    """Members and admins see a company's private data (stats, drafts, suspended profile)."""
    return bool(user and (user.is_admin or is_member_of(user, supplier_id)))
