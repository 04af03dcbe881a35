"""An S3-compatible object store: AWS S3, MinIO, Ceph, R2... (``STORAGE_URL=s3://bucket/prefix``).

The endpoint comes from ``S3_ENDPOINT_URL`` (empty: AWS); credentials and region from
boto3's usual sources (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_DEFAULT_REGION``, an instance role...), never from this application's config.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Response, current_app, redirect, request

from marketplace.storage import (
    CHUNK_SIZE,
    KeyExists,
    KeyNotFound,
    Storage,
    StoredObject,
    check_key,
    check_prefix,
    mark_private,
)

_MISSING = {"404", "NoSuchKey", "NotFound"}


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _status(exc: Exception) -> int:
    response = getattr(exc, "response", None) or {}
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


class S3Storage(Storage):
    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None):
        if not bucket:
            raise ValueError("An S3 storage needs a bucket.")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url or None
        self._client = None
        self._client_pid: int | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None = None) -> S3Storage:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise RuntimeError(
                f"STORAGE_URL must be empty (files in UPLOAD_DIR) or s3://bucket[/prefix], "
                f"not {url!r}"
            )
        return cls(parts.netloc, parts.path, endpoint_url=endpoint_url)

    def __repr__(self) -> str:
        return f"<S3Storage {self.describe()}>"

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    @property
    def client(self):
        # One client per process: boto3 clients are thread-safe, but a connection pool
        # inherited through a fork (gunicorn --preload) must not be shared.
        if self._client is None or self._client_pid != os.getpid():
            with self._lock:
                if self._client is None or self._client_pid != os.getpid():
                    import boto3
                    from botocore.config import Config

                    options = {"signature_version": "s3v4", "retries": {"mode": "standard"}}
                    if self.endpoint_url:
                        # Self-hosted servers rarely have a DNS name per bucket.
                        options["s3"] = {"addressing_style": "path"}
                    session = boto3.session.Session()
                    self._client = session.client(
                        "s3", endpoint_url=self.endpoint_url, config=Config(**options)
                    )
                    self._client_pid = os.getpid()
        return self._client

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes, content_type: str, *, replace: bool = False) -> None:
        from botocore.exceptions import ClientError

        arguments = {
            "Bucket": self.bucket,
            "Key": self.object_key(key),
            "Body": data,
            "ContentType": content_type,
        }
        if not replace:
            arguments["IfNoneMatch"] = "*"  # S3 conditional write: refused if the key exists
        try:
            self.client.put_object(**arguments)
        except ClientError as exc:
            if _status(exc) == 412 or _code(exc) in {"PreconditionFailed", "412"}:
                raise KeyExists(f"{key} is already stored.") from exc
            raise

    def open(self, key: str) -> StoredObject:
        from botocore.exceptions import ClientError

        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise KeyNotFound(key) from exc
            raise
        return StoredObject(
            key=key,
            size=found["ContentLength"],
            content_type=found.get("ContentType") or "application/octet-stream",
            body=found["Body"],
            etag=found.get("ETag"),
            last_modified=found.get("LastModified"),
        )

    def delete(self, key: str) -> None:
        # S3 answers 204 for a missing key too.
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise
        return True

    def entries(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        check_prefix(prefix)
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix) :], item["Size"]

    def presigned_url(
        self, key: str, *, expires_in: int, max_age: int | None = None, private: bool = False
    ) -> str:
        params = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if private:
            params["ResponseCacheControl"] = "private, no-store"
        elif max_age is not None:
            params["ResponseCacheControl"] = f"public, max-age={max_age}"
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def serve(self, key: str, *, max_age: int, private: bool = False) -> Response:
        config = current_app.config
        if config.get("STORAGE_SERVE") == "redirect":
            seconds = int(config["STORAGE_PRESIGN_SECONDS"])
            return self._redirect(key, seconds, max_age, private)
        response = self._stream(key, max_age)
        return mark_private(response) if private else response

    def _redirect(self, key: str, seconds: int, max_age: int, private: bool) -> Response:
        # Checked first: an unknown key is a 404 here, not a link to an S3 error page.
        if not self.exists(key):
            raise KeyNotFound(key)
        url = self.presigned_url(key, expires_in=seconds, max_age=max_age, private=private)
        response = cast(Response, redirect(url, code=302))  # the app's response_class
        # The browser may reuse the redirect, never past the link's expiry.
        response.cache_control.private = True
        response.cache_control.max_age = max(seconds // 2, 0)
        return response

    def _stream(self, key: str, max_age: int) -> Response:
        from botocore.exceptions import ClientError

        conditions: dict[str, Any] = {}
        if request.if_none_match:
            conditions["IfNoneMatch"] = request.headers["If-None-Match"]
        elif request.if_modified_since:
            conditions["IfModifiedSince"] = request.if_modified_since
        method = self.client.head_object if request.method == "HEAD" else self.client.get_object
        try:
            found = method(Bucket=self.bucket, Key=self.object_key(key), **conditions)
        except ClientError as exc:
            if _status(exc) == 304 or _code(exc) == "304":
                response = Response(status=304)
                headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
                if headers.get("etag"):
                    response.headers["ETag"] = headers["etag"]
                _cache_for(response, max_age)
                return response
            if _code(exc) in _MISSING:
                raise KeyNotFound(key) from exc
            raise
        body = found.get("Body")
        response = Response(
            body.iter_chunks(CHUNK_SIZE) if body is not None else b"",
            mimetype=found.get("ContentType") or "application/octet-stream",
            direct_passthrough=True,
        )
        if body is not None:
            response.call_on_close(body.close)
        response.content_length = found["ContentLength"]
        if found.get("ETag"):
            response.headers["ETag"] = found["ETag"]
        if found.get("LastModified"):
            response.last_modified = found["LastModified"]
        _cache_for(response, max_age)
        return response


def _cache_for(response: Response, max_age: int) -> None:
    """The same caching headers as Flask's ``send_file`` gives local files."""
    if max_age > 0:
        response.cache_control.public = True
        response.cache_control.max_age = max_age
        response.expires = int(time.time() + max_age)  # type: ignore[assignment]  # a timestamp works
    else:
        response.cache_control.no_cache = True
