"""Delivering the e-mail outbox over SMTP, at least once and, barring a crash between the
SMTP server's "250 OK" and our next commit, exactly once.

Each row moves ``pending -> sending -> sent`` (or back to ``pending`` for a later retry,
or ``failed`` after ``OUTBOX_MAX_ATTEMPTS``):

1. Claim: a conditional UPDATE (``pending`` and due, or ``sending`` for longer than
   ``OUTBOX_CLAIM_TIMEOUT_SECONDS``: its sender died) that also counts the attempt.
   Exactly one sender gets rowcount 1, on SQLite and PostgreSQL alike; the claim is
   committed before SMTP is contacted, so no lock is held while the network is slow.
2. Send over one SMTP connection per run.
3. Record: ``sent``; or, on a temporary failure (connection refused, 4xx, time-out),
   ``pending`` again with ``next_attempt_at`` backed off exponentially; a permanent
   refusal of the recipient (5xx) is ``failed`` at once.  These updates name the attempt
   they belong to, so a sender whose claim was taken over cannot overwrite the new one.

A row whose recipient's account was suspended after it was written (``notify`` writes
none for a suspended account) is not sent: once claimed, it is ``failed`` with the reason.

Who sends: the ``outbox.send`` job queued by each transaction that writes e-mails (a
worker runs it; without a broker it runs in-process after the commit), and the
``outbox.send_due`` job that celery beat runs every minute for retries and for rows whose
sender died (a claim older than ``OUTBOX_CLAIM_TIMEOUT_SECONDS`` is taken over).
``flask --app wsgi send-outbox`` does the same by hand, as a recovery command.  A worker
killed mid-task leaves its message unacknowledged: it is delivered again, and the claim
above keeps the e-mail from going out twice.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import click
import sqlalchemy as sa
from flask import current_app

from marketplace.accounts.models import User, UserStatus
from marketplace.accounts.services import normalize_email
from marketplace.db import rowcount, utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail, OutboxStatus

log = logging.getLogger("marketplace.outbox")

RETRY_BASE_SECONDS = 60  # first retry after a minute, then 2, 4, 8 ... minutes
RETRY_MAX_SECONDS = 6 * 3600
LAST_ERROR_CHARS = 500
RECIPIENT_SUSPENDED = "Not sent: the recipient's account is suspended."


class MailNotConfigured(RuntimeError):
    pass


class TemporaryFailure(Exception):
    """Worth trying again later. ``connection`` failures end the run: the next rows would
    fail the same way and only use up their attempts."""

    def __init__(self, reason: str, *, connection: bool = False):
        super().__init__(reason)
        self.connection = connection


class PermanentFailure(Exception):
    """The server refused this message for good (e.g. 550 no such mailbox)."""


# The SMTP side -----------------------------------------------------------------------


class Mailer:
    """One SMTP connection, opened at the first message and reused for the run."""

    def __init__(self, config) -> None:
        self.host = config["MAIL_SERVER"]
        self.port = config["MAIL_PORT"]
        self.timeout = config["MAIL_TIMEOUT_SECONDS"]
        self.use_tls = config["MAIL_USE_TLS"]
        self.username = config["MAIL_USERNAME"]
        self.password = config["MAIL_PASSWORD"]
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            reason = _smtp_reason(codes[0] if codes else None, exc)
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(reason) from exc
            raise TemporaryFailure(reason) from exc
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            reason = _smtp_reason(exc.smtp_code, exc)
            if exc.smtp_code >= 500:
                raise PermanentFailure(reason) from exc
            raise TemporaryFailure(reason) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Refused or lost connection, time-out, TLS or login trouble: the server (or
            # our settings), not this message.
            self.close()
            raise TemporaryFailure(_smtp_reason(None, exc), connection=True) from exc

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _smtp_reason(code: int | None, exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if code is not None and str(code) not in text:
        text = f"{code} {text}"
    return text[:LAST_ERROR_CHARS]


def build_message(email: OutboxEmail, config) -> EmailMessage:
    sender = config["MAIL_DEFAULT_SENDER"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["Subject"] = " ".join(email.subject.split())
    message["From"] = sender
    message["To"] = email.to_address
    message["Date"] = format_datetime(utcnow())
    # Stable per outbox row: a receiver can tell a resent copy from a new message.
    message["Message-ID"] = f"<outbox-{email.id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body_text)
    return message


# The outbox side ---------------------------------------------------------------------


def _due_condition(now):
    stale = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])
    return sa.or_(
        sa.and_(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.next_attempt_at <= now),
        sa.and_(OutboxEmail.status == OutboxStatus.SENDING, OutboxEmail.claimed_at < stale),
    )


def due_ids(*, ids: Iterable[int] | None = None, limit: int | None = None) -> list[int]:
    query = sa.select(OutboxEmail.id).where(_due_condition(utcnow())).order_by(OutboxEmail.id)
    if ids is not None:
        query = query.where(OutboxEmail.id.in_(list(ids)))
    if limit is not None:
        query = query.limit(limit)
    found = list(db.session.scalars(query))
    db.session.commit()  # end the read transaction (on SQLite it holds the write lock)
    return found


def claim(outbox_id: int) -> int | None:
    """Take the row for this sender; the attempt number, or None when someone else has it
    (or it is no longer due).  Committed before anything is sent."""
    now = utcnow()
    result = db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == outbox_id, _due_condition(now))
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=now,
            attempts=OutboxEmail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        db.session.rollback()
        return None
    attempt = db.session.scalar(sa.select(OutboxEmail.attempts).where(OutboxEmail.id == outbox_id))
    db.session.commit()
    return attempt


def _finish(outbox_id: int, attempt: int, **values) -> bool:
    """Record the outcome of ``attempt``, unless another sender has claimed the row since."""
    result = db.session.execute(
        sa.update(OutboxEmail)
        .where(
            OutboxEmail.id == outbox_id,
            OutboxEmail.status == OutboxStatus.SENDING,
            OutboxEmail.attempts == attempt,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rowcount(result) == 1


def retry_delay(attempt: int) -> timedelta:
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0), RETRY_MAX_SECONDS))


def recipient_is_suspended(email: OutboxEmail) -> bool:
    """The account the e-mail was written for is suspended now (its notification's user;
    the account with its address when the notification is gone)."""
    query = sa.select(User.status)
    if email.notification_id is not None:
        query = query.join(Notification, Notification.user_id == User.id).where(
            Notification.id == email.notification_id
        )
    else:
        query = query.where(User.email_normalized == normalize_email(email.to_address))
    return db.session.scalar(query) == UserStatus.SUSPENDED


def send_outbox(*, ids: Iterable[int] | None = None, batch_size: int | None = None) -> Counter:
    """Send what is due (only ``ids`` when given), one batch. Returns counts of
    ``sent``, ``retry`` (back to pending), ``failed``, ``withheld`` (the recipient's
    account is suspended: failed, not sent), ``skipped`` (claimed by another sender
    meanwhile), and ``unreachable`` = 1 when the run stopped because the server could not
    be reached."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise MailNotConfigured("MAIL_SERVER is not set: there is nowhere to send e-mail.")
    outcome: Counter = Counter()
    mailer = Mailer(config)
    try:
        for outbox_id in due_ids(ids=ids, limit=batch_size or config["OUTBOX_BATCH_SIZE"]):
            attempt = claim(outbox_id)
            if attempt is None:
                outcome["skipped"] += 1
                continue
            email = db.session.get_one(OutboxEmail, outbox_id)  # claimed just now: it exists
            if recipient_is_suspended(email):
                db.session.commit()
                _finish(
                    outbox_id, attempt, status=OutboxStatus.FAILED, last_error=RECIPIENT_SUSPENDED
                )
                outcome["withheld"] += 1
                continue
            try:
                message = build_message(email, config)
            except (ValueError, TypeError) as exc:  # a header that cannot be written
                _fail(outbox_id, attempt, f"{type(exc).__name__}: {exc}", outcome)
                continue
            finally:
                db.session.commit()  # no transaction stays open while SMTP talks
            try:
                mailer.send(message)
            except PermanentFailure as exc:
                _fail(outbox_id, attempt, str(exc), outcome)
            except TemporaryFailure as exc:
                _retry(outbox_id, attempt, str(exc), outcome)
                if exc.connection:
                    outcome["unreachable"] = 1
                    break
            else:
                now = utcnow()
                _finish(outbox_id, attempt, status=OutboxStatus.SENT, sent_at=now, last_error=None)
                outcome["sent"] += 1
    finally:
        mailer.close()
    return outcome


def _fail(outbox_id: int, attempt: int, reason: str, outcome: Counter) -> None:
    _finish(outbox_id, attempt, status=OutboxStatus.FAILED, last_error=reason[:LAST_ERROR_CHARS])
    outcome["failed"] += 1
    log.warning("e-mail refused", extra={"outbox_id": outbox_id, "attempt": attempt})


def _retry(outbox_id: int, attempt: int, reason: str, outcome: Counter) -> None:
    if attempt >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        _fail(outbox_id, attempt, reason, outcome)
        return
    _finish(
        outbox_id,
        attempt,
        status=OutboxStatus.PENDING,
        next_attempt_at=utcnow() + retry_delay(attempt),
        last_error=reason[:LAST_ERROR_CHARS],
    )
    outcome["retry"] += 1
    log.warning("e-mail not sent; will retry", extra={"outbox_id": outbox_id, "attempt": attempt})


def send_all_due(batch_size: int | None = None) -> Counter:
    """Batches until nothing due is left (rows that failed now wait for their retry time),
    or the server cannot be reached."""
    total: Counter = Counter()
    while True:
        outcome = send_outbox(batch_size=batch_size)
        total.update(outcome)
        done = outcome["sent"] + outcome["failed"] + outcome["retry"] + outcome["withheld"]
        if outcome["unreachable"] or not done:
            return total


# The command ---------------------------------------------------------------------------


@click.command("send-outbox")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=None, help="Rows per batch.")
def send_outbox_command(batch_size: int | None) -> None:
    """Send the e-mails that are due now (recovery: celery beat does this every minute)."""
    try:
        outcome = send_all_due(batch_size)
    except MailNotConfigured as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"sent {outcome['sent']}, to retry {outcome['retry']}, failed {outcome['failed']}, "
        f"withheld (recipient suspended) {outcome['withheld']}, "
        f"taken by another sender {outcome['skipped']}"
    )
