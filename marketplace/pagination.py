"""Keyset pagination with opaque, signed cursors.

A cursor is the sort key of the last item served, signed with the app's secret so a
client can neither forge nor edit it (a tampered cursor is a 422, not a 500).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from marketplace.errors import ValidationFailed
from marketplace.extensions import db

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"cursor:{salt}")


def encode_cursor(values: list[Any], *, salt: str) -> str:
    return _serializer(salt).dumps(values)


def decode_cursor(cursor: str, *, salt: str, length: int) -> list[Any]:
    try:
        values = _serializer(salt).loads(cursor)
    except BadSignature as exc:
        raise ValidationFailed(errors={"cursor": ["Invalid cursor."]}) from exc
    if not isinstance(values, list) or len(values) != length:
        raise ValidationFailed(errors={"cursor": ["Invalid cursor."]})
    return values


def paginate_by_id(query: sa.Select, model, *, limit: int, cursor: str | None, salt: str):
    """Newest first by primary key: ``{"items": [...], "next_cursor": ...}``."""
    if cursor:
        (last_id,) = decode_cursor(cursor, salt=salt, length=1)
        if not isinstance(last_id, int):
            raise ValidationFailed(errors={"cursor": ["Invalid cursor."]})
        query = query.where(model.id < last_id)
    rows = list(db.session.scalars(query.order_by(model.id.desc()).limit(limit + 1)).unique())
    next_cursor = encode_cursor([rows[limit - 1].id], salt=salt) if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": next_cursor}
