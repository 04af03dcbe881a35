"""Liveness and readiness probes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from marketplace.errors import error_response
from marketplace.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database answers; 503 otherwise, so a load balancer stops sending traffic."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return error_response(503, "The database is unreachable.", headers={"Retry-After": "5"})
    return jsonify(status="ready", database="ok")
