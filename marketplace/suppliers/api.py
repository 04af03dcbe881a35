"""``/api/v1/suppliers/<id>``: profiles, teams, verification requests.

The directory (``GET /suppliers``) is served by marketplace.search.api, a supplier's
products by marketplace.catalog.api and its stats by marketplace.rfqs.api: the packages
that own what those need.
"""

from __future__ import annotations

from flask_login import current_user

from marketplace.api_base import Blueprint
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.fields import INT32_MAX
from marketplace.permissions import (
    authenticated_user,
    is_member_of,
    is_owner_of,
    login_required,
)
from marketplace.suppliers import services
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.schemas import (
    MemberCreateSchema,
    MemberListSchema,
    MemberSchema,
    SupplierSchema,
    SupplierUpdateSchema,
    VerificationRequestCreateSchema,
    VerificationRequestSchema,
)

blp = Blueprint("suppliers", __name__, url_prefix="/suppliers", description="Supplier companies")

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]
SUPPLIER = f"/<int(max={INT32_MAX}):supplier_id>"


def own_supplier(supplier_id: int, *, owner: bool = False) -> Supplier:
    """The caller's own company; any other company is a 404."""
    check = is_owner_of if owner else is_member_of
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None or not is_member_of(current_user, supplier_id):
        raise NotFound("Supplier not found.")
    if not check(current_user, supplier_id):
        from marketplace.errors import Forbidden

        raise Forbidden("Only the company's owner can do this.")
    return supplier


@blp.route(SUPPLIER, methods=["GET"])
@blp.response(200, SupplierSchema)
@blp.errors(401, 404)  # 401: a revoked or unknown Bearer token, even on a public page
def get_supplier(supplier_id):
    return services.get_supplier(supplier_id, authenticated_user())


@blp.route(SUPPLIER, methods=["PATCH"])
@login_required(supplier_member=True)
@blp.arguments(SupplierUpdateSchema)
@blp.response(200, SupplierSchema)
@blp.errors(400, 401, 403, 404, 415, 422)
@blp.doc(security=LOGGED_IN)
def update_supplier(data, supplier_id):
    """Edit your company's profile and certifications (owner and staff).  The name,
    address, city and province are the owner's (403 for staff) and may not contain a
    prohibited term (422 naming the field); changing them sends a verified company back
    to verification (no verified badge until the platform checks it again)."""
    supplier = own_supplier(supplier_id)
    services.update_profile(supplier, data, editor=current_user)
    return supplier


@blp.route(f"{SUPPLIER}/members", methods=["GET"])
@login_required(supplier_member=True)
@blp.response(200, MemberListSchema)
@blp.errors(401, 403, 404)
@blp.doc(security=LOGGED_IN)
def list_members(supplier_id):
    supplier = own_supplier(supplier_id)
    return {"items": services.list_members(supplier), "next_cursor": None}


@blp.route(f"{SUPPLIER}/members", methods=["POST"])
@login_required(supplier_member=True)
@blp.arguments(MemberCreateSchema)
@blp.response(201, MemberSchema)
@blp.links(
    201,
    {"supplier_id": "$request.path.supplier_id", "user_id": "$response.body#/id"},
    removeSupplierMember="DELETE /suppliers/{supplier_id}/members/{user_id}",
    listSupplierMembers="GET /suppliers/{supplier_id}/members",
)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def add_member(data, supplier_id):
    """Add a staff member (owner only): a new account, or an existing supplier account
    that belongs to no company."""
    supplier = own_supplier(supplier_id, owner=True)
    member = services.add_staff(
        supplier, email=data["email"], name=data["name"], password=data.get("password")
    )
    return member


@blp.route(f"{SUPPLIER}/members/<int(max={INT32_MAX}):user_id>", methods=["DELETE"])
@login_required(supplier_member=True)
@blp.response(204)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def remove_member(supplier_id, user_id):
    """Remove a staff member (owner only); their sessions and tokens stop working at once."""
    supplier = own_supplier(supplier_id, owner=True)
    services.remove_member(supplier, user_id, acting=current_user)


@blp.route(f"{SUPPLIER}/verification-request", methods=["POST"])
@login_required(supplier_member=True)
@blp.arguments(VerificationRequestCreateSchema)
@blp.response(201, VerificationRequestSchema)
@blp.links(
    201,
    {"supplier_id": "$response.body#/supplier_id"},
    verifySupplier="POST /admin/suppliers/{supplier_id}/verify",
    getSupplier="GET /suppliers/{supplier_id}",
)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def request_verification(data, supplier_id):
    """Ask the platform to verify your company (owner), with your business licence number."""
    supplier = own_supplier(supplier_id, owner=True)
    request = services.request_verification(supplier, requested_by=current_user, **data)
    return request
