"""JSON responses go through orjson (marketplace/json_provider.py) and read as before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask import json


def test_values_flask_sends_are_sent_the_same(app):
    with app.app_context():
        value = {
            "price": Decimal("1.20"),
            "when": datetime(2026, 11, 27, 8, 30, tzinfo=UTC),
            "day": date(2026, 11, 27),
            1: "int key",
            "big": 10**30,
            "name": "晋江内坑拖鞋",
        }
        assert json.loads(json.dumps(value)) == {
            "price": "1.20",
            "when": "Fri, 27 Nov 2026 08:30:00 GMT",
            "day": "Fri, 27 Nov 2026 00:00:00 GMT",
            "1": "int key",
            "big": 10**30,
            "name": "晋江内坑拖鞋",
        }


def test_responses_are_utf8_json(api):
    response = api.get("/api/v1/categories")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == json.loads(response.get_data())
