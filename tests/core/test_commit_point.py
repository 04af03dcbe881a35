"""One commit point: views never commit; the wrapper, tasks and commands do (through
``marketplace.transaction``), so after-commit work (jobs, file deletions) always runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marketplace import transaction
from marketplace.catalog.models import Category
from marketplace.extensions import db

ROOT = Path(__file__).resolve().parents[2] / "marketplace"
# The outbox commits each claim before talking SMTP (no lock held while the network is
# slow); the commit point itself commits.
ALLOWED = {"transaction.py", "notifications/sending.py"}


def test_no_module_commits_the_session_but_the_commit_point():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"session\.commit\(\)", line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []


def test_every_view_is_wrapped(app):
    unwrapped = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not getattr(view, "_unit_of_work", False)
    ]
    assert unwrapped == []


def wrapped_write(status: int, ran: dict):
    """A view that writes a row and asks for after-commit work, answering ``status``."""

    def view():
        db.session.add(Category(slug=f"probe-{status}", name=f"Probe {status}"))
        db.session.flush()
        transaction.after_commit(lambda: ran.setdefault("after_commit", status))
        return {"ok": status < 400}, status

    return transaction.unit_of_work(view)


def probe_rows(status: int) -> int:
    return db.session.query(Category).filter_by(slug=f"probe-{status}").count()


def test_a_successful_unsafe_request_commits_and_runs_its_after_commit_work(app):
    ran: dict = {}
    with app.test_request_context("/probe", method="POST"):
        _body, status = wrapped_write(201, ran)()
    assert status == 201
    assert ran == {"after_commit": 201}
    db.session.rollback()  # a rollback now cannot undo what the wrapper committed
    assert probe_rows(201) == 1


def test_a_refused_request_rolls_back_and_runs_nothing(app):
    ran: dict = {}
    with app.test_request_context("/probe", method="POST"):
        _body, status = wrapped_write(409, ran)()
    assert status == 409
    assert ran == {}
    assert probe_rows(409) == 0


def test_a_view_that_raises_rolls_back_and_runs_nothing(app):
    ran: dict = {}

    def view():
        db.session.add(Category(slug="probe-raise", name="Probe raise"))
        db.session.flush()
        transaction.after_commit(lambda: ran.setdefault("after_commit", True))
        raise RuntimeError("boom")

    with app.test_request_context("/probe", method="POST"), pytest.raises(RuntimeError):
        transaction.unit_of_work(view)()
    assert ran == {}
    assert db.session.query(Category).filter_by(slug="probe-raise").count() == 0


def test_a_safe_request_is_not_committed(app):
    ran: dict = {}
    with app.test_request_context("/probe", method="GET"):
        wrapped_write(200, ran)()
    assert ran == {}
    db.session.rollback()
    assert probe_rows(200) == 0
