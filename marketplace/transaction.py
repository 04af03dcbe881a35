"""The unit of work: one commit per request, task or command, and work that waits for
its outcome.

Services flush, never commit.  The commit point (``commit()``, called by the view
wrapper, the task runner and CLI commands) commits the session and then runs what was
registered with ``after_commit`` during the transaction: enqueueing jobs, deleting
files that the transaction made unreachable.  ``on_rollback`` callbacks undo side
effects outside the database (a file written for a row that never landed).

The callbacks live in ``session.info`` and are moved by session events, so they follow
the transaction whoever ends it: a rolled-back transaction never runs its
``after_commit`` callbacks, and a committed one never runs its ``on_rollback`` ones.
A callback that fails is logged and does not stop the others: the commit has happened.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db

log = logging.getLogger("marketplace.transaction")

_AFTER_COMMIT = "marketplace_after_commit"  # registered during the open transaction
_ON_ROLLBACK = "marketplace_on_rollback"
_COMMITTED = "marketplace_committed"  # the last commit's callbacks, waiting to be run

Callback = Callable[[], object]


def after_commit(callback: Callback) -> None:
    """Run ``callback`` once the current transaction has committed (never if it rolls back)."""
    _session_in_transaction().info.setdefault(_AFTER_COMMIT, []).append(callback)


def on_rollback(callback: Callback) -> None:
    """Run ``callback`` if the current transaction rolls back (never if it commits)."""
    _session_in_transaction().info.setdefault(_ON_ROLLBACK, []).append(callback)


def _session_in_transaction() -> Session:
    # The callbacks belong to a transaction: begin one (no connection is taken yet) so
    # that its commit or rollback, and nothing later, decides their fate.
    session = db.session()
    if not session.in_transaction():
        session.begin()
    return session


def commit() -> None:
    """Commit the session, then run the committed transaction's callbacks."""
    db.session.commit()
    run_committed_callbacks()


def rollback() -> None:
    db.session.rollback()


def run_committed_callbacks() -> None:
    """Run what committed transactions left (also after a plain ``session.commit()``)."""
    session = db.session()
    while callbacks := session.info.pop(_COMMITTED, None):
        for callback in callbacks:
            _run(callback, "after-commit")


def _run(callback: Callback, kind: str) -> None:
    try:
        callback()
    except Exception:  # the transaction has ended: one failure must not stop the rest
        log.exception("%s callback failed", kind, extra={"callback": repr(callback)})


def _after_commit(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    callbacks = session.info.pop(_AFTER_COMMIT, None)
    if callbacks:
        session.info.setdefault(_COMMITTED, []).extend(callbacks)


def _after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    for callback in session.info.pop(_ON_ROLLBACK, None) or ():
        _run(callback, "on-rollback")


def install_listeners() -> None:
    """Hook the callbacks to every session's transaction (idempotent; ``create_app``)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    # Only the outermost transaction's end decides; a released or rolled-back savepoint
    # inside the request does not (its work is part of the outer transaction).
    if previous_transaction.parent is None:
        _after_rollback(session)


# The request's commit point ----------------------------------------------------------

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def unit_of_work(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a view: an unsafe request that succeeds (status below 400) is committed once,
    then its after-commit work runs; an error rolls everything back (the error handlers
    answer).  A commit that fails (a constraint, a lock time-out) raises into the same
    error handlers as the view's own errors: 409, 503."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            rv = view(*args, **kwargs)
        except BaseException:
            rollback()
            raise
        if request.method not in SAFE_METHODS:
            if _status(rv) < 400:
                commit()
            else:
                rollback()
        return rv

    return wrapper


def _status(rv: Any) -> int:
    if isinstance(rv, tuple):
        for item in rv[1:]:
            if isinstance(item, int):
                return item
        rv = rv[0]
    return getattr(rv, "status_code", 200)


def wrap_views(app: Flask) -> None:
    """Put every view of the app inside ``unit_of_work`` (``create_app``, after the
    blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static" and not getattr(view, "_unit_of_work", False):
            wrapped = unit_of_work(view)
            wrapped._unit_of_work = True  # type: ignore[attr-defined]
            app.view_functions[endpoint] = wrapped
