"""The outbox with real commits: concurrent ``send-outbox`` runs, and the e-mails a
request wrote being sent by the delivery job right after its commit (in-process: no
broker is configured here) when ``MAIL_SERVER`` is set."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail, OutboxStatus
from marketplace.notifications.sending import send_all_due
from marketplace.notifications.services import notify
from tests.factories import BuyerFactory, SupplierOwnerFactory, SupplierStaffFactory
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.real_commits

MAILS = 40
RUNNERS = 6


def statuses(app) -> list[tuple[OutboxStatus, int]]:
    with app.app_context():
        return [
            (row.status, row.attempts)
            for row in db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id))
        ]


def test_concurrent_runs_send_each_mail_once(make_app, smtp_server):
    dedicated = make_app(OUTBOX_BATCH_SIZE=7)  # no mail server yet: the rows wait
    app = dedicated.app
    with app.app_context():
        users = [BuyerFactory() for _ in range(MAILS)]
        notify(users, "test.concurrent", "Concurrent", "Body")
        transaction.commit()
    assert statuses(app) == [(OutboxStatus.PENDING, 0)] * MAILS
    app.config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    barrier = threading.Barrier(RUNNERS)

    def run(_):
        barrier.wait(timeout=30)
        with app.app_context():
            return send_all_due()

    with ThreadPoolExecutor(max_workers=RUNNERS) as pool:
        outcomes = list(pool.map(run, range(RUNNERS)))

    assert sum(o["sent"] for o in outcomes) == MAILS
    assert smtp_server.mailbox.received == MAILS
    message_ids = {m["Message-ID"] for m in smtp_server.mailbox.messages}
    assert len(message_ids) == MAILS  # no mail twice
    assert statuses(app) == [(OutboxStatus.SENT, 1)] * MAILS
    print(
        f"\n{RUNNERS} concurrent runs: {MAILS} mails sent once; per run "
        f"{[o['sent'] for o in outcomes]} sent, {[o['skipped'] for o in outcomes]} skipped"
    )


def sourcing_world(app):
    with app.app_context():
        owner = SupplierOwnerFactory()
        SupplierStaffFactory(supplier=owner.supplier)
        buyer = BuyerFactory()
        transaction.commit()
        return buyer.email, owner.supplier_id


def test_a_request_sends_its_mails_once_it_has_committed(make_app, smtp_server):
    dedicated = make_app(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    buyer_email, supplier_id = sourcing_world(dedicated.app)
    client = dedicated.api()
    assert client.login(buyer_email).status_code == 200

    response = client.post(
        "/api/v1/inquiries",
        json={
            "supplier_id": supplier_id,
            "quantity": 3000,
            "destination_country": "AE",
            "message": "Hotel slippers, white, with logo.",
        },
    )
    assert response.status_code == 201
    assert smtp_server.mailbox.received == 2  # the owner and the staff member
    assert statuses(dedicated.app) == [(OutboxStatus.SENT, 1)] * 2
    assert all(m["Subject"].startswith("New inquiry from") for m in smtp_server.mailbox.messages)


def test_a_mail_server_that_is_down_does_not_fail_the_request(make_app, smtp_server):
    dedicated = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT_SECONDS=2)
    buyer_email, supplier_id = sourcing_world(dedicated.app)
    client = dedicated.api()
    client.login(buyer_email)

    response = client.post(
        "/api/v1/inquiries",
        json={
            "supplier_id": supplier_id,
            "quantity": 3000,
            "destination_country": "DE",
            "message": "Felt slippers, grey.",
        },
    )
    response.close()

    assert response.status_code == 201
    assert dedicated.count("inquiries") == 1
    rows = statuses(dedicated.app)
    # Both kept; the first tried once, the run stopped there.
    assert sorted(rows) == [(OutboxStatus.PENDING, 0), (OutboxStatus.PENDING, 1)]
    dedicated.app.config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    with dedicated.app.app_context():
        db.session.execute(sa.update(OutboxEmail).values(next_attempt_at=utcnow()))
        transaction.commit()
        assert send_all_due()["sent"] == 2
    assert smtp_server.mailbox.received == 2


def test_a_refused_request_sends_nothing(make_app, smtp_server):
    dedicated = make_app(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    buyer_email, _supplier_id = sourcing_world(dedicated.app)
    client = dedicated.api()
    client.login(buyer_email)

    response = client.post(
        "/api/v1/inquiries",
        json={"supplier_id": 999999, "quantity": 1, "destination_country": "US", "message": "x"},
    )
    response.close()

    assert response.status_code == 404
    assert dedicated.count("outbox_emails") == 0
    assert smtp_server.mailbox.received == 0
