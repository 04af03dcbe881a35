"""Creating and reading notifications. ``notify`` adds the in-app rows and the outbox
e-mails to the current transaction; nothing is sent until the transaction commits (the
sender lives in ``marketplace.notifications.sending``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.db import rowcount, utcnow
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.pagination import paginate_by_id

TITLE_MAX = 300  # the column's size


def notify(
    users: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    *,
    link: str | None = None,
    subject: dict[str, Any] | None = None,
    email: bool = True,
) -> list[Notification]:
    """One in-app notification per active user, and (``email``) one outbox e-mail each.

    ``kind`` names the event (``inquiry.new``, ``rfq.matched``, ``quotation.new``,
    ``quotation.accepted``, ``quotation.declined``, ``inquiry.reply``...). ``link`` is
    a site path (``/buyer/rfqs/3``); the e-mail carries it as an absolute URL when
    ``SITE_URL`` is configured.  When ``MAIL_SERVER`` is set, a delivery job is queued
    for once the transaction commits (``marketplace.notifications.tasks``).
    """
    from marketplace.notifications.tasks import deliver_after_commit

    title = " ".join(title.split())[:TITLE_MAX]  # one line: it is also the e-mail subject
    made, emails, seen = [], [], set()
    for user in users:
        if not user.is_active or user.id in seen:
            continue
        seen.add(user.id)
        notification = Notification(
            user_id=user.id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            subject=subject or {},
        )
        db.session.add(notification)
        made.append(notification)
        if email:
            text = body + (f"\n\n{_absolute(link)}" if link else "")
            outbox = OutboxEmail(
                notification=notification,
                to_address=user.email,
                subject=title,
                body_text=text.strip() + "\n",
            )
            db.session.add(outbox)
            emails.append(outbox)
    deliver_after_commit(emails)
    return made


def send_account_email(user: User, *, subject: str, body: str) -> OutboxEmail:
    """An e-mail about the person's account (a password reset link...): written to the
    outbox in the current transaction and sent once it commits, like ``notify``'s, but
    with no in-app notification: it may carry a secret."""
    from marketplace.notifications.tasks import deliver_after_commit

    outbox = OutboxEmail(
        to_address=user.email,
        subject=" ".join(subject.split())[:TITLE_MAX],
        body_text=body.strip() + "\n",
    )
    db.session.add(outbox)
    deliver_after_commit([outbox])
    return outbox


def _absolute(link: str) -> str:
    from flask import current_app

    base = current_app.config.get("SITE_URL", "").rstrip("/")
    return f"{base}{link}" if base else link


# The in-app list ------------------------------------------------------------------------


def list_notifications(
    user: User, *, unread: bool | None = None, limit: int = 20, cursor: str | None = None
) -> dict[str, Any]:
    """The user's own notifications, newest first, with their unread total."""
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread is True:
        query = query.where(Notification.read_at.is_(None))
    elif unread is False:
        query = query.where(Notification.read_at.is_not(None))
    page = paginate_by_id(query, Notification, limit=limit, cursor=cursor, salt="notifications")
    page["unread_count"] = unread_count(user)
    return page


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def get_own_notification(user: User, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound("Notification not found.")
    return notification


def mark_read(notification: Notification) -> Notification:
    """Idempotent: an already read notification keeps its first read time."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
