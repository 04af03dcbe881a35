"""Deleting stored files as a job: a store that is down (S3 unreachable) gets retries, and
a deletion that keeps failing is recorded for the admins instead of an orphan file that
nobody hears of."""

from __future__ import annotations

from marketplace import jobs
from marketplace.storage import get_storage


@jobs.task("storage.delete")
def delete_files(keys: list[str]) -> None:
    """Delete these keys from the app's store (a key already gone is fine)."""
    storage = get_storage()
    for key in keys:
        storage.delete(key)
