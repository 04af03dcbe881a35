"""``flask storage copy``: the local store (UPLOAD_DIR) into the S3 bucket, skipping
what is already there with the same size."""

from __future__ import annotations

import uuid

import pytest

from marketplace.storage.local import LocalStorage
from marketplace.storage.s3 import S3Storage

FILES = {
    "products/aaaa.jpg": (b"jpeg bytes" * 50, "image/jpeg"),
    "products/aaaa_thumb.jpg": (b"thumb", "image/jpeg"),
    "products/bbbb.webp": (b"webp bytes", "image/webp"),
    "orders/12/invoice.pdf": (b"%PDF-1.7 ...", "application/pdf"),
}


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    local = LocalStorage(str(tmp_path / "uploads"))
    for key, (data, content_type) in FILES.items():
        local.put(key, data, content_type)
    monkeypatch.setitem(app.config, "UPLOAD_DIR", local.root)
    return local


@pytest.fixture
def target(app, s3_server, monkeypatch):
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_server.endpoint_url)
    return S3Storage(
        s3_server.bucket, f"copy-{uuid.uuid4().hex[:8]}", endpoint_url=s3_server.endpoint_url
    )


def run(app, *args):
    return app.test_cli_runner().invoke(args=["storage", "copy", *args])


def test_copy_puts_every_local_file_into_the_bucket(app, upload_dir, target, s3_server):
    url = f"s3://{target.bucket}/{target.prefix}"
    result = run(app, "--to", url)
    assert result.exit_code == 0, result.output
    assert "4 copied, 0 replaced, 0 already there, 0 failed" in result.output
    assert list(target.keys()) == sorted(FILES)
    for key, (data, content_type) in FILES.items():
        with target.open(key) as stored:
            assert stored.read() == data
            assert stored.content_type == content_type

    again = run(app, "--to", url)  # idempotent: nothing left to copy
    assert again.exit_code == 0, again.output
    assert "0 copied, 0 replaced, 4 already there, 0 failed" in again.output


def test_copy_skips_same_size_objects_and_replaces_others(app, upload_dir, target, monkeypatch):
    target.put("products/aaaa_thumb.jpg", b"THUMB", "image/jpeg")  # same size: kept
    target.put("products/bbbb.webp", b"broken", "image/webp")  # other size: replaced
    monkeypatch.setitem(app.config, "STORAGE_URL", f"s3://{target.bucket}/{target.prefix}")
    result = run(app)  # the target comes from STORAGE_URL
    assert result.exit_code == 0, result.output
    assert "2 copied, 1 replaced, 1 already there, 0 failed" in result.output
    assert target.read("products/aaaa_thumb.jpg") == b"THUMB"
    assert target.read("products/bbbb.webp") == b"webp bytes"
    assert target.read("products/aaaa.jpg") == FILES["products/aaaa.jpg"][0]


def test_copy_without_an_s3_target_is_refused(app, upload_dir):
    result = run(app)
    assert result.exit_code == 2
    assert "--to s3://bucket/prefix" in result.output
    result = run(app, "--to", "ftp://somewhere/else")
    assert result.exit_code == 2


def test_copy_to_a_missing_bucket_says_so_in_one_line(app, upload_dir, target):
    result = run(app, "--to", f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}")
    assert result.exit_code == 1
    assert "Cannot list" in result.output and "NoSuchBucket" in result.output
