"""``/api/v1/catalog``: bulk import and export of a supplier's catalog, and the template.

Cell formats and the round-trip rules are documented in ``marketplace.catalog.exporter``.
"""

from __future__ import annotations

from flask import Response, current_app
from flask_login import current_user
from marshmallow import fields, validate

from marketplace.accounts.models import Role
from marketplace.api_base import Blueprint
from marketplace.audit import services as audit
from marketplace.catalog import exporter, importer
from marketplace.fields import QuerySchema, Schema
from marketplace.http import accepts
from marketplace.permissions import login_required

blp = Blueprint("catalog_io", __name__, url_prefix="/catalog", description="Bulk import/export")

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]
MEDIA_TYPES = {"csv": exporter.CSV_TYPE, "xlsx": exporter.XLSX_TYPE}


class ImportUploadSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "A CSV or XLSX file"},
    )


class ImportResultSchema(Schema):
    created = fields.Integer(metadata={"description": "Rows whose SKU was new: drafts added."})
    updated = fields.Integer(metadata={"description": "Rows whose SKU was in the catalog."})
    unchanged = fields.Integer(
        metadata={"description": "Of the updated rows, those that changed nothing."}
    )


class FormatArgs(QuerySchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(list(MEDIA_TYPES)))


def _file_response_doc(description: str) -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "responses": {
            "200": {
                "description": description,
                "content": dict.fromkeys(MEDIA_TYPES.values(), binary),
            }
        }
    }


def _download(body: bytes, fmt: str, filename: str) -> Response:
    response = Response(body, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blp.route("/import", methods=["POST"])
@login_required(Role.SUPPLIER, supplier_member=True)
@accepts("multipart/form-data", max_body_size="IMPORT_UPLOAD_MAX_BODY")
@blp.arguments(ImportUploadSchema, location="files")
@blp.response(201, ImportResultSchema)
@blp.errors(400, 401, 403, 409, 413, 415, 422)
@blp.doc(security=LOGGED_IN)
def import_catalog(files):
    """Add and update products from a CSV (UTF-8) or XLSX file (multipart field `file`).

    Columns are the product fields; rows are matched to your catalog by `sku`. All or
    nothing: if any row is bad, nothing is written and the 422 lists every bad row as
    `errors: {"<row number>": {"<field>": ["..."]}}` (the header is row 1). See the
    template (`GET /catalog/import-template`) for the cell formats."""
    upload = files["file"]
    result = importer.import_catalog(
        current_user.supplier,
        upload.read(),
        upload.filename,
        time_limit=current_app.config["IMPORT_TIME_LIMIT_SECONDS"],
    )
    audit.record_catalog_import(current_user.supplier, result.as_dict(), upload.filename)
    return result.as_dict()


@blp.route("/export", methods=["GET"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.arguments(FormatArgs, location="query")
@blp.errors(401, 403, 422)
@blp.doc(security=LOGGED_IN, **_file_response_doc("Your catalog file"))
def export_catalog(args):
    """Download your catalog (every product except archived ones) with the import columns;
    the file imports back unchanged. Cells starting with = + - @ are neutralised."""
    fmt = args["format"]
    supplier_id = current_user.supplier_id
    body = exporter.export_catalog(supplier_id, fmt)
    return _download(body, fmt, exporter.export_filename(supplier_id, fmt))


@blp.route("/import-template", methods=["GET"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.arguments(FormatArgs, location="query")
@blp.errors(401, 403, 422)
@blp.doc(security=LOGGED_IN, **_file_response_doc("The import template"))
def import_template(args):
    """An empty catalog file: the header and one example row; the XLSX template has a
    second sheet explaining every column and the allowed values."""
    fmt = args["format"]
    return _download(exporter.template_file(fmt), fmt, f"catalog-import-template.{fmt}")
