"""``/api/v1/products`` (management), ``/suppliers/<id>/products``, ``/admin/categories``,
``/materials``. (``GET /categories`` counts products in the search index:
marketplace.search.api.)"""

from __future__ import annotations

from flask_login import current_user

from marketplace.accounts.models import Role
from marketplace.api_base import Blueprint
from marketplace.catalog import images, services
from marketplace.catalog.models import Product
from marketplace.catalog.schemas import (
    CategoryCreateSchema,
    CategorySchema,
    ImageOrderSchema,
    ImageSchema,
    MaterialSchema,
    ProductInputSchema,
    ProductListArgs,
    ProductListSchema,
    ProductSchema,
    ProductUpdateSchema,
    image_dict,
)
from marketplace.fields import INT32_MAX
from marketplace.http import accepts
from marketplace.pagination import paginate_by_id
from marketplace.permissions import authenticated_user, login_required
from marketplace.suppliers import services as suppliers

blp = Blueprint("catalog", __name__, url_prefix="", description="Supplier catalogs")

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]
# OpenAPI links (api_base.Blueprint.links): what can be done next with the product, in
# the state the response leaves it in.
PRODUCT_LINKS = {  # a draft (or a product its supplier is editing)
    "getProduct": "GET /products/{product_id}",
    "updateProduct": "PATCH /products/{product_id}",
    "archiveProduct": "DELETE /products/{product_id}",
    "submitProduct": "POST /products/{product_id}/submit",
    "uploadProductImage": "POST /products/{product_id}/images",
    "orderProductImages": "PUT /products/{product_id}/images/order",
}
SUBMITTED_PRODUCT_LINKS = {  # pending review: the admins decide
    "getProduct": "GET /products/{product_id}",
    "approveProduct": "POST /admin/products/{product_id}/approve",
    "rejectProduct": "POST /admin/products/{product_id}/reject",
    "archiveProduct": "DELETE /products/{product_id}",
}
PRODUCT = f"/products/<int(max={INT32_MAX}):product_id>"
SUPPLIER = f"/suppliers/<int(max={INT32_MAX}):supplier_id>"


@blp.route("/products", methods=["POST"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.arguments(ProductInputSchema)
@blp.response(201, ProductSchema)
@blp.links(201, {"product_id": "$response.body#/id"}, **PRODUCT_LINKS)
@blp.errors(400, 401, 403, 415, 422)
@blp.doc(security=LOGGED_IN)
def create_product(data):
    """Add a product to your company's catalog, as a draft."""
    product = services.create_product(current_user.supplier, data)
    return product


@blp.route(PRODUCT, methods=["GET"])
@blp.response(200, ProductSchema)
@blp.errors(404)
def get_product(product_id):
    """A published product; drafts and hidden ones only for their supplier and admins."""
    return services.get_product(product_id, authenticated_user())


@blp.route(PRODUCT, methods=["PATCH"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.arguments(ProductUpdateSchema)
@blp.response(200, ProductSchema)
@blp.links(200, {"product_id": "$response.body#/id"}, **PRODUCT_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def update_product(data, product_id):
    """Edit a product. A rejected product returns to draft; a published one goes back to
    review when its name, description, category, materials or images change, or when the
    automatic checks flag another change (a price or MOQ far from the category's median, a
    prohibited term in the colours or port): `rejection_reason` then says why."""
    product = services.get_product_for_member(product_id, current_user)
    services.update_product(product, data)
    return product


@blp.route(PRODUCT, methods=["DELETE"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.response(204)
@blp.links(
    204,
    {"product_id": "$request.path.product_id"},
    restoreProduct="POST /products/{product_id}/restore",
    getProduct="GET /products/{product_id}",
)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def archive_product(product_id):
    """Archive a product: hidden from buyers, kept for your records (restore brings it back)."""
    product = services.get_product_for_member(product_id, current_user)
    services.archive_product(product)


@blp.route(f"{PRODUCT}/submit", methods=["POST"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.response(200, ProductSchema)
@blp.links(200, {"product_id": "$response.body#/id"}, **SUBMITTED_PRODUCT_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def submit_product(product_id):
    """Send a draft or rejected product to the platform's review queue."""
    product = services.get_product_for_member(product_id, current_user)
    services.submit_product(product)
    return product


@blp.route(f"{PRODUCT}/restore", methods=["POST"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.response(200, ProductSchema)
@blp.links(200, {"product_id": "$response.body#/id"}, **PRODUCT_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def restore_product(product_id):
    """Bring an archived product back as a draft."""
    product = services.get_product_for_member(product_id, current_user)
    services.restore_product(product)
    return product


@blp.route(f"{PRODUCT}/images", methods=["POST"])
@login_required(Role.SUPPLIER, supplier_member=True)
@accepts("multipart/form-data", max_body_size="IMAGE_UPLOAD_MAX_BODY")
@blp.arguments(images.ImageUploadSchema, location="files")
@blp.response(201, ImageSchema)
@blp.links(
    201,
    {"product_id": "$request.path.product_id", "image_id": "$response.body#/id"},
    deleteProductImage="DELETE /products/{product_id}/images/{image_id}",
    getProduct="GET /products/{product_id}",
)
@blp.errors(400, 401, 403, 404, 409, 413, 415, 422)
@blp.doc(security=LOGGED_IN)
def upload_image(files, product_id):
    """Upload a JPEG, PNG or WebP photo (multipart field `file`); it is checked, re-encoded
    without metadata and given a thumbnail."""
    product = services.get_product_for_member(product_id, current_user)
    image = images.add_image(product, files["file"])
    return image_dict(image)


@blp.route(f"{PRODUCT}/images/<int(max={INT32_MAX}):image_id>", methods=["DELETE"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.response(204)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def delete_image(product_id, image_id):
    product = services.get_product_for_member(product_id, current_user)
    images.delete_image(product, image_id)


@blp.route(f"{PRODUCT}/images/order", methods=["PUT"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.arguments(ImageOrderSchema)
@blp.response(200, ProductSchema)
@blp.links(200, {"product_id": "$response.body#/id"}, **PRODUCT_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def order_images(data, product_id):
    """Set the order of a product's images (all of its image ids, first = main photo)."""
    product = services.get_product_for_member(product_id, current_user)
    images.reorder_images(product, data["image_ids"])
    return product


@blp.route(f"{SUPPLIER}/products", methods=["GET"], tags=["suppliers"])
@blp.arguments(ProductListArgs, location="query")
@blp.response(200, ProductListSchema)
@blp.errors(400, 404, 422)
def supplier_products(args, supplier_id):
    """A supplier's catalog: published products for everyone; every state for its members."""
    viewer = authenticated_user()
    suppliers.get_supplier(supplier_id, viewer)
    query = services.supplier_products_query(
        supplier_id,
        viewer=viewer,
        status=args.get("status"),
        category=args.get("category"),
        q=args.get("q"),
    )
    return paginate_by_id(
        query, Product, limit=args["limit"], cursor=args.get("cursor"), salt="supplier-products"
    )


@blp.route("/admin/categories", methods=["POST"])
@login_required(Role.ADMIN)
@blp.arguments(CategoryCreateSchema)
@blp.response(201, CategorySchema)
@blp.errors(400, 401, 403, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def create_category(data):
    """Add a category to the vocabulary (admins)."""
    category = services.create_category(data["slug"], data["name"], data.get("name_zh"))
    return {
        "slug": category.slug,
        "name": category.name,
        "name_zh": category.name_zh,
        "product_count": 0,
    }


@blp.route("/materials", methods=["GET"])
@blp.response(200, MaterialSchema(many=True))
def list_materials():
    """The materials vocabulary products use."""
    return services.list_materials()
