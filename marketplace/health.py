"""Liveness and readiness probes."""

from __future__ import annotations

import contextlib
import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify

from marketplace.errors import error_response
from marketplace.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger("marketplace.health")


@bp.get("/healthz")
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database answers and has been migrated; 503 otherwise, so a load balancer
    stops sending traffic (an empty SQLite file created in place of a lost one is not ready)."""
    try:
        db.session.execute(sa.text("SELECT 1 FROM alembic_version"))
    except sa.exc.SQLAlchemyError as error:
        with contextlib.suppress(sa.exc.SQLAlchemyError):  # the connection may be gone
            db.session.rollback()
        orig = getattr(error, "orig", None)
        log.warning("not ready", extra={"error_type": type(orig or error).__name__})
        return error_response(503, "The database is unreachable.", headers={"Retry-After": "5"})
    return jsonify(status="ready", database="ok")
