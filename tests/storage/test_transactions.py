"""Files follow the database transaction: a file written for a transaction that rolls
back is removed; a deletion happens only after the commit, and never after a rollback."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage

from marketplace import transaction
from marketplace.catalog import images
from marketplace.catalog.models import ProductImage
from marketplace.extensions import db
from tests.catalog.support import count, image_bytes, make_product
from tests.factories import SupplierOwnerFactory


def test_a_file_written_for_a_rolled_back_transaction_is_removed(app, store):
    store.put_in_transaction("products/undone.jpg", b"bytes", "image/jpeg")
    assert store.exists("products/undone.jpg")  # written at once, for the request to use
    transaction.rollback()
    assert not store.exists("products/undone.jpg")


def test_a_file_written_for_a_committed_transaction_stays(app, store):
    store.put_in_transaction("products/kept.jpg", b"bytes", "image/jpeg")
    transaction.commit()
    transaction.rollback()  # a later transaction's end does not touch it
    assert store.read("products/kept.jpg") == b"bytes"


def test_a_deletion_waits_for_the_commit(app, store):
    store.put("products/old.jpg", b"bytes", "image/jpeg")
    store.delete_after_commit("products/old.jpg")
    assert store.exists("products/old.jpg")
    transaction.commit()
    assert not store.exists("products/old.jpg")


def test_a_deletion_in_a_rolled_back_transaction_never_happens(app, store):
    store.put("products/old.jpg", b"bytes", "image/jpeg")
    store.delete_after_commit("products/old.jpg")
    transaction.rollback()
    transaction.commit()  # the next transaction does not inherit it
    assert store.read("products/old.jpg") == b"bytes"


def upload(data: bytes) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename="photo.png", content_type="image/png")


def test_an_image_added_in_a_transaction_that_rolls_back_leaves_no_file(app_store):
    product = make_product(SupplierOwnerFactory().supplier)
    image = images.add_image(product, upload(image_bytes("PNG")))
    keys = [images.image_key(image.filename), images.image_key(image.thumbnail_filename)]
    assert all(app_store.exists(key) for key in keys)
    transaction.rollback()  # e.g. a later step of the same request failed
    assert not any(app_store.exists(key) for key in keys)
    assert list(app_store.keys("products/")) == []
    assert count(ProductImage) == 0


def test_an_image_deletion_rolled_back_keeps_row_and_files(app_store):
    product = make_product(SupplierOwnerFactory().supplier)
    image = images.add_image(product, upload(image_bytes("PNG")))
    transaction.commit()
    image_id = image.id
    keys = [images.image_key(image.filename), images.image_key(image.thumbnail_filename)]

    images.delete_image(product, image_id)
    assert all(app_store.exists(key) for key in keys)  # not before the commit
    transaction.rollback()
    assert all(app_store.exists(key) for key in keys)
    assert db.session.get(ProductImage, image_id) is not None

    images.delete_image(db.session.get(type(product), product.id), image_id)
    transaction.commit()
    assert not any(app_store.exists(key) for key in keys)
    assert db.session.get(ProductImage, image_id) is None


def test_a_deletion_the_store_refuses_is_recorded_for_the_admins(app_store, monkeypatch):
    """The store is down when the photo's files should go: the photo is still removed, and
    the deletion waits as a failed task (``/admin/jobs``) instead of being forgotten."""
    import sqlalchemy as sa

    from marketplace.jobs.models import FailedTask

    product = make_product(SupplierOwnerFactory().supplier)
    image = images.add_image(product, upload(image_bytes("PNG")))
    transaction.commit()
    image_id = image.id
    keys = [images.image_key(image.filename), images.image_key(image.thumbnail_filename)]

    def store_down(key):
        raise OSError("the object store is unreachable")

    monkeypatch.setattr(app_store, "delete", store_down)
    images.delete_image(product, image_id)
    transaction.commit()

    assert db.session.get(ProductImage, image_id) is None
    (failed,) = db.session.scalars(sa.select(FailedTask))
    assert (failed.task_name, failed.args) == ("storage.delete", [keys])
    assert failed.error == "OSError: the object store is unreachable"
    assert all(app_store.exists(key) for key in keys)  # left for the retry
