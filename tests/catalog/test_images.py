"""Product photos: content-checked, re-encoded without metadata, bomb-guarded, server-named,
served with nosniff; at most 10, ordered, deletable."""

from __future__ import annotations

import io
import os
import re
import struct
import warnings
import zlib

import pytest
from flask import current_app
from PIL import Image, ImageFile, PngImagePlugin

from marketplace import transaction
from marketplace.catalog import services
from marketplace.catalog.models import ProductImage, ProductStatus
from marketplace.extensions import db
from marketplace.storage import get_storage
from tests.catalog.support import catalog_rows, commit, count, image_bytes, make_product
from tests.factories import SupplierOwnerFactory

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
SECRETS = [b"Evil Camera Co", b"secret comment", b"secret author", b"GPS"]


@pytest.fixture
def owner():
    return SupplierOwnerFactory()


@pytest.fixture
def client(login_as, owner):
    return login_as(owner)


@pytest.fixture
def product(owner):
    return make_product(owner.supplier)


def upload(client, product, data: bytes, filename="photo.jpg", mimetype=None):
    file = (io.BytesIO(data), filename, mimetype) if mimetype else (io.BytesIO(data), filename)
    return client.post(
        f"/api/v1/products/{product.id}/images",
        data={"file": file},
        content_type="multipart/form-data",
    )


def stored_key(url: str) -> str:
    return "products/" + url.rsplit("/", 1)[-1]


def stored_bytes(url: str) -> bytes:
    """What the storage holds (the local UPLOAD_DIR here; tests/storage cover S3 too)."""
    return get_storage().read(stored_key(url))


def is_stored(url: str) -> bool:
    return get_storage().exists(stored_key(url))


def stored_files() -> list[str]:
    return list(get_storage().keys("products/"))


def fetch(client, url: str):
    response = client.get(url)
    response.direct_passthrough = False
    body = response.get_data()
    response.close()
    return response, body


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Evil Camera Co"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90 degrees on display
    exif[0x8825] = {1: "N", 2: (24.0, 45.0, 30.0), 3: "E", 4: (118.0, 35.0, 10.0)}  # GPS
    return exif


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def one_colour_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of one colour, built row by row so the test never holds the
    pixels: tens of kilobytes on disk, ``width * height`` pixels when decoded."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


# Accepted formats ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_upload_is_served_with_its_type_and_nosniff(client, product, fmt):
    original = image_bytes(fmt, size=(800, 600))
    response = upload(client, product, original, filename=f"photo.{fmt.lower()}")
    assert response.status_code == 201, response.json
    body = response.json
    assert set(body) >= {"id", "url", "thumbnail_url"}
    assert (body["width"], body["height"]) == (800, 600)

    for url, max_edge in ((body["url"], 800), (body["thumbnail_url"], 400)):
        served, data = fetch(client, url)
        assert served.status_code == 200
        assert served.headers["Content-Type"] == CONTENT_TYPES[fmt]
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert data == stored_bytes(url)
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == fmt
            assert max(image.size) == max_edge

    # Re-encoded: what is stored is not what was sent.
    assert stored_bytes(body["url"]) != original
    product_json = client.get(f"/api/v1/products/{product.id}").json
    assert product_json["images"][0]["url"] == body["url"]
    assert product_json["images"][0]["thumbnail_url"] == body["thumbnail_url"]


def test_anyone_may_fetch_the_photo_of_a_published_product(client, api, owner):
    product = make_product(owner.supplier, ProductStatus.DRAFT)
    url = upload(client, product, image_bytes("PNG")).json["url"]
    assert fetch(api, url)[0].status_code == 404  # a draft's photo is its team's
    product.status = ProductStatus.PUBLISHED
    transaction.commit()
    served, _ = fetch(api, url)
    assert served.status_code == 200


def test_jpeg_exif_and_gps_are_stripped_and_rotation_applied(client, product):
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(
        buf, "JPEG", exif=exif_with_gps(), comment=b"secret comment"
    )
    original = buf.getvalue()
    with Image.open(io.BytesIO(original)) as sent:  # the test file really carries them
        assert sent.getexif().get_ifd(0x8825)
    assert b"Evil Camera Co" in original and b"secret comment" in original

    response = upload(client, product, original)
    assert response.status_code == 201, response.json
    assert (response.json["width"], response.json["height"]) == (480, 640)
    for url in (response.json["url"], response.json["thumbnail_url"]):
        data = stored_bytes(url)
        with Image.open(io.BytesIO(data)) as stored:
            assert dict(stored.getexif()) == {}
            assert "exif" not in stored.info and "comment" not in stored.info
        for secret in SECRETS:
            assert secret not in data
        assert b"Exif" not in data


def test_png_text_chunks_and_exif_are_stripped(client, product):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret author")
    buf = io.BytesIO()
    Image.new("RGB", (50, 50), "white").save(buf, "PNG", pnginfo=info, exif=exif_with_gps())
    response = upload(client, product, buf.getvalue(), filename="a.png")
    assert response.status_code == 201, response.json
    data = stored_bytes(response.json["url"])
    for secret in SECRETS:
        assert secret not in data
    with Image.open(io.BytesIO(data)) as stored:
        stored.load()
        assert "Author" not in stored.info and "exif" not in stored.info


def test_webp_exif_is_stripped(client, product):
    buf = io.BytesIO()
    Image.new("RGB", (50, 50), "white").save(buf, "WEBP", exif=exif_with_gps())
    response = upload(client, product, buf.getvalue(), filename="a.webp")
    assert response.status_code == 201, response.json
    data = stored_bytes(response.json["url"])
    assert b"Evil Camera Co" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert dict(stored.getexif()) == {}


def test_the_type_comes_from_the_content_not_the_name_or_header(client, product):
    response = upload(
        client, product, image_bytes("PNG"), filename="photo.jpg", mimetype="image/jpeg"
    )
    assert response.status_code == 201
    assert response.json["url"].endswith(".png")
    served, _ = fetch(client, response.json["url"])
    assert served.headers["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    "filename", ["../../../etc/passwd.jpg", "evil<script>.png", "photo.php", "拖鞋.png", ".png"]
)
def test_file_names_are_made_by_the_server(client, product, filename):
    response = upload(client, product, image_bytes("PNG"), filename=filename)
    assert response.status_code == 201, response.json
    for url in (response.json["url"], response.json["thumbnail_url"]):
        name = url.rsplit("/", 1)[-1]
        assert re.fullmatch(r"[0-9a-f]{32}(_thumb)?\.png", name), name
        assert is_stored(url)
    stored = db.session.get(ProductImage, response.json["id"])
    assert filename not in (stored.filename, stored.thumbnail_filename)
    assert "passwd" not in str(response.json) and "script" not in str(response.json)


# Refused files ---------------------------------------------------------------------

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)


def gif() -> bytes:
    buf = io.BytesIO()
    Image.new("P", (10, 10)).save(buf, "GIF")
    return buf.getvalue()


def truncated_jpeg() -> bytes:
    return image_bytes("JPEG", size=(200, 200))[:300]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"just some text, honestly a JPEG", "photo.jpg"),
        (b"<html><body><script>alert(document.cookie)</script></body></html>", "photo.png"),
        (SVG, "image.svg"),
        (SVG, "image.png"),
        (gif(), "anim.gif"),
        (gif(), "anim.jpg"),
        (b"", "empty.jpg"),
        (truncated_jpeg(), "cut.jpg"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "fake.png"),
        (b"%PDF-1.4\n%...", "doc.jpg"),
    ],
    ids=[
        "text",
        "html",
        "svg",
        "svg-as-png",
        "gif",
        "gif-as-jpg",
        "empty",
        "truncated",
        "png-magic-only",
        "pdf",
    ],
)
def test_non_images_are_refused(client, product, data, filename):
    before = catalog_rows()
    files_before = stored_files()
    response = upload(client, product, data, filename=filename)
    assert response.status_code == 422, response.json
    assert "file" in response.json["errors"]
    assert catalog_rows() == before
    assert stored_files() == files_before


def test_missing_file_field_is_422(client, product):
    response = client.post(
        f"/api/v1/products/{product.id}/images",
        data={"other": (io.BytesIO(image_bytes("PNG")), "a.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "file" in response.json["errors"]


def test_json_body_is_415(client, product):
    response = client.post(f"/api/v1/products/{product.id}/images", json={"file": "abc"})
    assert response.status_code == 415


def test_polyglot_payload_is_dropped_by_re_encoding(client, product):
    payload = b"<html><script>alert('polyglot')</script></html>"
    polyglot = image_bytes("PNG", size=(40, 40)) + payload
    with Image.open(io.BytesIO(polyglot)) as probe:  # still a valid PNG
        assert probe.format == "PNG"
    response = upload(client, product, polyglot, filename="poly.png")
    assert response.status_code == 201, response.json
    for url in (response.json["url"], response.json["thumbnail_url"]):
        data = stored_bytes(url)
        assert b"<script" not in data and b"polyglot" not in data
        served, body = fetch(client, url)
        assert b"<script" not in body
        assert served.headers["Content-Type"] == "image/png"


@pytest.mark.parametrize(("width", "height"), [(20000, 20000), (7000, 7000), (100_000, 1)])
def test_decompression_bomb_is_refused_without_decoding(
    client, product, monkeypatch, width, height
):
    bomb = one_colour_png(width, height)
    assert len(bomb) < 200_000  # small on disk
    decoded = []
    original_load = ImageFile.ImageFile.load

    def spying_load(self):
        decoded.append(self.size)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
    before = catalog_rows()
    response = upload(client, product, bomb, filename="bomb.png")
    if width * height > current_app.config["IMAGE_MAX_PIXELS"]:
        assert response.status_code == 422, response.json
        assert "file" in response.json["errors"]
        assert decoded == []  # refused from the header, the pixels were never allocated
        assert catalog_rows() == before
    else:
        # A long thin strip is within the pixel budget: decoded and accepted.
        assert response.status_code == 201, response.json


def test_the_bomb_guard_changes_nothing_process_wide(client, product, monkeypatch):
    """Uploads decode in several threads at once: while one decodes, another must not
    find Pillow's limit or the warning filters changed under it (they were set and put
    back around each decode, so a thread could decode under another's settings, and the
    last one to finish could leave the process with the wrong limit)."""
    limit, filters = Image.MAX_IMAGE_PIXELS, list(warnings.filters)
    seen = []
    original_open = Image.open

    def spying_open(*args, **kwargs):
        seen.append((Image.MAX_IMAGE_PIXELS, list(warnings.filters)))
        return original_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", spying_open)
    assert upload(client, product, one_colour_png(7000, 7000)).status_code == 422
    assert upload(client, product, image_bytes("PNG")).status_code == 201
    assert seen and all(state == (limit, filters) for state in seen)
    assert (Image.MAX_IMAGE_PIXELS, warnings.filters) == (limit, filters)


@pytest.mark.parametrize("size", [5 * 1024 * 1024 + 1, 6 * 1024 * 1024])
def test_larger_than_5_mb_is_413(client, product, size):
    data = image_bytes("PNG") + os.urandom(size - len(image_bytes("PNG")))
    # The body is encoded here: werkzeug's test client spools a large multipart body to a
    # temporary file it never closes (a ResourceWarning, an error under this pytest config).
    boundary = "----test-boundary-7d9b"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    before = catalog_rows()
    response = client.post(
        f"/api/v1/products/{product.id}/images",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413, response.json
    assert response.json["code"] == 413
    assert catalog_rows() == before


def test_at_most_ten_images(client, product):
    for index in range(10):
        response = upload(client, product, image_bytes("PNG", color=(index * 20, 0, 0)))
        assert response.status_code == 201, response.json
    response = upload(client, product, image_bytes("PNG"))
    assert response.status_code == 409
    assert count(ProductImage, ProductImage.product_id == product.id) == 10
    positions = [i["position"] for i in client.get(f"/api/v1/products/{product.id}").json["images"]]
    assert positions == list(range(10))


# Delete and order --------------------------------------------------------------------


def test_delete_removes_row_and_files(client, product):
    image = upload(client, product, image_bytes("JPEG")).json
    urls = [image["url"], image["thumbnail_url"]]
    assert all(is_stored(url) for url in urls)

    response = client.delete(f"/api/v1/products/{product.id}/images/{image['id']}")
    assert response.status_code == 204
    assert not any(is_stored(url) for url in urls)
    assert count(ProductImage) == 0
    assert client.get(f"/api/v1/products/{product.id}").json["images"] == []
    served, _ = fetch(client, image["url"])
    assert served.status_code == 404
    again = client.delete(f"/api/v1/products/{product.id}/images/{image['id']}")
    assert again.status_code == 404


def test_reorder(client, product):
    ids = [upload(client, product, image_bytes("PNG")).json["id"] for _ in range(3)]
    new_order = [ids[2], ids[0], ids[1]]
    response = client.put(
        f"/api/v1/products/{product.id}/images/order", json={"image_ids": new_order}
    )
    assert response.status_code == 200, response.json
    assert [i["id"] for i in response.json["images"]] == new_order
    shown = client.get(f"/api/v1/products/{product.id}").json["images"]
    assert [i["id"] for i in shown] == new_order
    assert [i["position"] for i in shown] == [0, 1, 2]


@pytest.mark.parametrize(
    "pick",
    [
        lambda ids, foreign: ids[:2],  # partial
        lambda ids, foreign: [*ids, foreign],  # a foreign id added
        lambda ids, foreign: [ids[0], ids[1], foreign],  # a foreign id instead of one
        lambda ids, foreign: [ids[0], ids[0], ids[1]],  # repeated
        lambda ids, foreign: [],
        lambda ids, foreign: [*ids, 999999],
    ],
    ids=["partial", "extra-foreign", "swapped-foreign", "repeated", "empty", "unknown"],
)
def test_reorder_refuses_anything_but_the_full_list(client, product, login_as, pick):
    ids = [upload(client, product, image_bytes("PNG")).json["id"] for _ in range(3)]
    other = SupplierOwnerFactory()
    other_product = make_product(other.supplier)
    foreign = upload(login_as(other), other_product, image_bytes("PNG")).json["id"]
    response = client.put(
        f"/api/v1/products/{product.id}/images/order", json={"image_ids": pick(ids, foreign)}
    )
    assert response.status_code == 422, response.json
    assert "image_ids" in response.json["errors"]
    shown = client.get(f"/api/v1/products/{product.id}").json["images"]
    assert [i["id"] for i in shown] == ids
    db.session.expire_all()
    assert db.session.get(ProductImage, foreign).product_id == other_product.id


# Review ----------------------------------------------------------------------------


def test_image_upload_and_delete_send_a_published_product_back_to_review(client, owner):
    product = make_product(owner.supplier, ProductStatus.PUBLISHED)
    image = upload(client, product, image_bytes("PNG")).json
    db.session.expire_all()
    assert product.status == ProductStatus.PENDING_REVIEW
    services.approve_product(product)
    commit()
    assert client.delete(f"/api/v1/products/{product.id}/images/{image['id']}").status_code == 204
    db.session.expire_all()
    assert product.status == ProductStatus.PENDING_REVIEW


def test_a_refused_upload_keeps_a_published_product_published(client, owner):
    product = make_product(owner.supplier, ProductStatus.PUBLISHED)
    assert upload(client, product, b"not an image").status_code == 422
    db.session.expire_all()
    assert product.status == ProductStatus.PUBLISHED
