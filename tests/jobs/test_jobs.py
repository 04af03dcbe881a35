"""Jobs without a broker (the embedded default): queued work runs in-process right after
the commit and never for a rolled-back change; a task that fails is recorded for the
admins, who see it on /admin/jobs and with ``flask jobs`` and may run it again."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace import jobs, transaction
from marketplace.extensions import db
from marketplace.jobs.models import FailedTask
from marketplace.notifications.models import Notification
from tests.factories import AdminFactory, BuyerFactory, SupplierOwnerFactory
from tests.moderation.conftest import audit_rows

HTML = {"Accept": "text/html"}
runs: list[tuple] = []
failing = {"left": 0}


@jobs.task("tests.record")
def record_task(value, *, note=""):
    runs.append((value, note))
    db.session.add(Notification(user_id=value, kind="test.job", title=f"job {note}"))


@jobs.task("tests.flaky")
def flaky_task(value):
    if failing["left"] > 0:
        failing["left"] -= 1
        raise RuntimeError(f"the factory's ERP is down ({value})")
    runs.append((value, "flaky"))


def setup_function():
    runs.clear()
    failing["left"] = 0


def notes(user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.title)
            .where(Notification.user_id == user.id, Notification.kind == "test.job")
            .order_by(Notification.id)
        )
    )


def failed_tasks() -> list[FailedTask]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(FailedTask).order_by(FailedTask.id)))


def test_a_queued_task_runs_after_the_commit_and_its_writes_land(app):
    user = BuyerFactory()
    transaction.commit()
    jobs.enqueue(record_task, user.id, note="after commit")
    assert runs == []  # not before the commit
    transaction.commit()
    assert runs == [(user.id, "after commit")]
    assert notes(user) == ["job after commit"]


def test_a_rolled_back_change_queues_nothing(app):
    user = BuyerFactory()
    transaction.commit()
    jobs.enqueue(record_task, user.id, note="never")
    transaction.rollback()
    transaction.commit()
    assert runs == []
    assert notes(user) == []


def test_an_unknown_task_is_refused_at_once(app):
    try:
        jobs.enqueue("tests.nobody", 1)
    except LookupError as exc:
        assert "tests.nobody" in str(exc)
    else:
        raise AssertionError("enqueue accepted a task that does not exist")


def test_a_failing_task_is_recorded_and_its_writes_undone(app):
    user = BuyerFactory()
    transaction.commit()
    failing["left"] = 1
    jobs.enqueue(flaky_task, user.id)
    transaction.commit()  # the failure does not escape the commit point
    (failed,) = failed_tasks()
    assert failed.task_name == "tests.flaky"
    assert failed.args == [user.id]
    assert failed.error == f"RuntimeError: the factory's ERP is down ({user.id})"
    assert failed.resolved_at is None
    assert jobs.failed_task_count() == 1


def test_a_request_whose_job_fails_still_succeeds(app, login_as):
    """The job runs after the request's commit: its failure is the admins' concern, not
    the buyer's (the inquiry is made, the failure is on /admin/jobs)."""
    owner = SupplierOwnerFactory()
    buyer = BuyerFactory()
    transaction.commit()
    import marketplace.rfqs.tasks as rfq_tasks

    original = jobs._registry["rfqs.refresh_metrics"]
    jobs._registry["rfqs.refresh_metrics"] = lambda ids: 1 / 0
    try:
        response = login_as(buyer).post(
            "/api/v1/inquiries",
            json={
                "supplier_id": owner.supplier_id,
                "quantity": 2000,
                "destination_country": "PH",
                "message": "EVA slides for Manila, 5 colours.",
            },
        )
    finally:
        jobs._registry["rfqs.refresh_metrics"] = original
    assert response.status_code == 201, response.json
    (failed,) = failed_tasks()
    assert (failed.task_name, failed.args) == ("rfqs.refresh_metrics", [[owner.supplier_id]])
    assert failed.error.startswith("ZeroDivisionError")
    assert rfq_tasks.refresh_metrics is original


def test_admin_page_lists_failed_tasks_and_runs_one_again(app, login_as):
    user = BuyerFactory()
    admin = AdminFactory()
    transaction.commit()
    failing["left"] = 1
    jobs.enqueue(flaky_task, user.id)
    transaction.commit()
    (failed,) = failed_tasks()
    page = login_as(admin)

    listing = page.get("/admin/jobs", headers=HTML)
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "tests.flaky" in html and "the factory&#39;s ERP is down" in html

    response = page.post(f"/admin/jobs/{failed.id}/retry", headers=HTML)
    assert response.status_code == 302
    assert runs == [(user.id, "flaky")]  # queued after the decision's commit: ran now
    (failed,) = failed_tasks()
    assert (failed.resolution, failed.resolved_by_id) == ("retried", admin.id)
    (entry,) = audit_rows("task.retry")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        admin.id,
        "failed_tasks",
        failed.id,
    )
    assert entry.details["task"] == "tests.flaky"

    again = page.post(f"/admin/jobs/{failed.id}/retry", headers=HTML)
    assert again.status_code == 302  # a flash message, nothing run twice
    assert runs == [(user.id, "flaky")]
    assert len(audit_rows("task.retry")) == 1
    assert "No task is waiting" in page.get("/admin/jobs", headers=HTML).get_data(as_text=True)


def test_admin_dismisses_a_failed_task_without_running_it(app, login_as):
    admin = AdminFactory()
    transaction.commit()
    failing["left"] = 1
    jobs.enqueue(flaky_task, 7)
    transaction.commit()
    (failed,) = failed_tasks()

    response = login_as(admin).post(f"/admin/jobs/{failed.id}/dismiss", headers=HTML)

    assert response.status_code == 302
    assert runs == []
    assert failed_tasks()[0].resolution == "dismissed"
    assert len(audit_rows("task.dismiss")) == 1
    assert jobs.failed_task_count() == 0


def test_unknown_failed_task_is_404(app, login_as):
    admin = AdminFactory()
    transaction.commit()
    response = login_as(admin).post("/admin/jobs/999999/retry", headers=HTML)
    assert response.status_code == 404


def test_cli_lists_retries_and_dismisses(app):
    failing["left"] = 2
    jobs.enqueue(flaky_task, 1)
    jobs.enqueue(flaky_task, 2)
    transaction.commit()
    first, second = failed_tasks()
    runner = app.test_cli_runner()

    listing = runner.invoke(args=["jobs", "failed"])
    assert listing.exit_code == 0
    assert listing.output.count("tests.flaky") == 2
    assert "RuntimeError: the factory's ERP is down (1)" in listing.output

    retried = runner.invoke(args=["jobs", "retry", str(first.id)])
    assert retried.exit_code == 0, retried.output
    assert f"{first.id}: queued again" in retried.output
    assert runs == [(1, "flaky")]

    dismissed = runner.invoke(args=["jobs", "dismiss", str(second.id)])
    assert dismissed.exit_code == 0
    twice = runner.invoke(args=["jobs", "dismiss", str(second.id)])
    assert twice.exit_code == 1
    assert "already retried or dismissed" in twice.output
    assert runner.invoke(args=["jobs", "failed"]).output.strip() == "No failed tasks."
    assert "retried" in runner.invoke(args=["jobs", "failed", "--all"]).output
