"""Large imports run as a job with a time limit (catalog/import_jobs.py).

A file with more than IMPORT_SYNC_MAX_ROWS product rows is stored and imported by the
``catalog.run_import`` job: the API answers 202 with the job and its Location, the page
redirects to the job's page; smaller files are imported in the request as before. The
job claims itself once, writes all or nothing, fails with a clear message past its time
limit, deletes the stored file and tells the uploader; jobs stuck past their limit are
expired by ``catalog.expire_imports``. The last test runs one on a real Celery worker
(the real Redis: TEST_REDIS_URL).

Jobs run in-process after the commit in these tests (no broker); ``held_jobs`` keeps
them queued instead, so a test can look at a queued job and run it itself.
"""

from __future__ import annotations

import io
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import schemathesis
import sqlalchemy as sa
from celery.exceptions import SoftTimeLimitExceeded

from marketplace import jobs, transaction
from marketplace.audit.models import AuditEntry
from marketplace.catalog import import_jobs
from marketplace.catalog.models import ImportJob, ImportJobStatus, Product
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.storage import get_storage
from marketplace.suppliers.models import SupplierStatus
from tests.catalog.support import catalog_rows, count
from tests.catalog.test_import_export import csv_bytes, row, upload
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)
from tests.jobs.test_celery_worker import (
    REDIS_URL,
    needs_redis,
    queued_task_names,
    redis_client,
    start_worker,
    wait_for,
)

SYNC_MAX_ROWS = 3
HTML = {"Accept": "text/html"}


@pytest.fixture(autouse=True)
def small_sync_limit(app, monkeypatch):
    """Files above 3 rows are jobs here (IMPORT_SYNC_MAX_ROWS, 1,000 by default)."""
    monkeypatch.setitem(app.config, "IMPORT_SYNC_MAX_ROWS", SYNC_MAX_ROWS)


@pytest.fixture
def held_jobs(monkeypatch):
    """Queued tasks are kept here instead of running after the commit."""
    held: list[tuple[str, list]] = []
    monkeypatch.setattr(
        jobs, "dispatch", lambda name, args, kwargs: held.append((name, list(args)))
    )
    return held


@pytest.fixture
def new_uploads():
    """The stored import files this test left (the store outlives each test's rollback)."""
    before = set(get_storage().keys("imports/"))
    return lambda: sorted(set(get_storage().keys("imports/")) - before)


@pytest.fixture
def owner():
    return SupplierOwnerFactory()


@pytest.fixture
def client(login_as, owner):
    return login_as(owner)


def big_file(count_: int = SYNC_MAX_ROWS + 2, prefix: str = "BIG") -> bytes:
    return csv_bytes([row(sku=f"{prefix}-{n}") for n in range(count_)])


def products_of(supplier_id: int) -> int:
    return count(Product, Product.supplier_id == supplier_id)


def the_job() -> ImportJob:
    (job,) = db.session.scalars(sa.select(ImportJob))
    db.session.refresh(job)
    return job


def run(job_id: int) -> str | None:
    """Run the job as a worker would: its own unit of work."""
    status = import_jobs.run_import(job_id)
    transaction.commit()
    return status


# The request: 202, the stored file, the row; small files unchanged ------------------------


def test_a_large_file_is_stored_and_queued_202_with_the_job_and_its_location(
    client, owner, held_jobs
):
    before = catalog_rows()
    response = upload(client, big_file(), "summer catalog.csv")

    assert response.status_code == 202, response.json
    body = response.json
    assert response.headers["Location"] == f"/api/v1/catalog/imports/{body['id']}"
    assert body["status"] == "queued"
    assert body["rows"] == SYNC_MAX_ROWS + 2
    assert (body["supplier_id"], body["created_by_id"]) == (owner.supplier_id, owner.id)
    assert body["filename"] == "summer catalog.csv"
    assert body["started_at"] is None and body["finished_at"] is None
    assert held_jobs == [("catalog.run_import", [body["id"]])]

    job = the_job()
    assert (job.status, job.supplier_id, job.created_by_id) == (
        ImportJobStatus.QUEUED,
        owner.supplier_id,
        owner.id,
    )
    assert job.storage_key.startswith("imports/")
    assert get_storage().read(job.storage_key) == big_file()
    assert catalog_rows() == before  # nothing imported in the request
    assert client.get(response.headers["Location"]).json == body


def test_a_small_file_is_still_imported_in_the_request(client, owner, held_jobs):
    response = upload(client, big_file(SYNC_MAX_ROWS))
    assert response.status_code == 201, response.json
    assert response.json == {"created": SYNC_MAX_ROWS, "updated": 0, "unchanged": 0}
    assert count(ImportJob) == 0 and held_jobs == []

    bad = csv_bytes([row(sku="A"), row(sku="B", moq="lots")])
    response = upload(client, bad)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["3"]
    assert count(ImportJob) == 0


def test_a_broken_large_file_is_refused_at_once(client, held_jobs):
    data = csv_bytes([{"sku": f"X-{n}"} for n in range(10)], columns=["sku"])
    response = upload(client, data)
    assert response.status_code == 422
    assert "Required column(s) missing" in response.json["message"]
    assert count(ImportJob) == 0 and held_jobs == []


# The job's result ------------------------------------------------------------------------


def test_the_job_imports_the_file_and_reports_succeeded(client, owner, new_uploads):
    location = upload(client, big_file()).headers["Location"]  # the job ran after the commit

    body = client.get(location).json
    assert body["status"] == "succeeded"
    assert (body["created"], body["updated"], body["failed"]) == (SYNC_MAX_ROWS + 2, 0, 0)
    assert body["errors"] is None and body["message"] is None
    assert body["started_at"] and body["finished_at"]
    assert products_of(owner.supplier_id) == SYNC_MAX_ROWS + 2
    assert the_job().storage_key is None
    assert new_uploads() == []  # the stored upload is gone
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "catalog.import")
    )
    assert entry.actor_id == owner.id and entry.details["created"] == SYNC_MAX_ROWS + 2
    (note,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == owner.id))
    assert note.title == "Your catalog import is done: catalog.csv"
    assert note.link == f"/dashboard/imports/{body['id']}"
    assert count(OutboxEmail, OutboxEmail.notification_id == note.id) == 1


def test_a_bad_row_fails_the_job_with_the_synchronous_report_and_writes_nothing(
    app, monkeypatch, client, owner
):
    rows = [row(sku=f"R-{n}") for n in range(6)]
    rows[2]["moq"] = "lots"
    rows[4]["category"] = "socks"
    before = catalog_rows()

    body = client.get(upload(client, csv_bytes(rows)).headers["Location"]).json

    assert body["status"] == "failed"
    assert body["failed"] == 2 and body["errors_truncated"] is False
    assert "nothing was imported" in body["message"]
    assert catalog_rows() == before
    monkeypatch.setitem(app.config, "IMPORT_SYNC_MAX_ROWS", 1000)
    synchronous = upload(client, csv_bytes(rows))
    assert synchronous.status_code == 422
    assert body["errors"] == synchronous.json["errors"]  # the same report, the same shape
    assert list(body["errors"]) == ["4", "6"]
    (note,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == owner.id))
    assert note.title == "Your catalog import failed: catalog.csv"


def test_the_report_keeps_the_first_rows_and_counts_them_all(monkeypatch, client):
    monkeypatch.setattr(import_jobs, "REPORT_MAX_ROWS", 3)
    rows = [row(sku=f"M-{n}", moq="lots") for n in range(12)]
    body = client.get(upload(client, csv_bytes(rows)).headers["Location"]).json
    assert body["failed"] == 12 and body["errors_truncated"] is True
    assert list(body["errors"]) == ["2", "3", "4"]


def test_the_202_and_the_job_are_what_the_openapi_document_says(client):
    """Schemathesis' own response validation on a real 202 and real jobs: the fuzzer of
    tests/test_schemathesis.py calls both operations, but can hardly draw a file above
    IMPORT_SYNC_MAX_ROWS rows, or an existing job's id."""
    spec = client.get("/api/v1/openapi.json").json
    schema = schemathesis.openapi.from_dict(spec)
    post = spec["paths"]["/api/v1/catalog/import"]["post"]
    # No OpenAPI link: the stateful run could not follow it (no fuzzed file reaches a job).
    assert "Location" in post["responses"]["202"]["headers"]
    get_job = schema["/api/v1/catalog/imports/{import_id}"]["GET"]

    accepted = upload(client, big_file())
    assert accepted.status_code == 202
    schema["/api/v1/catalog/import"]["POST"].validate_response(accepted)
    succeeded = client.get(accepted.headers["Location"])
    assert succeeded.json["status"] == "succeeded"
    get_job.validate_response(succeeded)

    rows = [row(sku=f"V-{n}", moq="lots" if n == 2 else "500") for n in range(5)]
    failed = client.get(upload(client, csv_bytes(rows)).headers["Location"])
    assert failed.json["status"] == "failed" and failed.json["errors"]
    get_job.validate_response(failed)
    get_job.validate_response(client.get("/api/v1/catalog/imports/2147483647"))  # the 404


# Who may read a job -----------------------------------------------------------------------


def test_only_the_company_members_and_admins_read_a_job(login_as, make_api, owner, client):
    location = upload(client, big_file()).headers["Location"]
    staff = SupplierStaffFactory(supplier=owner.supplier)
    assert login_as(staff).get(location).status_code == 200
    assert login_as(AdminFactory()).get(location).status_code == 200
    for stranger in (SupplierOwnerFactory(), BuyerFactory()):
        response = login_as(stranger).get(location)
        assert response.status_code == 404
        assert response.json["message"] == "Import not found."
    assert make_api().get(location).status_code == 401
    assert client.get("/api/v1/catalog/imports/999999").status_code == 404


# The claim, the time limit, the expiry -------------------------------------------------


def test_a_second_claim_does_nothing(client, owner, held_jobs):
    job_id = upload(client, big_file()).json["id"]
    ((name, args),) = held_jobs
    assert (name, args) == ("catalog.run_import", [job_id])

    assert run(job_id) == "succeeded"
    assert run(job_id) is None  # a redelivered message: nothing to claim
    assert import_jobs.claim_job(job_id) is False

    assert products_of(owner.supplier_id) == SYNC_MAX_ROWS + 2
    assert count(Notification, Notification.user_id == owner.id) == 1
    assert count(AuditEntry, AuditEntry.action == "catalog.import") == 1


def test_a_running_job_is_not_claimed_again(client, owner, held_jobs):
    job_id = upload(client, big_file()).json["id"]
    assert import_jobs.claim_job(job_id) is True
    transaction.commit()
    assert run(job_id) is None
    assert the_job().status == ImportJobStatus.RUNNING
    assert products_of(owner.supplier_id) == 0


def test_a_job_that_stopped_running_meanwhile_writes_nothing(monkeypatch, client, owner, held_jobs):
    """The expiry may mark a slow job expired while its import still runs: what the import
    wrote must not land (the finish is conditional on the job still running)."""
    job_id = upload(client, big_file()).json["id"]
    original = import_jobs.importer.import_catalog

    def expired_meanwhile(*args, **kwargs):
        result = original(*args, **kwargs)
        db.session.execute(  # as the beat task would, from another process
            sa.update(ImportJob).where(ImportJob.id == job_id).values(status="expired")
        )
        return result

    monkeypatch.setattr(import_jobs.importer, "import_catalog", expired_meanwhile)

    assert run(job_id) is None
    assert products_of(owner.supplier_id) == 0
    assert count(Notification, Notification.user_id == owner.id) == 0
    assert count(AuditEntry, AuditEntry.action == "catalog.import") == 0


def test_a_job_over_its_time_limit_fails_and_writes_no_products(
    app, monkeypatch, client, owner, new_uploads
):
    monkeypatch.setitem(app.config, "IMPORT_JOB_TIME_LIMIT_SECONDS", 0)
    before = catalog_rows()

    body = client.get(upload(client, big_file()).headers["Location"]).json

    assert body["status"] == "failed"
    assert body["message"] == (
        "The import did not finish within 0 seconds (the limit) and was stopped; nothing "
        "was imported. Split the file into smaller ones."
    )
    assert body["errors"] == {"file": [body["message"]]}
    assert catalog_rows() == before
    assert new_uploads() == []


def test_celerys_soft_limit_after_products_were_flushed_leaves_none(monkeypatch, client, owner):
    """The worker's soft time limit may strike anywhere, e.g. right after the import has
    flushed every product and before the job is marked: the job fails and not one of
    them stays."""
    original = import_jobs.importer.import_catalog

    def then_out_of_time(*args, **kwargs):
        original(*args, **kwargs)
        assert products_of(owner.supplier_id) == SYNC_MAX_ROWS + 2  # they were written
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(import_jobs.importer, "import_catalog", then_out_of_time)
    before = catalog_rows()

    body = client.get(upload(client, big_file()).headers["Location"]).json

    assert body["status"] == "failed"
    assert body["message"].startswith("The import did not finish within 300 seconds")
    assert catalog_rows() == before


def test_a_company_suspended_before_its_job_ran_imports_nothing(client, owner, held_jobs):
    job_id = upload(client, big_file()).json["id"]
    owner.supplier.status = SupplierStatus.SUSPENDED
    transaction.commit()

    assert run(job_id) == "failed"
    assert the_job().message.startswith("Your company is suspended")
    assert products_of(owner.supplier_id) == 0


def test_job_time_limits_for_the_worker(app):
    options = import_jobs.job_limits(app.config)
    assert options == {"soft_time_limit": 330, "time_limit": 360}
    task = app.extensions["celery"].tasks["catalog.run_import"]
    assert (task.soft_time_limit, task.time_limit) == (330, 360)


def stored_job(supplier, user, status, *, age_minutes: int, name: str) -> ImportJob:
    key = f"imports/{name}-{uuid.uuid4().hex[:8]}.csv"
    get_storage().put(key, b"sku\n", "text/csv")
    when = utcnow() - timedelta(minutes=age_minutes)
    job = ImportJob(
        supplier_id=supplier.id,
        created_by_id=user.id,
        filename=f"{name}.csv",
        storage_key=key,
        status=status,
        created_at=when,
        started_at=when if status != ImportJobStatus.QUEUED else None,
    )
    db.session.add(job)
    db.session.flush()
    return job


def test_jobs_stuck_past_their_limit_expire_and_lose_their_files(owner, new_uploads):
    # limit 300 s + margin 300 s: stuck after 10 minutes
    supplier = owner.supplier
    old_queued = stored_job(supplier, owner, ImportJobStatus.QUEUED, age_minutes=11, name="q-old")
    old_running = stored_job(supplier, owner, ImportJobStatus.RUNNING, age_minutes=11, name="r-old")
    recent = stored_job(supplier, owner, ImportJobStatus.RUNNING, age_minutes=5, name="r-new")
    done = stored_job(supplier, owner, ImportJobStatus.SUCCEEDED, age_minutes=60, name="done")
    kept = sorted([recent.storage_key, done.storage_key])
    transaction.commit()

    assert import_jobs.expire_imports() == 2
    transaction.commit()

    status = dict(db.session.execute(sa.select(ImportJob.id, ImportJob.status)).tuples().all())
    assert status == {
        old_queued.id: ImportJobStatus.EXPIRED,
        old_running.id: ImportJobStatus.EXPIRED,
        recent.id: ImportJobStatus.RUNNING,
        done.id: ImportJobStatus.SUCCEEDED,
    }
    assert new_uploads() == kept
    titles = db.session.scalars(sa.select(Notification.title).order_by(Notification.id))
    assert list(titles) == [
        "Your catalog import did not finish: q-old.csv",
        "Your catalog import did not finish: r-old.csv",
    ]
    assert import_jobs.expire_imports() == 0  # the second run finds nothing
    assert run(old_queued.id) is None  # its message, delivered late, claims nothing


def test_the_expiry_runs_every_five_minutes(app):
    schedule = app.extensions["celery"].conf.beat_schedule["catalog-expire-imports"]
    assert schedule["task"] == "catalog.expire_imports"
    assert schedule["schedule"].remaining_estimate(utcnow()) <= timedelta(minutes=5)


# The pages -----------------------------------------------------------------------------


def page_upload(page, data: bytes, filename: str = "catalog.csv"):
    return page.post(
        "/dashboard/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers=HTML,
    )


def test_the_page_sends_a_large_file_to_its_job_page_which_reloads_until_done(
    client, owner, held_jobs
):
    response = page_upload(client, big_file())
    assert response.status_code == 302
    job = the_job()
    assert response.headers["Location"] == f"/dashboard/imports/{job.id}"

    page = client.get(f"/dashboard/imports/{job.id}", headers=HTML)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "Waiting to start" in html

    run(job.id)
    html = client.get(f"/dashboard/imports/{job.id}", headers=HTML).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    assert "Imported: 5 new products, 0 updated." in html


def test_the_job_page_shows_the_report_in_chinese(client, owner):
    rows = [row(sku=f"Z-{n}") for n in range(5)]
    rows[1]["moq"] = "lots"
    page_upload(client, csv_bytes(rows))
    job = the_job()
    client.client.set_cookie("mp_lang", "zh")
    html = client.get(f"/dashboard/imports/{job.id}", headers=HTML).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    assert "导入失败" in html  # Failed: nothing was imported
    assert "<td>3</td><td><code>moq</code></td>" in html


def test_the_job_page_of_an_expired_job_and_of_a_failed_one_without_rows(client, owner):
    expired = stored_job(owner.supplier, owner, ImportJobStatus.EXPIRED, age_minutes=30, name="e")
    failed = stored_job(owner.supplier, owner, ImportJobStatus.FAILED, age_minutes=30, name="f")
    failed.message = "The uploaded file is gone; nothing was imported. Upload it again."
    transaction.commit()

    html = client.get(f"/dashboard/imports/{expired.id}", headers=HTML).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    assert "The import did not finish in time and was stopped" in html
    html = client.get(f"/dashboard/imports/{failed.id}", headers=HTML).get_data(as_text=True)
    assert "The uploaded file is gone; nothing was imported." in html


def test_the_job_page_is_404_for_another_company(login_as, client):
    page_upload(client, big_file())
    job = the_job()
    other = login_as(SupplierOwnerFactory())
    assert other.get(f"/dashboard/imports/{job.id}", headers=HTML).status_code == 404


def test_the_uploader_is_told_in_their_language(login_as):
    owner = SupplierOwnerFactory(locale="zh")
    client = login_as(owner)
    upload(client, big_file())
    (note,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == owner.id))
    assert note.title == "您的商品导入已完成\uff1acatalog.csv"  # a full-width colon


@pytest.mark.real_commits
def test_the_same_job_run_four_times_at_once_imports_once(make_app, monkeypatch):
    """Four deliveries of one job's message racing (real commits, on a database of its
    own): one claims and imports, the other three claim nothing."""
    held: list[list] = []
    monkeypatch.setattr(jobs, "dispatch", lambda name, args, kwargs: held.append(list(args)))
    dedicated = make_app(IMPORT_SYNC_MAX_ROWS=SYNC_MAX_ROWS)
    app = dedicated.app
    with app.app_context():
        owner = SupplierOwnerFactory()
        transaction.commit()
        email, owner_id, supplier_id = owner.email, owner.id, owner.supplier_id
    api = dedicated.api()
    assert api.login(email).status_code == 200
    assert upload(api, big_file()).status_code == 202
    ((job_id,),) = held
    barrier = threading.Barrier(4)
    claims: list[bool] = []
    claim = import_jobs.claim_job

    def counted_claim(job: int) -> bool:
        claims.append(claim(job))
        return claims[-1]

    monkeypatch.setattr(import_jobs, "claim_job", counted_claim)

    def deliver(_n: int) -> str | None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                status = import_jobs.run_import(job_id)
                transaction.commit()
                return status
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(deliver, range(4)))

    assert sorted(claims) == [False, False, False, True]
    assert sorted(outcomes, key=str) == [None, None, None, "succeeded"]
    assert dedicated.count("products", "supplier_id = :s", s=supplier_id) == SYNC_MAX_ROWS + 2
    assert dedicated.count("notifications", "user_id = :u", u=owner_id) == 1
    assert dedicated.count("audit_log", "action = 'catalog.import'") == 1


# A real worker ---------------------------------------------------------------------------


@pytest.fixture
def queue():
    """A broker queue of this test's own."""
    name = f"test-imports-{uuid.uuid4().hex[:10]}"
    yield name
    redis_client().delete(name)


@needs_redis
@pytest.mark.real_commits
def test_a_celery_worker_runs_an_import_job_end_to_end(make_app, queue):
    """The upload is queued on the real Redis, a worker process claims the job, imports
    the file, deletes it and tells the uploader."""
    dedicated = make_app(
        CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=queue, IMPORT_SYNC_MAX_ROWS=SYNC_MAX_ROWS
    )
    app = dedicated.app
    with app.app_context():
        owner = SupplierOwnerFactory()
        transaction.commit()
        email, owner_id, supplier_id = owner.email, owner.id, owner.supplier_id
    api = dedicated.api()
    assert api.login(email).status_code == 200

    response = upload(api, big_file(), "worker catalog.csv")
    assert response.status_code == 202, response.json
    location = response.headers["Location"]
    assert queued_task_names(queue) == ["catalog.run_import"]
    uploads = app.config["UPLOAD_DIR"]
    with app.app_context():
        (key,) = get_storage().keys("imports/")

    worker = start_worker(dedicated, queue, UPLOAD_DIR=uploads, IMPORT_SYNC_MAX_ROWS=SYNC_MAX_ROWS)
    try:
        body = wait_for(
            lambda: (job := api.get(location).json)["status"] not in ("queued", "running") and job,
            seconds=60,
        )
    finally:
        worker.kill()
        output, _ = worker.communicate(timeout=10)
    assert body, output
    assert body["status"] == "succeeded", (body, output)
    assert (body["created"], body["failed"]) == (SYNC_MAX_ROWS + 2, 0)
    assert dedicated.count("products", "supplier_id = :s", s=supplier_id) == SYNC_MAX_ROWS + 2
    assert dedicated.count("notifications", "user_id = :u", u=owner_id) == 1
    with app.app_context():
        assert not get_storage().exists(key)
    assert queued_task_names(queue) == []
