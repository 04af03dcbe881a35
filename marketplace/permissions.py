"""Who may do what, in one readable place.

Views call these; they never re-implement the checks inline.  Another tenant's
object is reported as absent (404), not forbidden.
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


def login_required(*roles: Role, supplier_member: bool = False) -> Callable:
    """Require a logged-in user, optionally with one of ``roles``.

    Anonymous: 401 for the API, a redirect to the login page for pages.
    Wrong role: 403 (JSON or the 403 page).
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
            return view(*args, **kwargs)

        return wrapper

    return decorator


# Predicates on objects ------------------------------------------------------


def is_member_of(user: User | None, supplier_id: int | None) -> bool:
    return bool(
        user and supplier_id and user.is_supplier_member and user.supplier_id == supplier_id
    )


def is_owner_of(user: User | None, supplier_id: int | None) -> bool:
    return user is not None and is_member_of(user, supplier_id) and user.is_supplier_owner


def can_manage_supplier(user: User | None, supplier_id: int) -> bool:
    """Members edit their company's profile and catalog."""
    return is_member_of(user, supplier_id)


def can_view_supplier_private(user: User | None, supplier_id: int) -> bool:
    """Members and admins see a company's private data (stats, drafts, suspended profile)."""
    return bool(user and (user.is_admin or is_member_of(user, supplier_id)))
