"""Large catalog imports run as a job, with a time limit.

A file with more than ``IMPORT_SYNC_MAX_ROWS`` product rows is not imported inside the
request (the API and the import page): it is read once there (so that a broken file is
still refused at once, 413/422), stored privately (``imports/<hex>.csv|xlsx``), and an
``ImportJob`` row is written; ``catalog.run_import`` runs after the commit (a worker, or
in-process without a broker).

The job's moves are each one conditional UPDATE:

- ``queued → running``: the claim; a redelivered or repeated message claims nothing;
- ``running → succeeded``: in the same transaction as the products it wrote, so the
  products land only if the job still was running (not expired meanwhile);
- ``running → failed``: a bad file or row (the report in the synchronous 422's shape),
  the time limit (the importer's ``Deadline`` at ``IMPORT_JOB_TIME_LIMIT_SECONDS``,
  Celery's soft and hard limits above it), the stored file missing, an error of ours;
  nothing written;
- ``queued | running → expired``: the beat task ``catalog.expire_imports`` for a job
  still there ``IMPORT_JOB_EXPIRE_MARGIN_SECONDS`` after its limit (its worker died).

When a job ends, its stored file is deleted after the commit (``storage.delete``, with
retries) and the uploader is notified, in their language.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from marketplace import jobs, transaction
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.catalog import importer
from marketplace.catalog.importer.reading import ZIP_MAGIC
from marketplace.catalog.models import ImportJob, ImportJobStatus
from marketplace.db import rowcount, utcnow
from marketplace.errors import DomainError, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.notifications.services import notify
from marketplace.permissions import COMPANY_SUSPENDED, can_view_supplier_private, is_member_of
from marketplace.storage import KeyNotFound, get_storage
from marketplace.storage.tasks import delete_files
from marketplace.suppliers.models import Supplier

log = logging.getLogger("marketplace.catalog.import_jobs")

# A job's report keeps the errors of this many rows (the first ones); ``failed`` counts all.
REPORT_MAX_ROWS = 200
MESSAGE_CHARS = 1000
# Celery's limits sit above the importer's own Deadline: the soft one raises inside the
# task (then the job fails like at the Deadline), the hard one kills the worker process.
SOFT_LIMIT_MARGIN_SECONDS = 30
HARD_LIMIT_MARGIN_SECONDS = 60
FILENAME_CHARS = 200
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")

ACTIVE = (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)


def job_limits(config: Any) -> dict[str, int]:
    """The ``catalog.run_import`` task's Celery time limits."""
    limit = int(config["IMPORT_JOB_TIME_LIMIT_SECONDS"])
    return {
        "soft_time_limit": limit + SOFT_LIMIT_MARGIN_SECONDS,
        "time_limit": limit + HARD_LIMIT_MARGIN_SECONDS,
    }


def too_slow_message(seconds: float) -> str:
    return (
        f"The import did not finish within {seconds:g} seconds (the limit) and was "
        "stopped; nothing was imported. Split the file into smaller ones."
    )


# In the request ------------------------------------------------------------------------


def import_or_queue(
    supplier: Supplier, user: User, data: bytes, filename: str | None
) -> importer.ImportResult | ImportJob:
    """Import a small file now (the result; flushed, the caller commits), or store a large
    one and queue its job (the job, ``queued``). File-level problems are raised at once
    either way (``read_table``: 413/422), within ``IMPORT_TIME_LIMIT_SECONDS``."""
    config = current_app.config
    deadline = importer.Deadline(config["IMPORT_TIME_LIMIT_SECONDS"])
    table = importer.read_table(data, filename, deadline=deadline)
    if len(table.rows) > config["IMPORT_SYNC_MAX_ROWS"]:
        return queue_import(supplier, user, data, filename, row_count=len(table.rows))
    result = importer.import_table(supplier, table, deadline=deadline)
    audit.record_catalog_import(supplier, result.as_dict(), filename)
    return result


def clean_filename(filename: str | None) -> str:
    return _UNPRINTABLE.sub("", filename or "").strip()[:FILENAME_CHARS] or "catalog"


def queue_import(
    supplier: Supplier, user: User, data: bytes, filename: str | None, *, row_count: int
) -> ImportJob:
    """Store the upload (removed again if the transaction rolls back), write the queued
    job and have ``catalog.run_import`` run it once the transaction commits."""
    is_xlsx = data.startswith(ZIP_MAGIC)
    key = f"imports/{uuid.uuid4().hex}.{'xlsx' if is_xlsx else 'csv'}"
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if is_xlsx
        else "text/csv"
    )
    get_storage().put_in_transaction(key, data, content_type)
    job = ImportJob(
        supplier_id=supplier.id,
        created_by_id=user.id,
        filename=clean_filename(filename),
        storage_key=key,
        status=ImportJobStatus.QUEUED,
        row_count=row_count,
    )
    db.session.add(job)
    db.session.flush()
    jobs.enqueue(run_import, job.id)
    return job


def get_job(job_id: int, user: User) -> ImportJob:
    """The job, for its company's members and admins; 404 for everyone else."""
    job = db.session.get(ImportJob, job_id)
    if job is None or not can_view_supplier_private(user, job.supplier_id):
        raise NotFound("Import not found.")
    return job


def job_view(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "supplier_id": job.supplier_id,
        "created_by_id": job.created_by_id,
        "filename": job.filename,
        "status": job.status.value,
        "rows": job.row_count,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "failed": job.failed_count,
        "errors": job.errors,
        "errors_truncated": bool(job.errors) and job.failed_count > len(job.errors or {}),
        "message": job.message,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


# The job -------------------------------------------------------------------------------


def claim_job(job_id: int) -> bool:
    """``queued → running``; False when the job is not queued (claimed already, ended)."""
    result = db.session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == ImportJobStatus.QUEUED)
        .values(status=ImportJobStatus.RUNNING, started_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def _end(job_id: int, status: ImportJobStatus, *conditions: Any, **values: Any) -> bool:
    """Move the job to ``status`` if it still is where ``conditions`` say; True if it did."""
    result = db.session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job_id, *conditions)
        .values(status=status, finished_at=utcnow(), storage_key=None, **values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def _report(errors: dict[str, Any] | None) -> tuple[dict[str, Any] | None, int]:
    """The errors of the first ``REPORT_MAX_ROWS`` rows (file-level ones first), and how
    many rows had errors."""
    if not errors:
        return None, 0

    def order(key: str) -> tuple[int, int, str]:
        return (1, int(key), "") if key.isdigit() else (0, 0, key)

    keys = sorted(errors, key=order)
    rows = sum(1 for key in keys if key.isdigit())
    return {key: errors[key] for key in keys[:REPORT_MAX_ROWS]}, rows


@jobs.task("catalog.run_import", options=job_limits)
def run_import(job_id: int) -> str | None:
    """Claim the job and import its file, all or nothing; returns the status it ended in
    (None when there was nothing to claim)."""
    if not claim_job(job_id):
        return None
    transaction.commit()  # "running" is visible, and a second message claims nothing
    job = db.session.get_one(ImportJob, job_id)
    key, filename = job.storage_key, job.filename
    limit = current_app.config["IMPORT_JOB_TIME_LIMIT_SECONDS"]
    failure: tuple[str, dict[str, Any] | None] | None = None
    try:
        if not job.supplier.is_active:  # suspended since the upload: its catalog is frozen
            raise Forbidden(COMPANY_SUSPENDED)
        data = get_storage().read(key) if key else None
        if data is None:
            raise KeyNotFound(key)
        result = importer.import_catalog(job.supplier, data, filename, time_limit=limit)
    except DomainError as exc:
        failure = (exc.message, exc.errors)
    except SoftTimeLimitExceeded:
        failure = (too_slow_message(limit), None)
    except KeyNotFound:
        failure = ("The uploaded file is gone; nothing was imported. Upload it again.", None)
    except Exception:
        log.exception("import job %s failed", job_id)
        failure = (
            "The import stopped because of an error on our side; nothing was imported. "
            "Try again later.",
            None,
        )
    running = ImportJob.status == ImportJobStatus.RUNNING
    if failure is not None:
        transaction.rollback()  # whatever the import had flushed
        message, errors = failure
        report, failed_rows = _report(errors)
        ended = _end(
            job_id,
            ImportJobStatus.FAILED,
            running,
            message=message[:MESSAGE_CHARS],
            errors=report,
            failed_count=failed_rows,
        )
        status = ImportJobStatus.FAILED
    else:
        ended = _end(
            job_id,
            ImportJobStatus.SUCCEEDED,
            running,
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            message=None,
            errors=None,
        )
        status = ImportJobStatus.SUCCEEDED
        if ended:
            audit.record_catalog_import(
                job.supplier, result.as_dict(), filename, actor=job.created_by
            )
    if not ended:
        # Expired while it ran: the expiry told the uploader; none of this may land.
        transaction.rollback()
        return None
    _after_end(job_id, key)
    return status.value


@jobs.task("catalog.expire_imports")
def expire_imports() -> int:
    """Mark as expired the jobs still queued or running ``IMPORT_JOB_EXPIRE_MARGIN_SECONDS``
    after their time limit, remove their files and tell their uploaders; returns how many."""
    config = current_app.config
    age = config["IMPORT_JOB_TIME_LIMIT_SECONDS"] + config["IMPORT_JOB_EXPIRE_MARGIN_SECONDS"]
    cutoff = utcnow() - timedelta(seconds=age)
    stuck = sa.or_(
        sa.and_(ImportJob.status == ImportJobStatus.QUEUED, ImportJob.created_at < cutoff),
        sa.and_(ImportJob.status == ImportJobStatus.RUNNING, ImportJob.started_at < cutoff),
    )
    candidates = db.session.execute(sa.select(ImportJob.id, ImportJob.storage_key).where(stuck))
    expired = 0
    message = (
        "The import did not finish in time (no worker ran it to the end); nothing was "
        "imported. Upload the file again."
    )
    for job_id, key in candidates.all():
        if _end(job_id, ImportJobStatus.EXPIRED, stuck, message=message):
            expired += 1
            _after_end(job_id, key)
    return expired


def _after_end(job_id: int, key: str | None) -> None:
    """The ended job's file goes after the commit; its uploader is told."""
    if key:
        jobs.enqueue(delete_files, [key])
    job = db.session.get_one(ImportJob, job_id)
    db.session.refresh(job)
    uploader = job.created_by
    if uploader is None or not is_member_of(uploader, job.supplier_id):
        return
    with force_locale(uploader.locale or "en"):
        title, body = _notification_text(job)
    notify(
        [uploader],
        "catalog.import",
        title,
        body,
        link=f"/dashboard/imports/{job.id}",
        subject={"import_id": job.id, "status": job.status.value},
    )


def _notification_text(job: ImportJob) -> tuple[str, str]:
    if job.status == ImportJobStatus.SUCCEEDED:
        return (
            _("Your catalog import is done: %(filename)s", filename=job.filename),
            _(
                "%(created)d products created, %(updated)d updated (%(unchanged)d of them "
                "unchanged).",
                created=job.created_count,
                updated=job.updated_count,
                unchanged=job.unchanged_count,
            ),
        )
    if job.status == ImportJobStatus.FAILED:
        return (
            _("Your catalog import failed: %(filename)s", filename=job.filename),
            _("Nothing was imported. The report lists every problem."),
        )
    return (
        _("Your catalog import did not finish: %(filename)s", filename=job.filename),
        _("It ran out of time and nothing was imported. Upload the file again."),
    )
