"""``/api/v1/catalog``: bulk import and export of a supplier's catalog, and the template.

Cell formats and the round-trip rules are documented in ``marketplace.catalog.exporter``.
"""

from __future__ import annotations

from flask import Response, jsonify
from flask_login import current_user
from marshmallow import fields, validate

from marketplace.accounts.models import Role
from marketplace.api_base import API_PREFIX, Blueprint
from marketplace.catalog import exporter, import_jobs
from marketplace.catalog.models import ImportJob, ImportJobStatus
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


class ImportJobSchema(Schema):
    """A large file's import, run as a job (`IMPORT_SYNC_MAX_ROWS`)."""

    id = fields.Integer()
    supplier_id = fields.Integer()
    created_by_id = fields.Integer(allow_none=True, metadata={"description": "The uploader."})
    filename = fields.String()
    status = fields.String(
        validate=validate.OneOf([s.value for s in ImportJobStatus]),
        metadata={
            "description": "queued → running → succeeded | failed; expired when no worker "
            "finished it in time (nothing imported)."
        },
    )
    rows = fields.Integer(metadata={"description": "Product rows in the file."})
    created = fields.Integer(metadata={"description": "Rows whose SKU was new: drafts added."})
    updated = fields.Integer(metadata={"description": "Rows whose SKU was in the catalog."})
    unchanged = fields.Integer(
        metadata={"description": "Of the updated rows, those that changed nothing."}
    )
    failed = fields.Integer(metadata={"description": "Rows with problems (nothing imported)."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        allow_none=True,
        metadata={
            "description": 'As in the synchronous 422: {"<row number>": {"<field>": '
            '["..."]}} (the header is row 1), or {"file": ["..."]}; the first 200 rows.'
        },
    )
    errors_truncated = fields.Boolean(
        metadata={"description": "More rows had problems than `errors` lists."}
    )
    message = fields.String(allow_none=True, metadata={"description": "Why it failed."})
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)


JOB_LOCATION = {"Location": {"description": "The job: `GET /catalog/imports/{import_id}`."}}
IMPORT_JOB = "/imports/<int(max=2147483647):import_id>"


def job_location(job: ImportJob) -> str:
    return f"{API_PREFIX}/catalog/imports/{job.id}"


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
@blp.alt_response(
    202,
    schema=ImportJobSchema,
    headers=JOB_LOCATION,
    description="A large file: queued as a job (`Location`), imported in the background",
)
@blp.errors(400, 401, 403, 409, 413, 415, 422)
@blp.doc(security=LOGGED_IN)
def import_catalog(files):
    """Add and update products from a CSV (UTF-8) or XLSX file (multipart field `file`).

    Columns are the product fields; rows are matched to your catalog by `sku`. All or
    nothing: if any row is bad, nothing is written and the 422 lists every bad row as
    `errors: {"<row number>": {"<field>": ["..."]}}` (the header is row 1). See the
    template (`GET /catalog/import-template`) for the cell formats.

    A file with more than `IMPORT_SYNC_MAX_ROWS` (1,000) product rows is imported by a
    job: 202 with the job and `Location: /api/v1/catalog/imports/{id}`; follow it until
    `status` is `succeeded` (the counts) or `failed` (`message`, and `errors` as in the
    422). The job stops after `IMPORT_JOB_TIME_LIMIT_SECONDS` (300) with nothing written.
    Problems with the file itself (its type, header, size) are still answered at once."""
    upload = files["file"]
    outcome = import_jobs.import_or_queue(
        current_user.supplier, current_user, upload.read(), upload.filename
    )
    if isinstance(outcome, ImportJob):
        response = jsonify(ImportJobSchema().dump(import_jobs.job_view(outcome)))
        response.status_code = 202
        response.headers["Location"] = job_location(outcome)
        return response
    return outcome.as_dict()


@blp.route(IMPORT_JOB, methods=["GET"])
@login_required()
@blp.response(200, ImportJobSchema)
@blp.errors(401, 404)
@blp.doc(security=LOGGED_IN)
def get_import(import_id):
    """A catalog import job: its status, and its report once it has ended. Your company's
    members and admins; 404 for everyone else."""
    return import_jobs.job_view(import_jobs.get_job(import_id, current_user))


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
