"""``/api/v1/notifications``: a user's in-app notifications; and the ``send-outbox``
command, which delivers their e-mail copies."""

from __future__ import annotations

from flask_login import current_user

from marketplace.api_base import Blueprint
from marketplace.fields import INT32_MAX
from marketplace.notifications import services
from marketplace.notifications.schemas import (
    MarkedReadSchema,
    NotificationListArgs,
    NotificationListSchema,
    NotificationSchema,
)
from marketplace.notifications.sending import send_outbox_command
from marketplace.permissions import login_required

# cli_group=None: the command is `flask --app wsgi send-outbox`, at the top level.
blp = Blueprint(
    "notifications", __name__, url_prefix="", description="Notifications", cli_group=None
)
blp.cli.add_command(send_outbox_command)

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]


@blp.route("/notifications", methods=["GET"])
@login_required()
@blp.arguments(NotificationListArgs, location="query")
@blp.response(200, NotificationListSchema)
@blp.links(
    200,
    {"notification_id": "$response.body#/items/0/id"},
    markNotificationRead="POST /notifications/{notification_id}/read",
)
@blp.errors(400, 401, 422)
@blp.doc(security=LOGGED_IN)
def list_notifications(args):
    """Your notifications, newest first, and how many are unread."""
    return services.list_notifications(
        current_user, unread=args.get("unread"), limit=args["limit"], cursor=args.get("cursor")
    )


@blp.route(f"/notifications/<int(max={INT32_MAX}):notification_id>/read", methods=["POST"])
@login_required(writes_company=False)  # the caller's own account
@blp.response(200, NotificationSchema)
@blp.errors(400, 401, 404)
@blp.doc(security=LOGGED_IN)
def mark_notification_read(notification_id):
    """Mark one of your notifications read (again: no change)."""
    notification = services.get_own_notification(current_user, notification_id)
    services.mark_read(notification)
    return notification


@blp.route("/notifications/read-all", methods=["POST"])
@login_required(writes_company=False)  # the caller's own account
@blp.response(200, MarkedReadSchema)
@blp.errors(400, 401)
@blp.doc(security=LOGGED_IN)
def mark_all_notifications_read():
    """Mark all your notifications read."""
    marked = services.mark_all_read(current_user)
    return {"marked_read": marked, "unread_count": 0}
