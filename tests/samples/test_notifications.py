"""Every move tells the other party, in the app and by e-mail, in the reader's language;
and writes one audit row with the states before and after."""

from __future__ import annotations

import pytest

from marketplace import transaction
from marketplace.samples.models import SampleStatus
from marketplace.samples.services import MOVES, SUPPLIER
from tests.samples.support import (
    BODIES,
    PATHS,
    SAMPLES,
    audit_rows,
    emails_to,
    make_sample,
    sample_body,
)


def test_a_new_request_emails_every_member_of_the_supplier(
    buyer, owner, staff, other_staff, product, login_as
):
    created = login_as(buyer).post(SAMPLES, json=sample_body(product)).json
    for member in (owner, staff):
        (email,) = emails_to(member.email)
        assert f"Sample request #{created['id']}" in email.subject
        assert "Manila Home Goods" in email.subject
        assert "EVA-SMP-1" in email.body_text
        assert f"/dashboard/samples/{created['id']}" in email.body_text
    assert emails_to(other_staff.email) == []
    assert emails_to(buyer.email) == []
    (entry,) = audit_rows(created["id"])
    assert (entry.action, entry.before_status, entry.after_status) == (
        "sample.request",
        None,
        "requested",
    )


@pytest.mark.parametrize("name", list(MOVES))
def test_each_move_emails_the_other_party_and_is_audited(
    name, buyer, owner, staff, product, login_as
):
    move = MOVES[name]
    sample = make_sample(buyer, product, move.sources[0], member=staff)
    mover = staff if move.side == SUPPLIER else buyer
    before = {user.email: len(emails_to(user.email)) for user in (buyer, owner, staff)}
    audited = len(audit_rows(sample.id))

    response = login_as(mover).post(f"{SAMPLES}/{sample.id}/{name}", json=BODIES[name])
    assert response.status_code == 200, response.json

    readers = (buyer,) if move.side == SUPPLIER else (owner, staff)
    for user in (buyer, owner, staff):
        new = emails_to(user.email)[before[user.email] :]
        if user in readers:
            assert len(new) == 1, user.email
            assert f"#{sample.id}" in new[0].subject
            link = "/buyer/samples/" if user is buyer else "/dashboard/samples/"
            assert f"{link}{sample.id}" in new[0].body_text
        else:
            assert new == [], user.email
    entries = audit_rows(sample.id)
    assert len(entries) == audited + 1
    entry = entries[-1]
    assert entry.action == f"sample.{name}"
    assert entry.actor_id == mover.id
    assert entry.before_status == move.sources[0].value
    assert entry.after_status == move.target.value
    assert entry.supplier_id == product.supplier_id


def test_a_refused_move_emails_nobody_and_is_not_audited(buyer, owner, staff, product, login_as):
    sample = make_sample(buyer, product, SampleStatus.DECLINED, member=staff)
    audited = len(audit_rows(sample.id))
    mails = len(emails_to(owner.email))
    assert login_as(buyer).post(f"{SAMPLES}/{sample.id}/cancel").status_code == 409
    assert len(audit_rows(sample.id)) == audited
    assert len(emails_to(owner.email)) == mails


def test_the_terms_and_tracking_reach_the_buyer(buyer, staff, product, login_as):
    sample = make_sample(buyer, product, member=staff)
    client = login_as(staff)
    client.post(
        f"{SAMPLES}/{sample.id}/quote",
        json={"fee": 0, "shipping_fee": "28", "currency": "USD", "ready_in_days": 4},
    )
    quoted = emails_to(buyer.email)[-1]
    assert "Sample fee: free" in quoted.body_text
    assert "Shipping: USD 28.00" in quoted.body_text
    assert "Ready in 4 days" in quoted.body_text
    login_as(buyer).post(f"{SAMPLES}/{sample.id}/accept")
    client.post(f"{SAMPLES}/{sample.id}/ship", json={"carrier": "DHL", "reference": "JD0146"})
    shipped = emails_to(buyer.email)[-1]
    assert "DHL" in shipped.body_text and "JD0146" in shipped.body_text


def test_each_reader_gets_their_own_language(buyer, owner, staff, product, login_as):
    owner.locale = "zh"
    transaction.commit()
    created = login_as(buyer).post(SAMPLES, json=sample_body(product)).json
    (chinese,) = emails_to(owner.email)
    (english,) = emails_to(staff.email)
    assert "样品" in chinese.subject
    assert "Sample request" in english.subject
    assert f"#{created['id']}" in chinese.subject


def test_declining_tells_the_buyer_why(buyer, staff, product, login_as):
    sample = make_sample(buyer, product, member=staff)
    login_as(staff).post(f"{SAMPLES}/{sample.id}/decline", json={"reason": "Mould retired."})
    email = emails_to(buyer.email)[-1]
    assert "declined" in email.subject
    assert "Mould retired." in email.body_text


def test_paths_cover_every_state():
    assert set(PATHS) == set(SampleStatus)
