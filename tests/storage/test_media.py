"""Uploads through the API land in the configured storage and come back from
/media/products/<name> with the same bytes and headers, from either backend; with
S3 and STORAGE_SERVE=redirect, as a 302 to a short-lived presigned link.  A published
product's photos are everyone's and cached for a week; the photos of a product the public
may not see are its company's and the admins', never cached."""

from __future__ import annotations

import io
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.catalog.models import ProductImage, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.suppliers.models import SupplierStatus
from tests.catalog.support import image_bytes, make_product
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)

WEEK = 7 * 86400


@pytest.fixture
def owner():
    return SupplierOwnerFactory()


@pytest.fixture
def client(login_as, owner):
    return login_as(owner)


@pytest.fixture
def product(owner):
    return make_product(owner.supplier)


def upload(client, product, data: bytes):
    return client.post(
        f"/api/v1/products/{product.id}/images",
        data={"file": (io.BytesIO(data), "photo.jpg")},
        content_type="multipart/form-data",
    )


def fetch(client, url: str, **kwargs):
    response = client.get(url, **kwargs)
    response.direct_passthrough = False
    body = response.get_data()
    response.close()
    return response, body


def key_of(url: str) -> str:
    return "products/" + url.rsplit("/", 1)[-1]


def publish(product) -> None:
    product.status, product.published_at = ProductStatus.PUBLISHED, utcnow()
    transaction.commit()


def assert_private(response) -> None:
    cache = response.cache_control
    assert (cache.private, cache.no_store, cache.public, cache.max_age) == (True, True, False, None)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_an_upload_is_stored_and_served_with_todays_headers(
    app_store, client, product, fmt, make_api
):
    response = upload(client, product, image_bytes(fmt, size=(300, 200)))
    assert response.status_code == 201, response.json
    publish(product)
    anyone = make_api()
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    for url in (response.json["url"], response.json["thumbnail_url"]):
        assert url.startswith("/media/products/")
        stored = app_store.read(key_of(url))
        served, body = fetch(anyone, url)
        assert served.status_code == 200
        assert body == stored
        assert served.headers["Content-Type"] == content_type
        assert served.headers["Content-Length"] == str(len(stored))
        assert served.cache_control.public and served.cache_control.max_age == WEEK
        assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["ETag"]
        assert served.headers["Last-Modified"]


def test_a_conditional_request_with_the_etag_is_304_without_a_body(app_store, client, product):
    url = upload(client, product, image_bytes("PNG")).json["url"]
    publish(product)
    first, _ = fetch(client, url)
    again, body = fetch(client, url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert body == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.cache_control.max_age == WEEK
    changed, body = fetch(client, url, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200
    assert body == app_store.read(key_of(url))


def test_a_deleted_image_is_gone_from_the_storage_and_404(app_store, client, product):
    image = upload(client, product, image_bytes("JPEG")).json
    keys = [key_of(image["url"]), key_of(image["thumbnail_url"])]
    assert all(app_store.exists(key) for key in keys)
    response = client.delete(f"/api/v1/products/{product.id}/images/{image['id']}")
    assert response.status_code == 204
    assert not any(app_store.exists(key) for key in keys)
    served, _ = fetch(client, image["url"])
    assert served.status_code == 404


@pytest.mark.parametrize(
    "name", ["0123456789abcdef0123456789abcdef.jpg", "0123456789abcdef0123456789abcdef_thumb.png"]
)
def test_an_unknown_file_is_404(app_store, client, name, monkeypatch, app):
    for mode in ("stream", "redirect"):
        monkeypatch.setitem(app.config, "STORAGE_SERVE", mode)
        served, _ = fetch(client, f"/media/products/{name}")
        assert served.status_code == 404


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "x.jpg", "0123456789abcdef0123456789abcdef.svg"]
)
def test_a_name_the_server_never_makes_is_404(app_store, client, name):
    served, _ = fetch(client, f"/media/products/{name}")
    assert served.status_code == 404


def test_redirect_mode_sends_a_presigned_link_that_serves_the_bytes(
    s3_app_store, client, product, monkeypatch, app
):
    monkeypatch.setitem(app.config, "STORAGE_SERVE", "redirect")
    monkeypatch.setitem(app.config, "STORAGE_PRESIGN_SECONDS", 120)
    url = upload(client, product, image_bytes("PNG", size=(50, 40))).json["url"]
    publish(product)
    response, _ = fetch(client, url)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(s3_app_store.endpoint_url + "/")
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["120"]
    assert response.cache_control.private and response.cache_control.max_age <= 120

    with urllib.request.urlopen(location, timeout=10) as followed:  # noqa: S310 - our S3 server
        assert followed.status == 200
        assert followed.headers["Content-Type"] == "image/png"
        assert followed.headers["Cache-Control"] == f"public, max-age={WEEK}"
        assert followed.read() == s3_app_store.read(key_of(url))


def test_local_backend_streams_even_in_redirect_mode(
    local_app_store, client, product, monkeypatch, app
):
    monkeypatch.setitem(app.config, "STORAGE_SERVE", "redirect")
    url = upload(client, product, image_bytes("PNG")).json["url"]
    served, body = fetch(client, url)
    assert served.status_code == 200
    assert body == local_app_store.read(key_of(url))


def test_head_gives_the_headers_without_the_bytes(app_store, client, product):
    url = upload(client, product, image_bytes("PNG")).json["url"]
    response = client.open("HEAD", url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Length"] == str(len(app_store.read(key_of(url))))
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.get_data() == b""
    response.close()


def test_the_dashboard_page_uploads_and_deletes_through_the_storage(app_store, app, product, owner):
    from tests.catalog.test_supplier_pages import csrf_from, page_login

    browser = app.test_client()
    page_login(browser, owner)
    token = csrf_from(browser.get(f"/dashboard/products/{product.id}/edit").text)
    response = browser.post(
        f"/dashboard/products/{product.id}/images",
        data={"csrf_token": token, "file": (io.BytesIO(image_bytes("JPEG")), "slide.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    keys = list(app_store.keys("products/"))
    assert len(keys) == 2  # the photo and its thumbnail
    image_id = db.session.scalars(sa.select(ProductImage.id)).one()

    response = browser.post(
        f"/dashboard/products/{product.id}/images/{image_id}/delete",
        data={"csrf_token": token},
    )
    assert response.status_code == 302
    assert list(app_store.keys("products/")) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProductImage)) == 0


@pytest.mark.parametrize(
    ("status", "supplier_status"),
    [
        (ProductStatus.DRAFT, SupplierStatus.ACTIVE),
        (ProductStatus.PENDING_REVIEW, SupplierStatus.ACTIVE),
        (ProductStatus.REJECTED, SupplierStatus.ACTIVE),
        (ProductStatus.SUSPENDED, SupplierStatus.ACTIVE),
        (ProductStatus.ARCHIVED, SupplierStatus.ACTIVE),
        (ProductStatus.PUBLISHED, SupplierStatus.SUSPENDED),
    ],
)
def test_photos_of_a_product_the_public_cannot_see_are_its_teams_and_the_admins(
    app_store, client, owner, product, login_as, make_api, status, supplier_status
):
    image = upload(client, product, image_bytes("PNG")).json
    product.status = status
    owner.supplier.status = supplier_status
    transaction.commit()
    urls = (image["url"], image["thumbnail_url"])
    outsiders = {
        "anonymous": make_api(),
        "buyer": login_as(BuyerFactory()),
        "another factory": login_as(SupplierOwnerFactory()),
    }
    for who, outsider in outsiders.items():
        for url in urls:
            served, body = fetch(outsider, url)
            assert served.status_code == 404, (who, url)
            assert body != app_store.read(key_of(url))
    insiders = {
        "staff": login_as(SupplierStaffFactory(supplier=owner.supplier)),
        "admin": login_as(AdminFactory()),
        "owner": client,
    }
    for who, insider in insiders.items():
        for url in urls:
            served, body = fetch(insider, url)
            assert served.status_code == 200, (who, url)
            assert body == app_store.read(key_of(url))
            assert_private(served)


def test_a_private_photo_in_redirect_mode_is_a_link_no_cache_keeps(
    s3_app_store, client, product, monkeypatch, app, make_api
):
    monkeypatch.setitem(app.config, "STORAGE_SERVE", "redirect")
    url = upload(client, product, image_bytes("PNG", size=(50, 40))).json["url"]
    assert fetch(make_api(), url)[0].status_code == 404
    response, _ = fetch(client, url)
    assert response.status_code == 302
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as followed:  # noqa: S310
        assert followed.headers["Cache-Control"] == "private, no-store"
