"""Admin console: background tasks that failed their last retry, to run again or dismiss."""

from __future__ import annotations

from flask import redirect, url_for
from flask_babel import gettext as _

from marketplace.jobs import services
from marketplace.web import bp
from marketplace.web.admin_pages import ID, admin_only, admin_template, run_action


@bp.get("/admin/jobs")
@admin_only
def admin_jobs():
    return admin_template(
        "jobs.html",
        failed=services.list_failed(),
        handled=services.list_failed(include_resolved=True, limit=50),
    )


@bp.post("/admin/jobs/" + ID.format("failed_id") + "/retry")
@admin_only
def admin_job_retry(failed_id: int):
    run_action(
        None,
        {},
        lambda _data: services.retry_failed(services.get_failed(failed_id)),
        _("The task was queued again."),
    )
    return redirect(url_for("web.admin_jobs"))


@bp.post("/admin/jobs/" + ID.format("failed_id") + "/dismiss")
@admin_only
def admin_job_dismiss(failed_id: int):
    run_action(
        None,
        {},
        lambda _data: services.dismiss_failed(services.get_failed(failed_id)),
        _("The task was dismissed."),
    )
    return redirect(url_for("web.admin_jobs"))
