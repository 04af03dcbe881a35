"""Documents attached to an order: kept privately in the storage under server-made names.

A file is accepted by what it is, never by its name or the content type the client
claims: a PDF starts with ``%PDF-``; a PNG and a JPEG with their signatures; an XLSX is
a ZIP archive holding ``[Content_Types].xml`` and ``xl/workbook.xml`` (a .docx or any
other ZIP is refused).  At most DOCUMENT_MAX_BYTES (413 above it).
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile

import sqlalchemy as sa
from flask import current_app
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace import jobs
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.db import rowcount, utcnow
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.orders.models import DocumentKind, Order, OrderDocument, OrderStatus
from marketplace.orders.services import Side, _other_party, _require_side, _tell
from marketplace.storage import get_storage
from marketplace.storage import tasks as storage_tasks

PDF = ("pdf", "application/pdf")
PNG = ("png", "image/png")
JPEG = ("jpg", "image/jpeg")
XLSX = ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ACCEPTED = "Only PDF, XLSX, JPEG and PNG files are accepted (checked by their content)."
MAX_ZIP_MEMBERS = 10_000
FILENAME_MAX = 200


def detect(data: bytes) -> tuple[str, str]:
    """(extension, content type) of ``data``, judged by its content; 422 for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04") and _is_xlsx(data):
        return XLSX
    raise ValidationFailed(errors={"file": [ACCEPTED]})


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                return False
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def clean_filename(name: str | None, extension: str) -> str:
    """The uploader's file name for display and downloads: its last path segment, no
    control characters, at most FILENAME_MAX characters, with the extension of what the
    file really is."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name) or "document"
    return f"{stem[: FILENAME_MAX - len(extension) - 1]}.{extension}"


def document_key(order: Order, extension: str) -> str:
    return f"orders/{order.id}/{secrets.token_hex(16)}.{extension}"


def add_document(order: Order, user: User, upload, kind: str) -> OrderDocument:
    """One of the parties attaches a file; the other party is told (in-app)."""
    side = _require_side(order, user, Side.BUYER, Side.SUPPLIER)
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge(
            f"Documents may be at most {limit // (1024 * 1024) or limit} "
            f"{'MB' if limit >= 1024 * 1024 else 'bytes'}."
        )
    if not data:
        raise ValidationFailed(errors={"file": ["The file is empty."]})
    extension, content_type = detect(data)
    key = document_key(order, extension)
    get_storage().put_in_transaction(key, data, content_type)
    document = OrderDocument(
        order_id=order.id,
        kind=DocumentKind(kind),
        filename=clean_filename(upload.filename, extension),
        storage_key=key,
        content_type=content_type,
        size=len(data),
        uploaded_by_id=user.id,
        uploaded_at=utcnow(),
    )
    db.session.add(document)
    db.session.flush()
    db.session.refresh(order)
    from flask_babel import gettext as _

    _tell(
        _other_party(order, side),
        order,
        "order.document",
        lambda: _("New document on order %(number)s", number=order.number),
        lambda: _(
            "A document (%(filename)s) was added to order %(number)s.",
            filename=document.filename,
            number=order.number,
        ),
        email=False,
    )
    return document


def get_document(order: Order, document_id: int) -> OrderDocument:
    document = db.session.get(OrderDocument, document_id)
    if document is None or document.order_id != order.id:
        raise NotFound("Document not found.")
    return document


def delete_document(order: Order, user: User, document_id: int) -> None:
    """The uploader removes their document while the order is not completed (audited);
    the file goes once the removal has committed."""
    document = get_document(order, document_id)
    _require_side(order, user, Side.BUYER, Side.SUPPLIER)
    if document.uploaded_by_id != user.id:
        raise Forbidden("Only the person who uploaded a document can remove it.")
    order_open = (
        sa.select(Order.id)
        .where(Order.id == order.id, Order.status != OrderStatus.COMPLETED)
        .exists()
    )
    result = db.session.execute(
        sa.delete(OrderDocument)
        .where(OrderDocument.id == document.id, order_open)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        db.session.refresh(order)
        if order.status == OrderStatus.COMPLETED:
            raise Conflict("The order is completed; its documents stay.")
        raise NotFound("Document not found.")
    record(
        "order.document_delete",
        order,
        actor=user,
        target_type="order",
        details={
            "document_id": document.id,
            "kind": document.kind.value,
            "filename": document.filename,
            "number": order.number,
        },
    )
    db.session.expunge(document)
    db.session.flush()
    jobs.enqueue(storage_tasks.delete_files, [document.storage_key])
