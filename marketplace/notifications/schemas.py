"""Schemas of the in-app notification list."""

from __future__ import annotations

from marshmallow import fields

from marketplace.fields import Int, QuerySchema, Schema, Str


class NotificationListArgs(QuerySchema):
    unread = fields.Boolean(metadata={"description": "true: only unread; false: only read."})
    limit = Int(minimum=1, maximum=100, load_default=20)
    cursor = Str(max_length=500)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"example": "inquiry.reply"})
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True, metadata={"description": "A path on this site."})
    subject = fields.Dict(
        keys=fields.String(),
        metadata={"description": 'What it is about, e.g. {"inquiry_id": 3}.'},
    )
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)
    is_read = fields.Function(lambda n: n.read_at is not None, metadata={"type": "boolean"})


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    unread_count = fields.Integer(
        required=True, metadata={"description": "All your unread notifications."}
    )


class MarkedReadSchema(Schema):
    marked_read = fields.Integer(metadata={"description": "Notifications marked read now."})
    unread_count = fields.Integer()
