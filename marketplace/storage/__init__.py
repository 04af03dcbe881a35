"""One interface for every uploaded file: product images now, order documents and
message attachments later.

Two backends: the local filesystem under ``UPLOAD_DIR`` (the embedded default, so
``make run`` needs nothing else) and an S3-compatible object store named by
``STORAGE_URL=s3://bucket/prefix``, so that several machines see the same files.
A key is a relative path such as ``products/<32 hex>.jpg``; the application never
builds a filesystem path or an S3 key itself.

Writes and deletions follow the database transaction (``marketplace.transaction``):
``put_in_transaction`` removes the file again if the transaction rolls back, and
``delete_after_commit`` deletes only once the commit has happened, so a rolled-back
request never leaves a row pointing at a missing file, nor a file no row points at.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from flask import Flask, Response, current_app

# Each segment starts with a letter, digit, "_" or "-": no "..", no hidden files (the
# local backend's temporary files start with a dot and are never keys).
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}){0,7}$")
_PREFIX = re.compile(r"^([A-Za-z0-9_-][A-Za-z0-9._-]{0,127}/){0,8}$")
CHUNK_SIZE = 64 * 1024
EXTENSION = "storage"


class StorageError(Exception):
    """Base of the storage errors."""


class InvalidKey(StorageError, ValueError):
    """The key is not a relative path of safe segments."""


class KeyNotFound(StorageError, LookupError):
    """No object is stored under the key."""


class KeyExists(StorageError, FileExistsError):
    """``put`` refuses to replace an object that is already stored."""


def check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidKey(f"Not a storage key: {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: empty, or whole segments ending in ``/``."""
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise InvalidKey(f"Not a storage prefix: {prefix!r}")
    return prefix


@dataclass
class StoredObject:
    """An open stored file; close it (or use ``with``) when done."""

    key: str
    size: int
    content_type: str
    body: BinaryIO
    etag: str | None = None
    last_modified: datetime | None = None
    _closed: bool = field(default=False, repr=False)

    def read(self) -> bytes:
        return self.body.read()

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[bytes]:
        while chunk := self.body.read(size):
            yield chunk

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.body.close()

    def __enter__(self) -> StoredObject:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class Storage(ABC):
    """What every backend does.  ``put`` never overwrites; ``delete`` of a missing key
    is not an error (deletions are retried and run after commits)."""

    @abstractmethod
    def put(self, key: str, data: bytes, content_type: str, *, replace: bool = False) -> None:
        """Store ``data`` under ``key``; raise ``KeyExists`` if something is there
        (``replace=True`` is for maintenance tools such as ``flask storage copy``)."""

    @abstractmethod
    def open(self, key: str) -> StoredObject:
        """Open the object for streaming; raise ``KeyNotFound``."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object if it exists."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def entries(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """Every ``(key, size)`` under ``prefix`` (``""`` or ``"products/"``), in key order."""

    @abstractmethod
    def serve(self, key: str, *, max_age: int, private: bool = False) -> Response:
        """A response with the object's bytes (or a redirect to them); ``KeyNotFound``.
        Cacheable by anyone for ``max_age`` seconds, or with ``private`` by no cache at
        all (``no_store``): for files only some users may see."""

    @abstractmethod
    def describe(self) -> str:
        """Where the files live, for logs and command output."""

    def read(self, key: str) -> bytes:
        with self.open(key) as stored:
            return stored.read()

    def keys(self, prefix: str = "") -> Iterator[str]:
        for key, _size in self.entries(prefix):
            yield key

    def put_in_transaction(self, key: str, data: bytes, content_type: str) -> None:
        """``put``, undone if the current database transaction rolls back."""
        from marketplace import transaction

        self.put(key, data, content_type)
        transaction.on_rollback(lambda: self.delete(key))

    def delete_after_commit(self, key: str) -> None:
        """Delete once the current transaction has committed; never if it rolls back."""
        from marketplace import transaction

        check_key(key)
        transaction.after_commit(lambda: self.delete(key))


def mark_private(response: Response) -> Response:
    """Keep ``response`` out of every cache (shared or the browser's)."""
    response.cache_control.public = False
    response.cache_control.max_age = None
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.expires = None
    return response


def storage_from_config(config) -> Storage:
    """The backend ``STORAGE_URL`` names: empty for ``UPLOAD_DIR``, else ``s3://bucket/prefix``."""
    url = (config.get("STORAGE_URL") or "").strip()
    if not url:
        from marketplace.storage.local import LocalStorage

        return LocalStorage(config["UPLOAD_DIR"])
    from marketplace.storage.s3 import S3Storage

    return S3Storage.from_url(url, endpoint_url=config.get("S3_ENDPOINT_URL") or None)


def init_app(app: Flask) -> None:
    """Bind the configured backend to the app (a bad ``STORAGE_URL`` fails at start)."""
    serve = app.config.get("STORAGE_SERVE", "stream")
    if serve not in {"stream", "redirect"}:
        raise RuntimeError(f"STORAGE_SERVE must be 'stream' or 'redirect', not {serve!r}")
    app.extensions[EXTENSION] = storage_from_config(app.config)


def get_storage() -> Storage:
    """The current app's storage."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if EXTENSION not in app.extensions:
        init_app(app)
    return app.extensions[EXTENSION]
