"""Delivered orders complete by themselves ORDER_AUTO_COMPLETE_DAYS after delivery
(celery beat's ``orders.auto_complete``), with the same conditional UPDATE as the buyer."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace import transaction
from marketplace.audit.models import AuditEntry
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.jobs.schedule import beat_schedule
from marketplace.notifications.models import Notification
from marketplace.orders import tasks
from marketplace.orders.models import Order, OrderStatus
from tests.orders.support import accepted_deal, order_for


def delivered(days_ago: float, status: OrderStatus = OrderStatus.DELIVERED):
    deal = accepted_deal()
    order = order_for(deal, status)
    if status == OrderStatus.DELIVERED:
        order.delivered_at = utcnow() - timedelta(days=days_ago)
        transaction.commit()
    return deal, order


def status_of(order) -> OrderStatus:
    db.session.expire_all()
    return db.session.get(Order, order.id).status


def test_orders_delivered_long_enough_ago_complete(app):
    assert app.config["ORDER_AUTO_COMPLETE_DAYS"] == 14
    deal, due = delivered(15)
    _recent_deal, recent = delivered(13)
    _disputed_deal, disputed = delivered(0, OrderStatus.DISPUTED)

    assert tasks.auto_complete() == 1
    transaction.commit()

    assert status_of(due) == OrderStatus.COMPLETED
    assert status_of(recent) == OrderStatus.DELIVERED
    assert status_of(disputed) == OrderStatus.DISPUTED
    order = db.session.get(Order, due.id)
    last = order.events[-1]
    assert (last.status, last.by_id) == ("completed", None)
    assert "automatically" in last.note
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "order.auto_complete")
    ).one()
    assert (entry.target_id, entry.actor_id, entry.before_status, entry.after_status) == (
        due.id,
        None,
        "delivered",
        "completed",
    )
    told = db.session.scalars(
        sa.select(Notification.user_id).where(
            Notification.kind == "order.completed",
            Notification.subject["order_id"].as_integer() == due.id,
        )
    ).all()
    assert set(told) == {deal.buyer.id, deal.owner.id, deal.staff.id}


def test_a_second_run_changes_nothing(app):
    _deal, due = delivered(20)
    assert tasks.auto_complete() == 1
    transaction.commit()
    assert tasks.auto_complete() == 0
    assert len(db.session.get(Order, due.id).events) == 6


def test_the_delay_is_configuration(app, monkeypatch):
    monkeypatch.setitem(app.config, "ORDER_AUTO_COMPLETE_DAYS", 3)
    _deal, due = delivered(4)
    assert tasks.auto_complete() == 1
    assert status_of(due) == OrderStatus.COMPLETED


def test_celery_beat_runs_it(app):
    entry = beat_schedule(app.config)["orders-auto-complete"]
    assert entry["task"] == "orders.auto_complete"
