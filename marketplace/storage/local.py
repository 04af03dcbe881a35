"""Files in a directory (``UPLOAD_DIR``): the embedded default, one machine only."""

from __future__ import annotations

import contextlib
import mimetypes
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Response, send_file

from marketplace.storage import (
    KeyExists,
    KeyNotFound,
    Storage,
    StoredObject,
    check_key,
    check_prefix,
    mark_private,
)


def content_type_of(key: str) -> str:
    """The local backend keeps no metadata: the type follows the key's extension."""
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


class LocalStorage(Storage):
    def __init__(self, root: str):
        self.root = os.path.abspath(root)

    def __repr__(self) -> str:
        return f"<LocalStorage {self.root}>"

    def describe(self) -> str:
        return self.root

    def path(self, key: str) -> str:
        return os.path.join(self.root, *check_key(key).split("/"))

    def put(self, key: str, data: bytes, content_type: str, *, replace: bool = False) -> None:
        path = self.path(key)
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        # Written under a hidden temporary name, then linked into place: a reader never
        # sees half a file, and the link fails if the name is taken (no overwrite).
        temporary = os.path.join(directory, f".tmp-{secrets.token_hex(8)}")
        try:
            with open(temporary, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if replace:
                os.replace(temporary, path)
                return
            try:
                os.link(temporary, path)
            except FileExistsError as exc:
                raise KeyExists(f"{key} is already stored.") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)

    def open(self, key: str) -> StoredObject:
        path = self.path(key)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - the StoredObject closes it
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise KeyNotFound(key) from exc
        stat = os.fstat(handle.fileno())
        return StoredObject(
            key=key,
            size=stat.st_size,
            content_type=content_type_of(key),
            body=handle,
            last_modified=datetime.fromtimestamp(stat.st_mtime, UTC),
        )

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            os.unlink(self.path(key))

    def exists(self, key: str) -> bool:
        return os.path.isfile(self.path(key))

    def entries(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        check_prefix(prefix)
        start = os.path.join(self.root, *prefix.split("/")[:-1]) if prefix else self.root
        found = []
        for directory, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            relative = os.path.relpath(directory, self.root).replace(os.sep, "/")
            for name in filenames:
                key = name if relative == "." else f"{relative}/{name}"
                if name.startswith(".") or not _is_key(key):
                    continue
                with contextlib.suppress(FileNotFoundError):  # deleted while listing
                    found.append((key, os.path.getsize(os.path.join(directory, name))))
        yield from sorted(found)

    def serve(self, key: str, *, max_age: int, private: bool = False) -> Response:
        path = self.path(key)
        if not os.path.isfile(path):
            raise KeyNotFound(key)
        # send_file: ETag, Last-Modified, 304 on a conditional request, byte ranges.
        response = send_file(
            path, mimetype=content_type_of(key), max_age=0 if private else max_age, conditional=True
        )
        return mark_private(response) if private else response


def _is_key(key: str) -> bool:
    try:
        check_key(key)
    except ValueError:
        return False
    return True
