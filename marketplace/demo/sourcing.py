"""Demo sourcing activity: the demo buyers (US, VN, PH, IN, ZA, DE, AE) with inquiries,
RFQs and quotations in every state.  Run after the companies, catalog and buyers exist:
``load_sourcing_demo(seed)`` flushes, the caller commits.

* Inquiries come from the inquiries domain's own demo (``load_inquiry_demo``).
* RFQs are posted, matched, quoted, revised, withdrawn, accepted and cancelled through
  the services, at the real time (the rules hold); then the clock is moved back so the
  month looks lived in: RFQs posted days ago, suppliers answering after a few hours
  (or late, or never), deadlines passed for the "closed" ones.  Response metrics are
  then recomputed from those times.
* The RFQs are in ``data/sourcing.toml``.
* Deterministic (``random.Random`` seeded with ``DEMO_DATA_SEED`` and the RFQ title) and
  idempotent: an RFQ is found by its buyer and title; what exists is left alone.
* Seeding never mails anyone: the e-mails the services queue are dropped (the in-app
  notifications stay).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.db import utcnow
from marketplace.demo.loader import DemoRFQ, demo_data
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.rfqs import services
from marketplace.rfqs.metrics import refresh_all_metrics
from marketplace.rfqs.models import RFQ, Quotation, QuotationRevision, RFQMatch, RFQStatus
from marketplace.rfqs.schemas import QuotationInputSchema, RFQCreateSchema


def _money(value: Decimal) -> Decimal:
    places = Decimal("0.001") if value < 1 else Decimal("0.01")
    return max(Decimal("0.01"), value.quantize(places, rounding=ROUND_HALF_UP))


class _SourcingSeeder:
    def __init__(self, seed: int):
        self.seed = seed
        self.now = utcnow()
        self.made: Counter = Counter()

    def rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, "rfq", *parts)))  # noqa: S311

    def run(self) -> Counter:
        for plan in demo_data().sourcing.rfqs:
            buyer = accounts.get_user_by_email(plan.buyer)
            if buyer is None or buyer.role != Role.BUYER:
                continue
            exists = db.session.scalar(
                sa.select(RFQ.id).where(RFQ.buyer_id == buyer.id, RFQ.title == plan.title)
            )
            if exists:
                continue
            self.rfq(buyer, plan)
        return self.made

    def rfq(self, buyer: User, plan: DemoRFQ) -> None:
        rng = self.rng(plan.title)
        now = self.now
        body = {
            "title": plan.title,
            "category": plan.category,
            "materials": list(plan.materials),
            "quantity": plan.quantity,
            "target_unit_price": plan.target,
            "currency": plan.currency,
            "destination_country": buyer.country or "US",
            "incoterm": plan.incoterm,
            "needed_by": (now + timedelta(days=75)).date().isoformat(),
            "quote_deadline": (now + timedelta(days=7)).isoformat(),
            "description": plan.description,
        }
        rfq = services.create_rfq(buyer, RFQCreateSchema().load(body), now=now, rate_limited=False)
        # The matched suppliers' notifications now, inside the seed (their e-mails are
        # dropped below); the job queued for after the commit then finds nobody left.
        services.notify_matched_suppliers(rfq.id)
        matches = list(
            db.session.scalars(
                sa.select(RFQMatch)
                .where(RFQMatch.rfq_id == rfq.id)
                .order_by(RFQMatch.score.desc(), RFQMatch.id)
            )
        )
        quotations = []
        for n, match in enumerate(matches[: plan.quotes]):
            member = self.member(match.supplier_id)
            if member is None:
                continue
            quotations.append(self.quote(rfq, match, member, rng, n))
        self.play(rfq, plan, buyer, quotations, rng)
        self.backdate(rfq, plan, matches, quotations, rng)
        self.made[rfq.effective_status(self.now).value] += 1

    def member(self, supplier_id: int) -> User | None:
        return db.session.scalar(
            sa.select(User).where(User.supplier_id == supplier_id).order_by(User.id).limit(1)
        )

    def quote(self, rfq: RFQ, match: RFQMatch, member: User, rng: random.Random, n: int):
        notes = demo_data().sourcing.quotation_notes
        reasons = {reason["code"]: reason.get("params", {}) for reason in match.reasons}
        base = reasons.get("price", {}).get("price") or rfq.target_unit_price or "1.00"
        price = _money(Decimal(str(base)) * Decimal(str(round(rng.uniform(0.9, 1.1), 3))))
        moq = min(rfq.quantity, reasons.get("moq", {}).get("moq") or 1000)
        data = {
            "unit_price": str(price),
            "moq": moq,
            "lead_time_days": rng.choice((25, 30, 35, 40, 45)),
            "valid_until": (self.now + timedelta(days=rng.choice((21, 30, 45)))).date().isoformat(),
            "incoterm": rfq.incoterm if rng.random() < 0.8 else "FOB",
            "notes": notes[n % len(notes)],
        }
        quotation, _created = services.submit_quotation(
            rfq, member, QuotationInputSchema().load(data), now=self.now
        )
        return quotation

    def play(self, rfq: RFQ, plan: DemoRFQ, buyer: User, quotations: list, rng) -> None:
        """Revise, withdraw, accept or cancel, as the plan's state needs."""
        if quotations and plan.state in ("open", "closed"):
            first = quotations[0]
            member = self.member(first.supplier_id)
            assert member is not None  # it sent a quotation
            revised = {
                "unit_price": str(_money(Decimal(first.unit_price) * Decimal("0.97"))),
                "moq": first.moq,
                "lead_time_days": first.lead_time_days,
                "valid_until": first.valid_until.isoformat(),
                "incoterm": first.incoterm,
                "notes": first.notes + " Revised: 3% off for a firm order this month.",
            }
            services.submit_quotation(
                rfq, member, QuotationInputSchema().load(revised), now=self.now
            )
        if len(quotations) >= 3 and plan.state == "open":
            last = quotations[-1]
            withdrawer = self.member(last.supplier_id)
            assert withdrawer is not None  # it sent a quotation
            services.withdraw_quotation(last, withdrawer)
        if plan.state == "awarded" and quotations:
            best = min(quotations, key=lambda q: (q.unit_price, q.id))
            services.accept_quotation(best, buyer)
        elif plan.state == "cancelled":
            services.cancel_rfq(rfq, buyer)
        db.session.flush()

    def backdate(self, rfq: RFQ, plan: DemoRFQ, matches, quotations, rng) -> None:
        """Move the RFQ's story into the past, keeping its order of events."""
        posted = self.now - timedelta(days=plan.posted_days_ago)
        rfq.created_at = posted
        rfq.needed_by = (posted + timedelta(days=75)).date()
        if plan.state == "closed":
            rfq.quote_deadline = self.now - timedelta(days=1)
        elif plan.state == "open":
            rfq.quote_deadline = max(posted + timedelta(days=10), self.now + timedelta(days=3))
        else:
            rfq.quote_deadline = posted + timedelta(days=10)
        decided = posted + timedelta(days=min(plan.posted_days_ago * 0.6, 7))
        if rfq.awarded_at is not None:
            rfq.awarded_at = decided
        if rfq.cancelled_at is not None:
            rfq.cancelled_at = decided
        rfq.updated_at = max(posted, decided if rfq.status != RFQStatus.OPEN else posted)
        answered: dict[int, datetime] = {}
        for quotation in quotations:
            # Most factories answer within the day; some take longer.
            hours = rng.choice((1.5, 3, 5, 8, 14, 20, 30, 44))
            answered[quotation.supplier_id] = min(
                posted + timedelta(hours=hours), self.now - timedelta(minutes=5)
            )
        for match in matches:
            match.created_at = posted
            if match.supplier_id in answered:
                match.first_response_at = answered[match.supplier_id]
        for quotation in quotations:
            at = answered[quotation.supplier_id]
            quotation.created_at = at
            quotation.updated_at = at
            if quotation.decided_at is not None:
                quotation.decided_at = max(at, decided)
            for revision in db.session.scalars(
                sa.select(QuotationRevision).where(QuotationRevision.quotation_id == quotation.id)
            ):
                revision.created_at = at + timedelta(hours=6 * (revision.revision - 1))
        self.made["quotations"] += len(quotations)


def load_sourcing_demo(seed: int) -> Counter:
    """Create the missing demo inquiries and RFQs (with matches and quotations); counts
    by state.  Flushes; the caller commits."""
    made: Counter = Counter()
    last_email = db.session.scalar(sa.select(sa.func.max(OutboxEmail.id))) or 0
    try:
        from marketplace.demo.inquiries import load_inquiry_demo
    except ImportError:  # pragma: no cover - the inquiries domain is always installed
        load_inquiry_demo = None  # type: ignore[assignment]
    if load_inquiry_demo is not None:
        made.update({f"inquiries {k}": v for k, v in load_inquiry_demo().items()})
    made.update(_SourcingSeeder(seed).run())
    db.session.flush()
    from marketplace.demo.orders import load_order_demo

    made.update({f"orders {k}": v for k, v in load_order_demo().items()})
    # No demo e-mail ever leaves: drop what the services queued.
    db.session.execute(sa.delete(OutboxEmail).where(OutboxEmail.id > last_email))
    refresh_all_metrics()
    return made


def quotation_states() -> Counter:
    """How many demo quotations are in each state (for the summary and the tests)."""
    return Counter(
        dict(
            db.session.execute(
                sa.select(Quotation.status, sa.func.count()).group_by(Quotation.status)
            )
            .tuples()
            .all()
        )
    )
