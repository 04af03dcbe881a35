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

import logging
from collections.abc import Callable

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
