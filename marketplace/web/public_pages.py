"""Public pages: home, catalog search, product and supplier pages.

The pages validate nothing themselves: the query string goes through the API's own
schemas (``SearchArgs``, ``SupplierListArgs``) and the same services answer, so a page
and ``GET /api/v1/...`` can never disagree about what a parameter means or what is
visible.  Unknown parameters are ignored, as the API ignores them; blank ones (what a
GET form sends for an empty input) count as absent.  Everything works without
JavaScript: filters are links and GET forms, pages follow the cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from marketplace.catalog import services as catalog_services
from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.schemas import ProductSchema
from marketplace.catalog.vocab import CUSTOMIZATION_OPTIONS
from marketplace.database import reads_from_replica
from marketplace.db import utcnow
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.fields import INT32_MAX
from marketplace.pagination import paginate_by_id
from marketplace.permissions import authenticated_user
from marketplace.search import services as search_services
from marketplace.search.directory import directory_query
from marketplace.search.schemas import SearchArgs
from marketplace.suppliers import services as supplier_services
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.schemas import SupplierListArgs
from marketplace.web import bp
from marketplace.web.forms import CUSTOMIZATION_LABELS
from marketplace.web.sample_pages import sample_action

INQUIRY_ENDPOINT = "web.buyer_inquiry_new"  # the inquiry pages' "new inquiry" form
FEATURED_SUPPLIERS = 4
SUPPLIER_PRODUCTS_PER_PAGE = 12
SORT_LABELS = {
    "relevance": _l("Best match"),
    "newest": _l("Newest"),
    "price_asc": _l("Lowest price"),
    "moq_asc": _l("Lowest MOQ"),
}
# What each filter is called on the page (error messages name the field).
FIELD_LABELS = {
    "q": _l("Search words"),
    "category": _l("Category"),
    "material": _l("Material"),
    "color": _l("Color"),
    "size": _l("EU size"),
    "max_moq": _l("Highest MOQ"),
    "quantity": _l("Your quantity"),
    "max_price": _l("Highest unit price"),
    "max_lead_time_days": _l("Longest lead time"),
    "verified": _l("Verified suppliers"),
    "certification": _l("Certification"),
    "customization": _l("Customization"),
    "supplier_id": _l("Supplier"),
    "sort": _l("Sort by"),
    "limit": _l("Results per page"),
    "cursor": _l("Page"),
    "market": _l("Export market"),
}
CATEGORY_BLURBS = {
    "eva-slippers": _l("Light, washable, injection-moulded"),
    "pvc-slippers": _l("Durable, low cost per pair"),
    "flip-flops": _l("Rubber and EVA, beach and promotion"),
    "slides": _l("Sport and fashion slides, custom logo"),
    "hotel-slippers": _l("Disposable and reusable, for hospitality"),
    "plush-slippers": _l("Warm indoor slippers for the winter season"),
    "bathroom-slippers": _l("Anti-slip soles that drain and dry fast"),
    "beach-sandals": _l("Straps and footbeds for sun and sand"),
    "kids-slippers": _l("Children's sizes, playful designs"),
    "clogs": _l("Garden, kitchen and lined winter clogs"),
}


# Query strings through the API's schemas -------------------------------------------


def query_values(schema: ma.Schema) -> dict[str, str]:
    """The query parameters ``schema`` knows, as sent, blanks left out (first value of a
    repeated one, as the API's parser takes it)."""
    values = {}
    for name in schema.fields:
        value = request.args.get(name)
        if value is not None and value.strip():
            values[name] = value
    return values


def load_query(schema: ma.Schema, values: Mapping[str, str]) -> dict[str, Any]:
    """``values`` loaded by the API's schema; a ValidationFailed (422) when refused."""
    try:
        return schema.load(values)  # a QuerySchema: "20" is an integer in a query string
    except ma.ValidationError as exc:
        raise ValidationFailed(errors=exc.normalized_messages()) from exc


def field_errors(errors: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(label, message) pairs for the error box above a list."""
    pairs = []
    for name, messages in (errors or {}).items():
        label = FIELD_LABELS.get(name, name)
        for message in messages if isinstance(messages, list) else [messages]:
            pairs.append((str(label), str(message)))
    return pairs


@dataclass
class Listing:
    """One list page's state: the parameters it was asked with and links that change
    them.  A changed filter starts again at the first page (the cursor is dropped)."""

    endpoint: str
    params: dict[str, str]
    view_args: dict[str, Any] = field(default_factory=dict)

    def url(self, _external: bool = False, **changes: str | None) -> str:
        params = {k: v for k, v in self.params.items() if k != "cursor"}
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = value
        return url_for(self.endpoint, _external=_external, **self.view_args, **params)

    def get(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    @property
    def is_filtered(self) -> bool:
        return any(k not in ("q", "sort", "limit", "cursor") for k in self.params)


def is_zh() -> bool:
    return str(get_locale() or "en") == "zh"


def category_names() -> dict[str, str]:
    """Category slug -> its name in the page language."""
    zh = is_zh()
    return {
        c["slug"]: (c["name_zh"] if zh and c["name_zh"] else c["name"])
        for c in catalog_services.list_categories()
    }


def material_names() -> dict[str, str]:
    zh = is_zh()
    return {
        m.name: (m.name_zh if zh and m.name_zh else m.name)
        for m in catalog_services.list_materials()
    }


def published_counts(supplier_ids: list[int]) -> dict[int, int]:
    """Products buyers can see, per supplier (for the supplier cards)."""
    if not supplier_ids:
        return {}
    rows = db.session.execute(
        sa.select(Product.supplier_id, sa.func.count())
        .where(Product.supplier_id.in_(supplier_ids), Product.status == ProductStatus.PUBLISHED)
        .group_by(Product.supplier_id)
    )
    return dict(rows.tuples().all())


# Home --------------------------------------------------------------------------------


@bp.get("/")
@reads_from_replica
def home():
    categories = search_services.list_categories()
    featured = list(
        db.session.scalars(
            directory_query(verified=True)
            .options(selectinload(Supplier.certifications))
            .order_by(sa.nulls_last(Supplier.response_rate.desc()), Supplier.id.desc())
            .limit(FEATURED_SUPPLIERS)
        )
    )
    return render_template(
        "home.html",
        categories=categories,
        category_label=category_label,
        blurbs=CATEGORY_BLURBS,
        suppliers=featured,
        product_counts=published_counts([s.id for s in featured]),
        total_products=sum(c["product_count"] for c in categories),
    )


def category_label(category: Mapping[str, Any]) -> str:
    return category["name_zh"] if is_zh() and category.get("name_zh") else category["name"]


# Search ------------------------------------------------------------------------------


@bp.get("/products")
@reads_from_replica
def product_search():
    listing = Listing("web.product_search", query_values(SearchArgs()))
    try:
        args = load_query(SearchArgs(), listing.params)
        result = search_services.search_products(args)
    except ValidationFailed as exc:
        return render_search(listing, {}, None, exc.errors), 422
    return render_search(listing, args, result, None)


def render_search(
    listing: Listing, args: Mapping[str, Any], result: dict | None, errors: Mapping | None
) -> str:
    categories, materials = category_names(), material_names()
    return render_template(
        "public/search.html",
        listing=listing,
        args=args,
        result=result,
        errors=field_errors(errors),
        categories=categories,
        materials=materials,
        active=active_filters(listing, categories, materials, result),
        corrected=corrected_query(listing.get("q"), (result or {}).get("spelling")),
        sorts=SORT_LABELS,
        customization=[(o, CUSTOMIZATION_LABELS.get(o, o)) for o in CUSTOMIZATION_OPTIONS],
        canonical=listing.url(_external=True, limit=None),
    )


def active_filters(
    listing: Listing, categories: dict, materials: dict, result: dict | None
) -> list[tuple[str, str, str]]:
    """(label, value, link that removes it) for each filter in use."""
    shown = []
    for name, value in listing.params.items():
        if name in ("q", "sort", "limit", "cursor"):
            continue
        text = value
        if name == "category":
            text = categories.get(value.strip().lower(), value)
        elif name == "material":
            text = materials.get(value, value)
        elif name == "verified":
            truthy = value.strip().lower() in ma.fields.Boolean.truthy
            text = str(_l("Yes") if truthy else _l("No"))
        elif name == "customization":
            text = str(CUSTOMIZATION_LABELS.get(value, value))
        elif name == "supplier_id" and result and result["items"]:
            text = result["items"][0].supplier.name
        # (``name`` is a filter, never ``_external``.)
        without = listing.url(**{name: None})  # type: ignore[arg-type]
        shown.append((str(FIELD_LABELS.get(name, name)), text, without))
    return shown


def corrected_query(q: str, spelling: Mapping[str, list[str]] | None) -> str | None:
    """The query with each word the search did not know replaced by its first suggestion."""
    if not q or not spelling:
        return None
    words = [spelling.get(word.lower(), [word])[0] for word in q.split()]
    corrected = " ".join(words)
    return corrected if corrected.lower() != q.lower() else None


# Product page ------------------------------------------------------------------------


@bp.get(f"/products/<int(max={INT32_MAX}):product_id>")
@reads_from_replica
def product_page(product_id: int):
    """A public product; its own company's members and admins may also preview a hidden
    one (draft, in review, suspended...), under a banner saying buyers cannot see it."""
    product = catalog_services.get_product(product_id, authenticated_user())
    data = ProductSchema().dump(product)
    return render_template(
        "public/product.html",
        product=product,
        data=data,
        category=category_names().get(product.category.slug, product.category.name),
        materials=material_names(),
        customization=CUSTOMIZATION_LABELS,
        inquiry=inquiry_action(product.is_public, product_id=product.id),
        samples=sample_action(product),
        years=years_in_business(product.supplier),
        size_columns=size_columns(data["size_chart"]),
    )


SIZE_COLUMNS = (
    ("eu", "EU"),
    ("us_men", _l("US men")),
    ("us_women", _l("US women")),
    ("us_kids", _l("US kids")),
    ("uk", "UK"),
    ("uk_kids", _l("UK kids")),
    ("cn_mm", _l("CN (mm)")),
)


def size_columns(chart: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """The size systems the chart has (adult, children's or both), in a fixed order."""
    present = {key for row in chart for key in row}
    return [(key, label) for key, label in SIZE_COLUMNS if key in present]


def new_inquiry_url(**target: int) -> str | None:
    """The buyer's "new inquiry" form about a product or to a supplier (``product_id=`` or
    ``supplier_id=``), once the inquiry pages exist."""
    if INQUIRY_ENDPOINT not in current_app.view_functions:
        return None
    values: dict[str, Any] = target  # url_for's own keywords start with "_"
    return url_for(INQUIRY_ENDPOINT, **values)


def inquiry_action(is_public: bool, **target: int) -> dict[str, str | None]:
    """What the "Send inquiry" button does for the viewer: ``link`` (buyers), ``login``
    (visitors: sign in first, then the form) or ``disabled`` with the reason."""
    user = authenticated_user()
    form_url = new_inquiry_url(**target)
    if not is_public:
        return {"kind": "disabled", "reason": str(_l("Buyers cannot see this page yet."))}
    if user is None:
        return {"kind": "login", "url": url_for("web.login", next=form_url or request.path)}
    if not user.is_buyer:
        return {"kind": "disabled", "reason": str(_l("Only buyer accounts send inquiries."))}
    if form_url is None:
        return {"kind": "disabled", "reason": str(_l("Inquiries open soon."))}
    return {"kind": "link", "url": form_url}


def years_in_business(supplier: Supplier) -> int | None:
    if not supplier.year_established:
        return None
    return max(0, utcnow().year - supplier.year_established)


# Suppliers ---------------------------------------------------------------------------


@bp.get("/suppliers")
@reads_from_replica
def supplier_directory():
    listing = Listing("web.supplier_directory", query_values(SupplierListArgs()))
    try:
        args = load_query(SupplierListArgs(), listing.params)
        filters = {k: v for k, v in args.items() if k not in ("limit", "cursor")}
        query = directory_query(**filters).options(selectinload(Supplier.certifications))
        # The API's salt: a cursor from GET /api/v1/suppliers works here and back.
        page = paginate_by_id(
            query, Supplier, limit=args["limit"], cursor=args.get("cursor"), salt="suppliers"
        )
    except ValidationFailed as exc:
        return render_directory(listing, None, exc.errors), 422
    return render_directory(listing, page, None)


def render_directory(listing: Listing, page: dict | None, errors: Mapping | None) -> str:
    suppliers = page["items"] if page else []
    return render_template(
        "public/suppliers.html",
        listing=listing,
        page=page,
        errors=field_errors(errors),
        product_counts=published_counts([s.id for s in suppliers]),
        canonical=listing.url(_external=True, limit=None),
    )


@bp.get(f"/suppliers/<int(max={INT32_MAX}):supplier_id>")
@reads_from_replica
def supplier_page(supplier_id: int):
    """A supplier's profile and its products; a suspended company is 404 except for its
    members and admins, who see it under a banner."""
    supplier = supplier_services.get_supplier(supplier_id, authenticated_user())
    schema = SearchArgs(only=("category", "cursor"))
    listing = Listing(
        "web.supplier_page", query_values(schema), view_args={"supplier_id": supplier.id}
    )
    args = load_query(schema, listing.params)
    scope = {"supplier_id": supplier.id, "sort": "newest"}
    products = search_services.search_products(
        {**args, **scope, "limit": SUPPLIER_PRODUCTS_PER_PAGE}
    )
    # The category chips count the whole catalog, not only the category shown.
    overview = (
        search_services.search_products({**scope, "limit": 1}) if args.get("category") else products
    )
    return render_template(
        "public/supplier.html",
        supplier=supplier,
        listing=listing,
        products=products,
        overview=overview,
        categories=category_names(),
        years=years_in_business(supplier),
        inquiry=inquiry_action(supplier.is_active, supplier_id=supplier.id),
    )
