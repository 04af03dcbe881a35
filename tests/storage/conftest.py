"""Every storage test runs on both backends: a local directory and a real S3 server
(moto's standalone server in its own process, see tests/s3server.py)."""

from __future__ import annotations

import uuid

import pytest

from marketplace.storage import EXTENSION
from marketplace.storage.local import LocalStorage
from marketplace.storage.s3 import S3Storage
from tests.s3server import s3_server  # noqa: F401 - the session-wide S3 server fixture

BACKENDS = ["local", "s3"]


def make_store(kind: str, request, tmp_path):
    if kind == "local":
        return LocalStorage(str(tmp_path / "store"))
    server = request.getfixturevalue("s3_server")
    # One prefix per test: the session's bucket is shared, the tests' files are not.
    return S3Storage(server.bucket, f"t-{uuid.uuid4().hex[:12]}", endpoint_url=server.endpoint_url)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    return make_store(request.param, request, tmp_path)


def use_store(app, monkeypatch, store):
    """The app uses ``store`` for this test (its config says so too)."""
    monkeypatch.setitem(app.extensions, EXTENSION, store)
    if isinstance(store, S3Storage):
        monkeypatch.setitem(app.config, "STORAGE_URL", f"s3://{store.bucket}/{store.prefix}")
        monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", store.endpoint_url)
    return store


@pytest.fixture
def app_store(app, store, monkeypatch):
    """The app on each backend in turn."""
    return use_store(app, monkeypatch, store)


@pytest.fixture
def s3_app_store(app, request, tmp_path, monkeypatch):
    """The app on S3 only, for what only S3 does (presigned redirects)."""
    return use_store(app, monkeypatch, make_store("s3", request, tmp_path))


@pytest.fixture
def local_app_store(app, request, tmp_path, monkeypatch):
    return use_store(app, monkeypatch, make_store("local", request, tmp_path))
