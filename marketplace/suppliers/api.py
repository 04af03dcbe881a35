"""``/api/v1/suppliers``: directory, profiles, teams, verification requests, stats."""

from __future__ import annotations

from flask_login import current_user

from marketplace.api_base import Blueprint
from marketplace.catalog import services as catalog
from marketplace.catalog.schemas import ProductListArgs, ProductListSchema
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.fields import INT32_MAX
from marketplace.pagination import paginate_by_id
from marketplace.permissions import (
    authenticated_user,
    can_view_supplier_private,
    is_member_of,
    is_owner_of,
    login_required,
)
from marketplace.suppliers import directory, services
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.schemas import (
    MemberCreateSchema,
    MemberListSchema,
    MemberSchema,
    SupplierListArgs,
    SupplierListSchema,
    SupplierSchema,
    SupplierStatsSchema,
    SupplierUpdateSchema,
    VerificationRequestCreateSchema,
    VerificationRequestSchema,
)

blp = Blueprint("suppliers", __name__, url_prefix="/suppliers", description="Supplier companies")

LOGGED_IN = [{"cookieAuth": []}, {"bearerAuth": []}]
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


@blp.route("", methods=["GET"])
@blp.arguments(SupplierListArgs, location="query")
@blp.response(200, SupplierListSchema)
@blp.errors(400, 422)
def list_suppliers(args):
    """The supplier directory: active companies, by relevance with q, else newest first
    (or sort=response_rate)."""
    return directory.search_suppliers(args)


@blp.route(SUPPLIER, methods=["GET"])
@blp.response(200, SupplierSchema)
@blp.errors(404)
def get_supplier(supplier_id):
    return services.get_supplier(supplier_id, authenticated_user())


@blp.route(SUPPLIER, methods=["PATCH"])
@login_required(supplier_member=True)
@blp.arguments(SupplierUpdateSchema)
@blp.response(200, SupplierSchema)
@blp.errors(400, 401, 403, 404, 415, 422)
@blp.doc(security=LOGGED_IN)
def update_supplier(data, supplier_id):
    """Edit your company's profile and certifications (owner and staff)."""
    supplier = own_supplier(supplier_id)
    services.update_profile(supplier, data)
    return supplier


@blp.route(f"{SUPPLIER}/products", methods=["GET"])
@blp.arguments(ProductListArgs, location="query")
@blp.response(200, ProductListSchema)
@blp.errors(400, 404, 422)
def supplier_products(args, supplier_id):
    """A supplier's catalog: published products for everyone; every state for its members."""
    viewer = authenticated_user()
    services.get_supplier(supplier_id, viewer)
    query = catalog.supplier_products_query(
        supplier_id,
        viewer=viewer,
        status=args.get("status"),
        category=args.get("category"),
        q=args.get("q"),
    )
    from marketplace.catalog.models import Product

    return paginate_by_id(
        query, Product, limit=args["limit"], cursor=args.get("cursor"), salt="supplier-products"
    )


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
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def request_verification(data, supplier_id):
    """Ask the platform to verify your company (owner), with your business licence number."""
    supplier = own_supplier(supplier_id, owner=True)
    request = services.request_verification(supplier, requested_by=current_user, **data)
    return request


@blp.route(f"{SUPPLIER}/stats", methods=["GET"])
@login_required()
@blp.response(200, SupplierStatsSchema)
@blp.errors(401, 404)
@blp.doc(security=LOGGED_IN)
def supplier_stats(supplier_id):
    """Your company's figures (members and admins)."""
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None or not can_view_supplier_private(current_user, supplier_id):
        raise NotFound("Supplier not found.")
    return services.supplier_stats(supplier)
