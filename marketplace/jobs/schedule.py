"""Celery beat's timetable: what cron did before (``celery -A marketplace.jobs.worker beat``).

``flask send-outbox`` and ``flask sourcing refresh-metrics`` stay as recovery commands.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab


def beat_schedule(config: Any) -> dict[str, dict[str, Any]]:
    return {
        # E-mails whose first try failed (or whose worker died): the outbox's own backoff
        # decides when each row is due again.
        "outbox-send-due": {
            "task": "outbox.send_due",
            "schedule": float(config["OUTBOX_SEND_INTERVAL_SECONDS"]),
        },
        # Response rates slide with time (items ageing past 24 h or out of the window).
        "metrics-refresh-all": {"task": "rfqs.refresh_all_metrics", "schedule": crontab(minute=17)},
        # Delivered orders nobody completed or disputed: completed ORDER_AUTO_COMPLETE_DAYS on.
        "orders-auto-complete": {"task": "orders.auto_complete", "schedule": crontab(minute=43)},
        "accounts-purge": {"task": "accounts.purge", "schedule": crontab(hour=3, minute=23)},
        # Catalog import jobs whose worker died or that no worker ran: expired, file removed.
        "catalog-expire-imports": {
            "task": "catalog.expire_imports",
            "schedule": crontab(minute="*/5"),
        },
        "notifications-purge": {
            "task": "notifications.purge",
            "schedule": crontab(hour=3, minute=37),
        },
    }
