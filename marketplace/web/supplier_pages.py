"""Supplier dashboard pages: catalog, product form, images, import, profile, team.

The pages validate nothing themselves: a form is turned into the API's request body
and goes through the same schemas and services as the API, so a page and an API
client can never be told different things.  Errors come back keyed by API field
names and are shown next to the matching inputs.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.models import Role
from marketplace.catalog import images, import_jobs, services
from marketplace.catalog.models import ImportJob, Product, ProductStatus
from marketplace.catalog.schemas import ProductInputSchema, ProductUpdateSchema
from marketplace.catalog.vocab import CUSTOMIZATION_OPTIONS, INCOTERMS, MAX_PRICE_TIERS
from marketplace.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.fields import format_money
from marketplace.http import accepts
from marketplace.pagination import paginate_by_id
from marketplace.permissions import is_owner_of, login_required
from marketplace.rfqs.stats import supplier_stats
from marketplace.suppliers import services as supplier_services
from marketplace.suppliers.schemas import (
    MemberCreateSchema,
    SupplierUpdateSchema,
    VerificationRequestCreateSchema,
)
from marketplace.web import bp
from marketplace.web.forms import (
    COMMON_CURRENCIES,
    CUSTOMIZATION_LABELS,
    CsrfForm,
    flatten_errors,
)

member_only = login_required(Role.SUPPLIER, supplier_member=True)
MAX_CERTIFICATION_ROWS = 8
IMPORT_JOB_REFRESH_SECONDS = 3  # the import job page reloads itself while the job runs
FULLWIDTH_COMMA = "\uff0c"  # what a Chinese keyboard types between list items


# Product form <-> API body -----------------------------------------------------


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def product_body_from_form(*, partial: bool) -> dict[str, Any]:
    """Turn the posted form into the API's JSON body; blank optional fields are cleared."""
    body: dict[str, Any] = {}

    def put(name: str, value: Any) -> None:
        if value in ("", None, []):
            if not partial:
                return  # creating: leave it out; the schema names missing required fields
            if name in NULLABLE:
                body[name] = None
            elif name in LISTS:
                body[name] = []
            else:
                body[name] = value  # a required field emptied: the schema refuses it
            return
        body[name] = value

    for name in (
        "sku",
        "name",
        "description",
        "category",
        "currency",
        "port_of_loading",
        "hs_code",
    ):
        put(name, _text(name))
    for name in (
        "moq",
        "lead_time_days",
        "sample_lead_time_days",
        "pairs_per_carton",
        "monthly_capacity_pairs",
    ):
        put(name, _number(_text(name)))
    for name in ("sample_price", "carton_weight_kg"):
        put(name, _text(name))
    body["sample_available"] = request.form.get("sample_available") == "on"
    for name in ("materials", "customization", "incoterms"):
        put(name, [v for v in request.form.getlist(name) if v])
    colors = [
        c.strip() for c in _text("colors").replace(FULLWIDTH_COMMA, ",").split(",") if c.strip()
    ]
    put("colors", colors)
    size_from, size_to = _text("size_from"), _text("size_to")
    if size_from or size_to:
        body["sizes"] = {"system": "EU", "from": _number(size_from), "to": _number(size_to)}
    elif partial:
        body["sizes"] = None
    dims = [_text(f"carton_{d}_cm") for d in ("length", "width", "height")]
    if any(dims):
        body["carton_dimensions_cm"] = dict(
            zip(("length", "width", "height"), (_number(d) for d in dims), strict=True)
        )
    elif partial:
        body["carton_dimensions_cm"] = None
    tiers = []
    for index in range(MAX_PRICE_TIERS):
        qty, price = _text(f"price_tiers-{index}-min_qty"), _text(f"price_tiers-{index}-unit_price")
        if qty or price:
            tiers.append({"min_qty": _number(qty), "unit_price": price})
    body["price_tiers"] = tiers
    return body


NULLABLE = {
    "lead_time_days",
    "sample_price",
    "sample_lead_time_days",
    "pairs_per_carton",
    "carton_weight_kg",
    "port_of_loading",
    "hs_code",
    "monthly_capacity_pairs",
}
LISTS = {"materials", "customization", "incoterms", "colors"}


def _number(text: str) -> int | float | str | None:
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        return text  # the schema reports it as "Not a valid integer/number"
    return int(number) if number.is_integer() else number


def form_values(product: Product | None) -> dict[str, Any]:
    """What the product form shows: the posted values on error, else the product's."""
    if request.method == "POST":
        values: dict[str, Any] = request.form.to_dict()
        for name in ("materials", "customization", "incoterms"):
            values[name] = request.form.getlist(name)
        return values
    if product is None:
        return {
            "currency": "USD",
            "materials": [],
            "customization": [],
            "incoterms": ["FOB"],
            "port_of_loading": "Xiamen",
        }
    values = {
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "category": product.category.slug,
        "currency": product.currency,
        "moq": product.moq,
        "lead_time_days": product.lead_time_days or "",
        "sample_available": "on" if product.sample_available else "",
        "sample_price": format_money(product.sample_price) if product.sample_price else "",
        "sample_lead_time_days": product.sample_lead_time_days or "",
        "pairs_per_carton": product.pairs_per_carton or "",
        "carton_weight_kg": product.carton_weight_kg or "",
        "port_of_loading": product.port_of_loading or "",
        "hs_code": product.hs_code or "",
        "monthly_capacity_pairs": product.monthly_capacity_pairs or "",
        "materials": [m.name for m in product.materials],
        "customization": list(product.customization or []),
        "incoterms": list(product.incoterms or []),
        "colors": ", ".join(product.colors or []),
    }
    if isinstance(product.sizes, dict):
        values["size_from"], values["size_to"] = product.sizes["from"], product.sizes["to"]
    elif product.sizes:
        values["size_from"], values["size_to"] = min(product.sizes), max(product.sizes)
    for dim in ("length", "width", "height"):
        value = getattr(product, f"carton_{dim}_cm")
        values[f"carton_{dim}_cm"] = value if value is not None else ""
    for index, tier in enumerate(product.price_tiers):
        values[f"price_tiers-{index}-min_qty"] = tier.min_qty
        values[f"price_tiers-{index}-unit_price"] = format_money(tier.unit_price)
    return values


def render_product_form(product: Product | None, errors: dict, status: int = 200):
    return (
        render_template(
            "dashboard/supplier/product_form.html",
            product=product,
            values=form_values(product),
            errors=errors,
            form=CsrfForm(),
            categories=services.list_categories(),
            materials=services.list_materials(),
            customization_options=CUSTOMIZATION_OPTIONS,
            incoterms=INCOTERMS,
            currencies=COMMON_CURRENCIES,
            tier_rows=MAX_PRICE_TIERS,
        ),
        status,
    )


def member_product(product_id: int) -> Product:
    try:
        return services.get_product_for_member(product_id, current_user)
    except NotFound:
        abort(404)


def save_product(product: Product | None):
    """Validate the posted form through the API schema and the services; commit or show errors."""
    schema = ProductUpdateSchema() if product else ProductInputSchema()
    try:
        data = schema.load(product_body_from_form(partial=product is not None))
        if product is None:
            product = services.create_product(current_user.supplier, data)
        else:
            services.update_product(product, data)
    except ma.ValidationError as exc:
        db.session.rollback()
        return None, flatten_errors(exc.messages)
    except ValidationFailed as exc:
        db.session.rollback()
        return None, flatten_errors(exc.errors)
    return product, {}


# Catalog pages ------------------------------------------------------------------


@bp.get("/dashboard/products")
@member_only
def supplier_products():
    status = request.args.get("status") or None
    if status not in (None, *[s.value for s in ProductStatus]):
        status = None
    page = paginate_by_id(
        services.supplier_products_query(
            current_user.supplier_id,
            viewer=current_user,
            status=ProductStatus(status) if status else None,
            category=request.args.get("category") or None,
            q=(request.args.get("q") or "").strip()[:200] or None,
        ),
        Product,
        limit=25,
        cursor=request.args.get("cursor") or None,
        salt="dashboard-products",
    )
    counts = supplier_stats(current_user.supplier)["products_by_status"]
    return render_template(
        "dashboard/supplier/products.html",
        page=page,
        counts=counts,
        statuses=[s.value for s in ProductStatus],
        status=status,
        categories=services.list_categories(),
        form=CsrfForm(),
    )


@bp.route("/dashboard/products/new", methods=["GET", "POST"])
@member_only
def supplier_product_new():
    if request.method == "POST":
        product, errors = save_product(None)
        if product is not None:
            flash(
                _(
                    "Product %(sku)s saved as a draft. Add photos, then submit it for review.",
                    sku=product.sku,
                ),
                "success",
            )
            return redirect(url_for("web.supplier_product_edit", product_id=product.id))
        return render_product_form(None, errors, 422)
    return render_product_form(None, {})


@bp.route("/dashboard/products/<int(max=2147483647):product_id>", methods=["GET", "POST"])
@member_only
def supplier_product_edit(product_id: int):
    product = member_product(product_id)
    if request.method == "POST":
        try:
            saved, errors = save_product(product)
        except Conflict as exc:
            db.session.rollback()
            saved, errors = None, {"_form": [exc.message]}
        if saved is not None:
            flash(_("Changes saved."), "success")
            return redirect(url_for("web.supplier_product_edit", product_id=product.id))
        return render_product_form(product, errors, 422)
    return render_product_form(product, {})


ACTIONS = {
    "submit": (services.submit_product, _l("Submitted for review.")),
    "archive": (services.archive_product, _l("Product archived.")),
    "restore": (services.restore_product, _l("Product restored as a draft.")),
}


@bp.post(
    "/dashboard/products/<int(max=2147483647):product_id>/<any(submit, archive, restore):action>"
)
@member_only
def supplier_product_action(product_id: int, action: str):
    product = member_product(product_id)
    service, message = ACTIONS[action]
    try:
        service(product)
        flash(str(message), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("web.supplier_product_edit", product_id=product_id))


@bp.post("/dashboard/products/<int(max=2147483647):product_id>/images")
@accepts("multipart/form-data", max_body_size="IMAGE_UPLOAD_MAX_BODY")
@member_only
def supplier_product_image_upload(product_id: int):
    product = member_product(product_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a photo to upload."), "error")
    else:
        try:
            images.add_image(product, upload)
            flash(_("Photo uploaded."), "success")
        except DomainError as exc:
            db.session.rollback()
            messages = flatten_errors(exc.errors).get("file") if exc.errors else None
            flash(" ".join(messages) if messages else exc.message, "error")
    return redirect(url_for("web.supplier_product_edit", product_id=product_id) + "#photos")


@bp.post(
    "/dashboard/products/<int(max=2147483647):product_id>/images/"
    "<int(max=2147483647):image_id>/<any(up, down, delete):action>"
)
@member_only
def supplier_product_image_action(product_id: int, image_id: int, action: str):
    product = member_product(product_id)
    try:
        if action == "delete":
            if image_id not in {image.id for image in product.images}:
                abort(404)
            images.delete_image(product, image_id)
        else:
            order = [image.id for image in product.images]
            if image_id not in order:
                abort(404)
            index = order.index(image_id)
            target = index - 1 if action == "up" else index + 1
            if 0 <= target < len(order):
                order[index], order[target] = order[target], order[index]
                images.reorder_images(product, order)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("web.supplier_product_edit", product_id=product_id) + "#photos")


@bp.route("/dashboard/import", methods=["GET", "POST"])
@accepts("multipart/form-data", max_body_size="IMPORT_UPLOAD_MAX_BODY")
@member_only
def supplier_import():
    result, errors, status = None, None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors, status = {"file": [_("Choose a CSV or Excel file.")]}, 422
        else:
            try:
                outcome = import_jobs.import_or_queue(
                    current_user.supplier, current_user, upload.read(), upload.filename
                )
                if isinstance(outcome, ImportJob):
                    return redirect(url_for("web.supplier_import_job", import_id=outcome.id))
                result = outcome.as_dict()
                flash(
                    _(
                        "Import finished: %(created)d created, %(updated)d updated.",
                        created=result["created"],
                        updated=result["updated"],
                    ),
                    "success",
                )
            except DomainError as exc:
                db.session.rollback()
                errors, status = (exc.errors or {"file": [exc.message]}), exc.status_code
    return render_template(
        "dashboard/supplier/import.html", result=result, errors=errors, form=CsrfForm()
    ), status


@bp.get("/dashboard/imports/<int(max=2147483647):import_id>")
@member_only
def supplier_import_job(import_id: int):
    """A large file's import job: reloads itself (no JavaScript) until it has ended."""
    job = import_jobs.get_job(import_id, current_user)
    return render_template(
        "dashboard/supplier/import_job.html",
        job=job,
        refresh_seconds=IMPORT_JOB_REFRESH_SECONDS,
    )


# Company pages ------------------------------------------------------------------


def profile_body_from_form() -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in ("name", "description", "city", "province", "address"):
        body[name] = _text(name)
    for name in ("year_established", "employees", "monthly_capacity_pairs"):
        body[name] = _number(_text(name))
    # Several lines: a browser sends CRLF; an empty box clears the details.
    body["bank_details"] = _text("bank_details").replace("\r\n", "\n") or None
    body["main_markets"] = [
        code.strip().upper()
        for code in _text("main_markets").replace(FULLWIDTH_COMMA, ",").split(",")
        if code.strip()
    ]
    certifications = []
    for index in range(MAX_CERTIFICATION_ROWS):
        name = _text(f"certifications-{index}-name")
        if not name:
            continue
        certifications.append(
            {
                "name": name,
                "certificate_number": _text(f"certifications-{index}-certificate_number") or None,
                "issued_by": _text(f"certifications-{index}-issued_by") or None,
                "valid_until": _text(f"certifications-{index}-valid_until") or None,
            }
        )
    body["certifications"] = certifications
    return body


@bp.route("/dashboard/profile", methods=["GET", "POST"])
@member_only
def supplier_profile():
    supplier = current_user.supplier
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        was_verified = supplier.is_verified
        try:
            data = SupplierUpdateSchema().load(profile_body_from_form())
            supplier_services.update_profile(supplier, data, editor=current_user)
        except ma.ValidationError as exc:
            db.session.rollback()
            errors, status = flatten_errors(exc.messages), 422
        except Forbidden as exc:  # staff changing the name or address
            db.session.rollback()
            message = _("Only the company's owner can change this.")
            errors, status = {field: [message] for field in exc.extra.get("fields", [])}, 403
        except ValidationFailed as exc:  # a prohibited term in the name or address
            db.session.rollback()
            errors = {
                field: [
                    _(
                        "“%(term)s” is a prohibited term: a company name or address cannot "
                        "contain it.",
                        term=term,
                    )
                ]
                for field, term in exc.extra.get("terms", {}).items()
            } or flatten_errors(exc.errors)
            status = 422
        else:
            if was_verified and not supplier.is_verified:
                flash(
                    _(
                        "Company profile saved. Because the name or address changed, the "
                        "verified badge is removed until the platform team verifies your "
                        "company again."
                    ),
                    "info",
                )
            else:
                flash(_("Company profile saved."), "success")
            return redirect(url_for("web.supplier_profile"))
    return render_template(
        "dashboard/supplier/profile.html",
        supplier=supplier,
        errors=errors,
        posted=request.form if request.method == "POST" else None,
        cert_rows=MAX_CERTIFICATION_ROWS,
        form=CsrfForm(),
        is_owner=is_owner_of(current_user, supplier.id),
    ), status


@bp.post("/dashboard/verification")
@member_only
def supplier_verification():
    supplier = current_user.supplier
    if not is_owner_of(current_user, supplier.id):
        abort(403)
    try:
        data = VerificationRequestCreateSchema().load(
            {
                "business_licence_number": _text("business_licence_number").upper(),
                "evidence": _text("evidence"),
            }
        )
        supplier_services.request_verification(supplier, requested_by=current_user, **data)
        flash(_("Verification requested. The platform team will review your evidence."), "success")
    except ma.ValidationError as exc:
        db.session.rollback()
        messages = [m for field in flatten_errors(exc.messages).values() for m in field]
        flash(" ".join(messages), "error")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("web.supplier_profile") + "#verification")


@bp.route("/dashboard/team", methods=["GET", "POST"])
@member_only
def supplier_team():
    supplier = current_user.supplier
    is_owner = is_owner_of(current_user, supplier.id)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if not is_owner:
            abort(403)
        try:
            data = MemberCreateSchema().load(
                {
                    "email": _text("email"),
                    "name": _text("name"),
                    **(
                        {"password": request.form["password"]}
                        if request.form.get("password")
                        else {}
                    ),
                }
            )
            member = supplier_services.add_staff(
                supplier, email=data["email"], name=data["name"], password=data.get("password")
            )
            flash(_("%(name)s joined your team.", name=member.name), "success")
            return redirect(url_for("web.supplier_team"))
        except ma.ValidationError as exc:
            db.session.rollback()
            errors, status = flatten_errors(exc.messages), 422
        except ValidationFailed as exc:
            db.session.rollback()
            errors, status = flatten_errors(exc.errors), 422
        except Conflict as exc:
            db.session.rollback()
            errors, status = {"email": [exc.message]}, 409
    return render_template(
        "dashboard/supplier/team.html",
        supplier=supplier,
        members=supplier_services.list_members(supplier),
        is_owner=is_owner,
        errors=errors,
        posted=request.form if request.method == "POST" else {},
        form=CsrfForm(),
    ), status


@bp.post("/dashboard/team/<int(max=2147483647):user_id>/remove")
@member_only
def supplier_team_remove(user_id: int):
    supplier = current_user.supplier
    if not is_owner_of(current_user, supplier.id):
        abort(403)
    try:
        member = supplier_services.remove_member(supplier, user_id, acting=current_user)
        flash(_("%(name)s was removed from the team and signed out.", name=member.name), "success")
    except NotFound:
        abort(404)  # someone else's member: as absent as anything else of another company
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("web.supplier_team"))


@bp.app_template_filter("money")
def money_filter(value) -> str:
    return format_money(value) if value is not None else ""


@bp.app_template_filter("zip_self")
def zip_self_filter(values) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


@bp.app_template_filter("zip_labels")
def zip_labels_filter(values) -> list[tuple[str, str]]:
    return [(value, CUSTOMIZATION_LABELS.get(value, value)) for value in values]


@bp.app_context_processor
def inject_size_chart():
    from marketplace.catalog.sizes import conversion_table

    return {"size_chart": conversion_table}
