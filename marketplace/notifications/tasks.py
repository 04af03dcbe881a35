"""E-mail delivery and clean-up of the outbox and the notification lists, as jobs."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import inspect

from marketplace import jobs, transaction
from marketplace.db import rowcount, utcnow
from marketplace.extensions import db
from marketplace.notifications import sending
from marketplace.notifications.models import Notification, OutboxEmail, OutboxStatus

_QUEUED = "marketplace_outbox_queued"


@jobs.task("outbox.send")
def send_emails(outbox_ids: list[int]) -> None:
    """Send these outbox rows now (those still due: a row another sender took is skipped)."""
    if current_app.config.get("MAIL_SERVER"):
        sending.send_outbox(ids=outbox_ids)


@jobs.task("outbox.send_due")
def send_due() -> None:
    """Whatever is due: retries after a temporary failure, rows whose sender died."""
    if current_app.config.get("MAIL_SERVER"):
        sending.send_all_due()


def deliver_after_commit(emails: list[OutboxEmail]) -> None:
    """Queue one delivery task for the e-mails this transaction writes, once it commits.
    Without ``MAIL_SERVER`` the rows simply wait in the outbox."""
    if not emails or not current_app.config.get("MAIL_SERVER"):
        return
    session = db.session()
    owner = session.get_transaction()
    queued: tuple[Any, list[OutboxEmail]] | None = session.info.get(_QUEUED)
    if queued is None or queued[0] is not owner:
        queued = session.info[_QUEUED] = (owner, [])
        transaction.after_commit(functools.partial(_enqueue_delivery, queued[1]))
    queued[1].extend(emails)


def _enqueue_delivery(emails: list[OutboxEmail]) -> None:
    db.session.info.pop(_QUEUED, None)
    # Committed rows keep their identity after the commit expired them (no query here).
    ids = [identity[0] for email in emails if (identity := inspect(email).identity)]
    if ids:
        jobs.dispatch(jobs.task_name(send_emails), [ids], {})


@jobs.task("notifications.purge")
def purge() -> dict[str, int]:
    """Drop e-mails sent more than ``OUTBOX_KEEP_DAYS`` ago and notifications read more
    than ``NOTIFICATION_KEEP_DAYS`` ago (unread ones stay until read)."""
    config = current_app.config
    now = utcnow()
    sent = rowcount(
        db.session.execute(
            sa.delete(OutboxEmail)
            .where(
                OutboxEmail.status == OutboxStatus.SENT,
                OutboxEmail.sent_at < now - timedelta(days=config["OUTBOX_KEEP_DAYS"]),
            )
            .execution_options(synchronize_session=False)
        )
    )
    read = rowcount(
        db.session.execute(
            sa.delete(Notification)
            .where(Notification.read_at < now - timedelta(days=config["NOTIFICATION_KEEP_DAYS"]))
            .execution_options(synchronize_session=False)
        )
    )
    return {"outbox_emails": sent, "notifications": read}
