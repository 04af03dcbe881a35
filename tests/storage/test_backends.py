"""The storage interface behaves the same on the local filesystem and on S3."""

from __future__ import annotations

import pytest

from marketplace.storage import InvalidKey, KeyExists, KeyNotFound


def test_put_then_open_gives_the_bytes_size_and_type_back(store):
    data = b"\xff\xd8 not really a jpeg \x00\x01" * 100
    store.put("products/abc.jpg", data, "image/jpeg")
    assert store.exists("products/abc.jpg")
    with store.open("products/abc.jpg") as stored:
        assert stored.size == len(data)
        assert stored.content_type == "image/jpeg"
        assert b"".join(stored.chunks(1000)) == data
    assert store.read("products/abc.jpg") == data


def test_put_never_overwrites(store):
    store.put("products/same.png", b"first", "image/png")
    with pytest.raises(KeyExists):
        store.put("products/same.png", b"second, longer", "image/png")
    assert store.read("products/same.png") == b"first"


def test_put_with_replace_overwrites(store):
    store.put("docs/a.pdf", b"first", "application/pdf")
    store.put("docs/a.pdf", b"second", "application/pdf", replace=True)
    assert store.read("docs/a.pdf") == b"second"


def test_delete_removes_and_a_missing_key_is_no_error(store):
    store.put("products/gone.webp", b"x", "image/webp")
    store.delete("products/gone.webp")
    assert not store.exists("products/gone.webp")
    with pytest.raises(KeyNotFound):
        store.open("products/gone.webp")
    store.delete("products/gone.webp")  # again: nothing to do, no error
    store.delete("products/never-there.webp")


def test_unknown_key_is_not_found(store):
    assert not store.exists("products/nothing.jpg")
    with pytest.raises(KeyNotFound):
        store.read("products/nothing.jpg")


def test_keys_lists_every_object_under_a_prefix_in_order(store):
    for key in ["products/b.jpg", "products/a.jpg", "orders/7/invoice.pdf", "top.txt"]:
        store.put(key, key.encode(), "application/octet-stream")
    assert list(store.keys()) == [
        "orders/7/invoice.pdf",
        "products/a.jpg",
        "products/b.jpg",
        "top.txt",
    ]
    assert list(store.keys("products/")) == ["products/a.jpg", "products/b.jpg"]
    assert dict(store.entries("orders/")) == {"orders/7/invoice.pdf": len(b"orders/7/invoice.pdf")}
    assert list(store.keys("messages/")) == []


@pytest.mark.parametrize(
    "key",
    ["", "/etc/passwd", "../secret", "products/../../x", "products//a", ".hidden", "a\\b", "a/"],
)
def test_keys_outside_the_store_are_refused(store, key):
    with pytest.raises(InvalidKey):
        store.put(key, b"x", "text/plain")
    with pytest.raises(InvalidKey):
        store.open(key)
    assert list(store.keys()) == []
