"""The prohibited-terms list the automatic checks look for; admins keep it."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.audit import services as audit
from marketplace.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.moderation.checks import normalise_term
from marketplace.moderation.models import ProhibitedTerm


def add_prohibited_term(term: str) -> ProhibitedTerm:
    normalized = normalise_term(term)
    if db.session.scalar(
        sa.select(ProhibitedTerm.id).where(ProhibitedTerm.term_normalized == normalized)
    ):
        raise Conflict("This term is already on the list.")
    entry = ProhibitedTerm(
        term=" ".join(term.split()),
        term_normalized=normalized,
        created_by_id=getattr(audit.current_actor(), "id", None),
    )
    db.session.add(entry)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:  # the same term added at the same moment
        raise Conflict("This term is already on the list.") from exc
    audit.record("prohibited_term.add", entry, after="listed", details={"term": entry.term})
    return entry


def delete_prohibited_term(term_id: int) -> None:
    entry = db.session.get(ProhibitedTerm, term_id)
    if entry is None:
        raise NotFound("Term not found.")
    audit.record("prohibited_term.delete", entry, before="listed", details={"term": entry.term})
    db.session.delete(entry)
    db.session.flush()
