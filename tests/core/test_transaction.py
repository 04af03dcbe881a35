"""The commit point: callbacks follow the transaction's outcome."""

from __future__ import annotations

from marketplace import transaction
from marketplace.extensions import db


def test_after_commit_runs_once_after_the_commit_and_not_on_rollback(app):
    ran: list[str] = []
    transaction.after_commit(lambda: ran.append("committed"))
    transaction.on_rollback(lambda: ran.append("undone"))
    assert ran == []
    transaction.commit()
    assert ran == ["committed"]
    transaction.commit()  # nothing left to run
    assert ran == ["committed"]


def test_rollback_runs_the_undo_callbacks_and_drops_the_commit_ones(app):
    ran: list[str] = []
    transaction.after_commit(lambda: ran.append("committed"))
    transaction.on_rollback(lambda: ran.append("undone"))
    transaction.rollback()
    assert ran == ["undone"]
    transaction.commit()
    assert ran == ["undone"]


def test_a_failing_callback_does_not_stop_the_others(app, caplog):
    ran: list[str] = []
    transaction.after_commit(lambda: 1 / 0)
    transaction.after_commit(lambda: ran.append("second"))
    transaction.commit()
    assert ran == ["second"]
    assert "after-commit callback failed" in caplog.text


def test_a_plain_session_commit_keeps_the_callbacks_for_the_commit_point(app):
    ran: list[str] = []
    transaction.after_commit(lambda: ran.append("committed"))
    db.session.commit()
    assert ran == []
    transaction.run_committed_callbacks()
    assert ran == ["committed"]
