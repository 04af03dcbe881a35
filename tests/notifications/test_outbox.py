"""Sending the outbox to a real SMTP server (aiosmtpd in this process): sent once, kept
when the server is down or refuses for now, given up after the configured attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import transaction
from marketplace.db import utcnow
from marketplace.notifications.models import OutboxStatus
from marketplace.notifications.sending import send_all_due, send_outbox, send_outbox_command
from marketplace.notifications.services import notify
from tests.factories import BuyerFactory
from tests.notifications.conftest import free_port, outbox


def queue(count: int = 1, **kwargs) -> list[int]:
    """``count`` e-mails to new buyers, committed; their outbox ids."""
    users = [BuyerFactory() for _ in range(count)]
    notify(users, "test.hello", kwargs.pop("title", "Your quotation"), "Body text", **kwargs)
    transaction.commit()
    return [row.id for row in outbox()[-count:]]


def make_due(*ids: int) -> None:
    """Time passes: their retry time has come."""
    for row in outbox():
        if row.id in ids:
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
    transaction.commit()


def test_send_outbox_sends_each_pending_mail_once(app, smtp_server, mail_to, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_URL", "https://slippers.example")
    ids = queue(3, link="/buyer/inquiries/7")
    mail_to(smtp_server.host, smtp_server.port)

    outcome = send_outbox()

    assert outcome["sent"] == 3
    assert smtp_server.mailbox.received == 3
    rows = outbox()
    assert [(r.status, r.attempts) for r in rows] == [(OutboxStatus.SENT, 1)] * 3
    assert all(r.sent_at is not None and r.last_error is None for r in rows)
    message = smtp_server.mailbox.messages[0]
    assert message["Subject"] == "Your quotation"
    assert message["To"] == rows[0].to_address
    assert message["Message-ID"] == f"<outbox-{ids[0]}@neikeng-slippers.example>"
    assert "noreply@neikeng-slippers.example" in message["From"]
    body = message.get_payload(decode=True).decode()
    assert "Body text" in body and "https://slippers.example/buyer/inquiries/7" in body

    # Nothing is sent twice.
    assert send_outbox()["sent"] == 0
    assert smtp_server.mailbox.received == 3


def test_a_temporary_refusal_keeps_the_mail_for_later(app, smtp_server, mail_to):
    (outbox_id,) = queue()
    mail_to(smtp_server.host, smtp_server.port)
    smtp_server.mailbox.refuse = "451 4.3.0 Try again later"

    started = utcnow()
    outcome = send_outbox()

    assert outcome["retry"] == 1 and smtp_server.mailbox.received == 0
    (row,) = outbox()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at >= started + timedelta(seconds=59)  # backed off
    # Not due yet: running again does not touch it.
    smtp_server.mailbox.refuse = None
    assert send_outbox()["sent"] == 0
    assert outbox()[0].attempts == 1

    make_due(outbox_id)
    assert send_outbox()["sent"] == 1
    assert smtp_server.mailbox.received == 1
    (row,) = outbox()
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert send_all_due()["sent"] == 0
    assert smtp_server.mailbox.received == 1


def test_a_server_that_is_down_loses_nothing(app, smtp_server, mail_to):
    ids = queue(3)
    mail_to("127.0.0.1", free_port())  # nothing listens there

    outcome = send_outbox()

    assert outcome["retry"] == 1 and outcome["unreachable"] == 1
    rows = outbox()
    assert [r.status for r in rows] == [OutboxStatus.PENDING] * 3
    # The run stopped at the first failure: the others did not lose an attempt.
    assert [r.attempts for r in rows] == [1, 0, 0]
    assert "Connection" in rows[0].last_error or "refused" in rows[0].last_error.lower()

    mail_to(smtp_server.host, smtp_server.port)  # the server is back
    make_due(*ids)
    assert send_all_due()["sent"] == 3
    assert smtp_server.mailbox.received == 3
    assert send_all_due()["sent"] == 0
    assert smtp_server.mailbox.received == 3


def test_backoff_grows_and_the_mail_fails_after_the_last_attempt(
    app, smtp_server, mail_to, monkeypatch
):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    (outbox_id,) = queue()
    mail_to(smtp_server.host, smtp_server.port)
    smtp_server.mailbox.refuse = "421 4.7.0 Busy"

    delays = []
    for _ in range(3):
        make_due(outbox_id)
        before = utcnow()
        send_outbox()
        row = outbox()[0]
        delays.append((row.next_attempt_at - before).total_seconds())

    assert row.status == OutboxStatus.FAILED and row.attempts == 3
    assert 55 < delays[0] < 65 and 115 < delays[1] < 125  # 1, then 2 minutes
    make_due(outbox_id)
    smtp_server.mailbox.refuse = None
    assert send_outbox()["sent"] == 0  # failed is final
    assert smtp_server.mailbox.received == 0


def test_a_permanent_refusal_fails_at_once(app, smtp_server, mail_to):
    queue(2)
    mail_to(smtp_server.host, smtp_server.port)
    smtp_server.mailbox.refuse, smtp_server.mailbox.refuse_at = "550 5.1.1 No such user", "RCPT"

    outcome = send_outbox()

    assert outcome["failed"] == 2
    assert [(r.status, r.attempts) for r in outbox()] == [(OutboxStatus.FAILED, 1)] * 2
    assert "550" in outbox()[0].last_error


def test_a_mail_stuck_in_sending_is_taken_over_after_the_timeout(app, smtp_server, mail_to):
    stuck, fresh = queue(2)
    for row in outbox():
        row.status = OutboxStatus.SENDING
        row.attempts = 1
        row.claimed_at = utcnow() - (
            timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 5)
            if row.id == stuck
            else timedelta(seconds=5)
        )
    transaction.commit()
    mail_to(smtp_server.host, smtp_server.port)

    assert send_outbox()["sent"] == 1

    by_id = {r.id: r for r in outbox()}
    assert by_id[stuck].status == OutboxStatus.SENT and by_id[stuck].attempts == 2
    assert by_id[fresh].status == OutboxStatus.SENDING  # its sender may still be at it
    assert smtp_server.mailbox.received == 1


def test_a_sender_whose_claim_was_taken_over_does_not_overwrite_the_outcome(
    app, smtp_server, mail_to
):
    from marketplace.notifications import sending

    (outbox_id,) = queue()
    mail_to(smtp_server.host, smtp_server.port)
    attempt = sending.claim(outbox_id)
    assert attempt == 1
    assert sending.claim(outbox_id) is None  # claimed: nobody else gets it

    # Another sender took it over and sent it (attempt 2)...
    row = outbox()[0]
    row.attempts, row.status, row.sent_at = 2, OutboxStatus.SENT, utcnow()
    transaction.commit()
    # ...so the first sender's late failure report changes nothing.
    assert sending._finish(outbox_id, attempt, status=OutboxStatus.PENDING) is False
    assert outbox()[0].status == OutboxStatus.SENT


def test_only_the_given_ids_are_sent(app, smtp_server, mail_to):
    _first, second = queue(2)
    mail_to(smtp_server.host, smtp_server.port)
    assert send_outbox(ids=[second])["sent"] == 1
    assert [r.status for r in outbox()] == [OutboxStatus.PENDING, OutboxStatus.SENT]


def test_a_subject_cannot_inject_headers(app, smtp_server, mail_to):
    queue(title="Hello\r\nBcc: victim@example.com")
    mail_to(smtp_server.host, smtp_server.port)
    send_outbox()
    (message,) = smtp_server.mailbox.messages
    assert message["Bcc"] is None
    assert message["Subject"] == "Hello Bcc: victim@example.com"


def test_the_cli_command(app, smtp_server, mail_to):
    queue(2)
    runner = app.test_cli_runner()

    unconfigured = runner.invoke(send_outbox_command, [])
    assert unconfigured.exit_code != 0 and "MAIL_SERVER" in unconfigured.output

    mail_to(smtp_server.host, smtp_server.port)
    result = runner.invoke(args=["send-outbox", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output  # batch after batch until nothing is due
    assert smtp_server.mailbox.received == 2


@pytest.mark.parametrize("bad", ["0", "-1", "x"])
def test_the_cli_batch_size_is_checked(app, bad):
    result = app.test_cli_runner().invoke(args=["send-outbox", "--batch-size", bad])
    assert result.exit_code == 2


def test_notify_skips_suspended_users_and_duplicates(app):
    from marketplace.accounts.models import UserStatus

    active, suspended = BuyerFactory(), BuyerFactory(status=UserStatus.SUSPENDED)
    made = notify([active, suspended, active], "test.x", "Title\nsecond line", "Body")
    transaction.commit()
    assert [n.user_id for n in made] == [active.id]
    assert made[0].title == "Title second line"
    assert [r.to_address for r in outbox()] == [active.email]
