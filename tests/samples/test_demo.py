"""The demo sample requests: several states, idempotent, no e-mail."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace import transaction
from marketplace.audit.models import AuditEntry
from marketplace.demo import load_demo_data
from marketplace.demo.samples import load_sample_demo
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.samples.models import SampleRequest, SampleStatus


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_demo_sample_requests_in_several_states_once(app):
    emails_before = count(OutboxEmail)

    report = load_demo_data(supplier_limit=4, products_per_supplier=2)
    transaction.commit()

    assert set(report.samples) == {state.value for state in SampleStatus}
    assert count(SampleRequest) == sum(report.samples.values())
    assert "samples:" in str(report)
    assert count(OutboxEmail) == emails_before  # nobody is mailed by the demo
    assert count(AuditEntry, AuditEntry.target_type == "sample_request") >= count(SampleRequest)
    for sample in db.session.scalars(sa.select(SampleRequest)):
        assert sample.created_at <= sample.updated_at
        if sample.status == SampleStatus.SHIPPED:
            assert sample.tracking is not None

    assert sum(load_sample_demo().values()) == 0  # a second run adds nothing
