"""The tasks themselves: each does its work once, however often it runs."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace import transaction
from marketplace.accounts.models import ApiToken, PasswordResetToken, UserSession
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications import tasks as notification_tasks
from marketplace.notifications.models import Notification, OutboxEmail, OutboxStatus
from marketplace.rfqs.services import notify_matched_suppliers
from tests.factories import BuyerFactory
from tests.rfqs.support import post_rfq, supplier_with_catalog


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_rfq_fan_out_tells_each_matched_company_once_however_often_it_runs(app):
    supplier_with_catalog("Jinjiang Hotel Slippers", staff=1)
    rfq = post_rfq(BuyerFactory(), title="Hotel slippers for Dubai")  # its job ran at commit
    told = count(Notification, Notification.kind == "rfq.matched")
    mails = count(OutboxEmail)
    assert told == 2  # the owner and the staff member of the one matched company

    assert notify_matched_suppliers(rfq.id) == 0  # a second run (a redelivered task)
    transaction.commit()

    assert count(Notification, Notification.kind == "rfq.matched") == told
    assert count(OutboxEmail) == mails


def test_accounts_purge_drops_expired_sessions_reset_links_and_long_revoked_tokens(app):
    user = BuyerFactory()
    now = utcnow()
    db.session.add_all(
        [
            UserSession(user=user, key_hash="a" * 64, expires_at=now - timedelta(minutes=1)),
            UserSession(user=user, key_hash="b" * 64, expires_at=now + timedelta(hours=1)),
            ApiToken(
                user=user,
                name="old ERP",
                token_hash="c" * 64,
                prefix="mp_c",
                revoked_at=now - timedelta(days=31),
            ),
            ApiToken(
                user=user,
                name="new ERP",
                token_hash="d" * 64,
                prefix="mp_d",
                revoked_at=now - timedelta(days=1),
            ),
            ApiToken(user=user, name="live", token_hash="e" * 64, prefix="mp_e"),
            PasswordResetToken(user=user, token_hash="f" * 64, expires_at=now - timedelta(1)),
            PasswordResetToken(user=user, token_hash="g" * 64, expires_at=now + timedelta(1)),
        ]
    )
    transaction.commit()
    from marketplace.accounts.tasks import purge

    assert purge() == {"sessions": 1, "api_tokens": 1, "password_reset_tokens": 1}
    transaction.commit()
    assert [s.key_hash[0] for s in db.session.scalars(sa.select(UserSession))] == ["b"]
    resets = db.session.scalars(sa.select(PasswordResetToken))
    assert [r.token_hash[0] for r in resets] == ["g"]
    assert sorted(t.name for t in db.session.scalars(sa.select(ApiToken))) == ["live", "new ERP"]


def test_notifications_purge_keeps_unread_and_recent_ones(app):
    user = BuyerFactory()
    now = utcnow()
    old = now - timedelta(days=181)
    db.session.add_all(
        [
            Notification(user_id=user.id, kind="k", title="read long ago", read_at=old),
            Notification(user_id=user.id, kind="k", title="unread, old", created_at=old),
            Notification(
                user_id=user.id, kind="k", title="read yesterday", read_at=now - timedelta(days=1)
            ),
            OutboxEmail(
                to_address="a@example.org",
                subject="sent long ago",
                body_text="x",
                status=OutboxStatus.SENT,
                sent_at=now - timedelta(days=31),
            ),
            OutboxEmail(
                to_address="b@example.org",
                subject="sent yesterday",
                body_text="x",
                status=OutboxStatus.SENT,
                sent_at=now - timedelta(days=1),
            ),
            OutboxEmail(
                to_address="c@example.org",
                subject="failed long ago",
                body_text="x",
                status=OutboxStatus.FAILED,
                created_at=now - timedelta(days=60),
            ),
        ]
    )
    transaction.commit()

    assert notification_tasks.purge() == {"outbox_emails": 1, "notifications": 1}
    transaction.commit()

    assert sorted(db.session.scalars(sa.select(Notification.title))) == [
        "read yesterday",
        "unread, old",
    ]
    assert sorted(db.session.scalars(sa.select(OutboxEmail.subject))) == [
        "failed long ago",
        "sent yesterday",
    ]
