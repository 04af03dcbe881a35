"""A suspended account receives no e-mail: none is written for it after its suspension
(``notify`` leaves it out), and none written before is sent after it (the outbox sender
checks the recipient when it sends; a retry after an SMTP outage is the usual case)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import UserStatus
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail, OutboxStatus
from marketplace.notifications.sending import send_all_due
from tests.catalog.support import commit, make_product
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)
from tests.notifications.conftest import outbox


def send_inquiry(client, product) -> None:
    response = client.post(
        "/api/v1/inquiries",
        json={
            "product_id": product.id,
            "quantity": 3000,
            "destination_country": "PH",
            "message": "EVA slides, 3 colours: your best FOB Xiamen price?",
        },
    )
    assert response.status_code == 201, response.json


def received_by(mailbox) -> list[str]:
    return sorted(message["To"] for message in mailbox.messages)


def test_a_suspended_member_gets_no_inquiry_email_while_an_active_one_does(
    app, login_as, smtp_server, mail_to
):
    supplier = SupplierFactory()
    owner = SupplierOwnerFactory(supplier=supplier)
    staff = SupplierStaffFactory(supplier=supplier)
    product = make_product(supplier, ProductStatus.PUBLISHED, sku="EVA-MAIL-1")
    buyer, admin = BuyerFactory(), AdminFactory()
    commit()
    buyer_client = login_as(buyer)

    # Written while the mail server is unreachable: both members' e-mails wait.
    send_inquiry(buyer_client, product)
    assert sorted(row.to_address for row in outbox()) == sorted([owner.email, staff.email])

    # The admins suspend the staff member (the admin suspend-user route) ...
    response = login_as(admin).post(
        f"/api/v1/admin/users/{staff.id}/suspend", json={"reason": "Phishing buyers."}
    )
    assert response.status_code == 200, response.json
    db.session.expire_all()
    assert db.session.get(type(staff), staff.id).status == UserStatus.SUSPENDED

    # ... a second inquiry is written for the owner only ...
    send_inquiry(buyer_client, product)

    # ... and when the server is back, only the owner's e-mails go out.
    mail_to(smtp_server.host, smtp_server.port)
    outcome = send_all_due()

    assert received_by(smtp_server.mailbox) == [owner.email, owner.email]
    assert (outcome["sent"], outcome["withheld"]) == (2, 1)
    db.session.expire_all()
    (withheld,) = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.to_address == staff.email)
    )
    assert withheld.status == OutboxStatus.FAILED
    assert withheld.last_error == "Not sent: the recipient's account is suspended."
    # Nothing is left to try again.
    assert send_all_due()["sent"] == 0 and smtp_server.mailbox.received == 2
