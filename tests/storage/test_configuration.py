"""STORAGE_URL picks the backend; a setting the app cannot use stops it at start."""

from __future__ import annotations

import re

import pytest

from config import TestingConfig
from marketplace import create_app
from marketplace.storage import get_storage, storage_from_config
from marketplace.storage.local import LocalStorage
from marketplace.storage.s3 import S3Storage


def test_no_storage_url_means_the_upload_dir(tmp_path):
    store = storage_from_config({"STORAGE_URL": "", "UPLOAD_DIR": str(tmp_path)})
    assert isinstance(store, LocalStorage)
    assert store.root == str(tmp_path)


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://files", "files", ""),
        ("s3://files/", "files", ""),
        ("s3://files/uploads", "files", "uploads/"),
        ("s3://files/env/prod/", "files", "env/prod/"),
    ],
)
def test_an_s3_url_names_bucket_and_prefix(url, bucket, prefix):
    store = storage_from_config(
        {"STORAGE_URL": url, "S3_ENDPOINT_URL": "http://minio:9000", "UPLOAD_DIR": "/x"}
    )
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix, store.endpoint_url) == (bucket, prefix, "http://minio:9000")


def test_the_app_uses_the_configured_backend(app):
    assert isinstance(get_storage(), LocalStorage)
    assert get_storage().root == app.config["UPLOAD_DIR"]


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("STORAGE_URL", "https://files.example.org/uploads", "s3://bucket[/prefix]"),
        ("STORAGE_URL", "s3:///no-bucket", "s3://bucket[/prefix]"),
        ("STORAGE_SERVE", "proxy", "STORAGE_SERVE must be 'stream' or 'redirect'"),
    ],
)
def test_a_bad_setting_stops_the_app_at_start(tmp_path, setting, value, message):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/unused.db"
        UPLOAD_DIR = str(tmp_path)

    setattr(Config, setting, value)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        create_app(Config)
