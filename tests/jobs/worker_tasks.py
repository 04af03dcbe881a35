"""Tasks only the test worker knows (``celery ... worker -I tests.jobs.worker_tasks``)."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.jobs.worker import celery
from marketplace.notifications.models import Notification


@celery.task(name="tests.always_fails")
def always_fails(value):
    raise RuntimeError(f"no factory answers ({value})")


@celery.task(name="tests.write_note")
def write_note(user_id, title):
    db.session.add(Notification(user_id=user_id, kind="test.worker", title=title))
