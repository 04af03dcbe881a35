"""Product photos: checked by content, re-encoded without metadata, with a thumbnail.

Nothing the client sends is trusted: not the file name, not the declared type, not
the image headers.  Pillow decodes the pixels under a decompression-bomb guard and
writes a fresh file under a server-made name, ``products/<32 hex>.<ext>`` in the
storage (``marketplace.storage``).  Files follow the transaction: written ones are
removed if it rolls back, deleted ones go only once it has committed.
"""

from __future__ import annotations

import io
import secrets
from typing import cast

import sqlalchemy as sa
from flask import current_app
from marshmallow import fields
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace import jobs
from marketplace.catalog.models import Product, ProductImage
from marketplace.catalog.services import not_editable, note_content_change
from marketplace.catalog.vocab import MAX_IMAGES_PER_PRODUCT
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.fields import Schema
from marketplace.storage import get_storage
from marketplace.storage import tasks as storage_tasks

FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}


class ImageUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


def image_key(filename: str) -> str:
    """The storage key of a product image file (``ProductImage.filename`` is the name)."""
    return f"products/{filename}"


def product_of_image(filename: str) -> Product | None:
    """The product a stored image file (full size or ``_thumb``) belongs to; None for a
    name no image row has (a file on its way out, or never ours).  One index look-up."""
    column = ProductImage.thumbnail_filename if "_thumb." in filename else ProductImage.filename
    return db.session.scalar(
        sa.select(Product)
        .join(ProductImage, ProductImage.product_id == Product.id)
        .where(column == filename)
    )


def _bad_image(message: str) -> ValidationFailed:
    return ValidationFailed(errors={"file": [message]})


def _decode(data: bytes) -> Image.Image:
    """The uploaded image decoded, or 422.  The size comes from the header and is checked
    against ``IMAGE_MAX_PIXELS`` before a pixel is decoded.  Nothing process-wide is
    changed on the way (neither Pillow's ``Image.MAX_IMAGE_PIXELS`` nor the warning
    filters): uploads decode in several threads at once, and Pillow's own guard (far
    above ours) stays as it is for everything else."""
    max_pixels = current_app.config["IMAGE_MAX_PIXELS"]
    too_large = _bad_image(f"The image has more than {max_pixels} pixels.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise _bad_image("Upload a JPEG, PNG or WebP image.")
            if probe.width * probe.height > max_pixels:
                raise too_large
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's guard, when ours is set above it; the warning is an error only where
        # warnings are turned into errors (the test suite).
        raise too_large from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _bad_image("Upload a JPEG, PNG or WebP image.") from exc
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _check_editable(product: Product) -> None:
    if error := not_editable(product):
        raise error


def process_upload(data: bytes) -> tuple[str, bytes, bytes, tuple[int, int]]:
    """Validate and re-encode; returns (format, image bytes, thumbnail bytes, size)."""
    cfg = current_app.config
    if len(data) > cfg["IMAGE_MAX_BYTES"]:
        # The body cap lets multipart overhead through; the file itself is held to the limit.
        raise RequestEntityTooLarge(
            f"Images may be at most {cfg['IMAGE_MAX_BYTES'] // (1024 * 1024)} MB."
        )
    if not data:
        raise _bad_image("The file is empty.")
    image = _decode(data)
    fmt = cast(str, image.format)  # _decode took only one of FORMATS
    image = ImageOps.exif_transpose(image)  # apply the camera's rotation, then drop EXIF
    image.info.clear()
    edge = cfg["IMAGE_MAX_EDGE"]
    if max(image.size) > edge:
        image.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    main = _encode(image, fmt)
    thumb = image.copy()
    thumb.thumbnail((cfg["THUMBNAIL_EDGE"],) * 2, Image.Resampling.LANCZOS)
    return fmt, main, _encode(thumb, fmt), image.size


def add_image(product: Product, upload) -> ProductImage:
    _check_editable(product)
    if len(product.images) >= MAX_IMAGES_PER_PRODUCT:
        raise Conflict(f"A product has at most {MAX_IMAGES_PER_PRODUCT} images.")
    data = upload.stream.read(current_app.config["IMAGE_MAX_BYTES"] + 1)
    fmt, main, thumb, (width, height) = process_upload(data)
    extension, content_type = FORMATS[fmt]
    stem = secrets.token_hex(16)
    names = (f"{stem}.{extension}", f"{stem}_thumb.{extension}")
    storage = get_storage()
    written = []
    try:
        for name, blob in zip(names, (main, thumb), strict=True):
            storage.put_in_transaction(image_key(name), blob, content_type)
            written.append(image_key(name))
        image = ProductImage(
            product=product,
            position=(max((i.position for i in product.images), default=-1) + 1),
            filename=names[0],
            thumbnail_filename=names[1],
            content_type=content_type,
            width=width,
            height=height,
            size_bytes=len(main),
        )
        db.session.add(image)
        note_content_change(product, {"images"})
        db.session.flush()
    except Exception:
        # At once, not only on rollback: a caller may catch the error and commit.
        for key in written:
            storage.delete(key)
        raise
    return image


def delete_image(product: Product, image_id: int) -> None:
    _check_editable(product)
    image = db.session.scalar(
        sa.select(ProductImage).where(
            ProductImage.id == image_id, ProductImage.product_id == product.id
        )
    )
    if image is None:
        raise NotFound("Image not found.")
    product.images.remove(image)
    note_content_change(product, {"images"})
    db.session.flush()
    # After the commit, as a job: retried while the store is down, then recorded.
    jobs.enqueue(
        storage_tasks.delete_files, [image_key(image.filename), image_key(image.thumbnail_filename)]
    )


def reorder_images(product: Product, image_ids: list[int]) -> None:
    _check_editable(product)
    current = {image.id: image for image in product.images}
    if sorted(image_ids) != sorted(current):
        raise ValidationFailed(
            errors={"image_ids": ["Give every image id of this product exactly once."]}
        )
    for position, image_id in enumerate(image_ids):
        current[image_id].position = position
    db.session.flush()
    db.session.expire(product, ["images"])
