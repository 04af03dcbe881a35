"""Creating notifications. ``notify`` adds the in-app rows and the outbox e-mails to
the current transaction; nothing is sent until the transaction commits (the sender
lives in ``marketplace.notifications.sending``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail


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
    ``SITE_URL`` is configured.
    """
    made = []
    for user in users:
        if not user.is_active:
            continue
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
            db.session.add(
                OutboxEmail(
                    notification=notification,
                    to_address=user.email,
                    subject=title,
                    body_text=text.strip() + "\n",
                )
            )
    return made


def _absolute(link: str) -> str:
    from flask import current_app

    base = current_app.config.get("SITE_URL", "").rstrip("/")
    return f"{base}{link}" if base else link
