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
    """The database answers, has been migrated and takes writes; 503 otherwise, so a load
    balancer stops sending traffic.  An empty SQLite file created in place of a lost one
    is not ready, nor is a database that only reads (a read-only SQLite file or volume, a
    PostgreSQL standby or ``default_transaction_read_only``): the probe writes the
    migration row back unchanged and rolls the write back."""
    try:
        if db.engine.dialect.name == "postgresql":
            # A migration holding the row must not hang the probe.
            db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
    except sa.exc.SQLAlchemyError as error:
        orig = getattr(error, "orig", None)
        log.warning("not ready", extra={"error_type": type(orig or error).__name__})
        return error_response(
            503, "The database is unreachable or refuses writes.", headers={"Retry-After": "5"}
        )
    finally:
        with contextlib.suppress(sa.exc.SQLAlchemyError):  # the connection may be gone
            db.session.rollback()
    return jsonify(status="ready", database="ok")
