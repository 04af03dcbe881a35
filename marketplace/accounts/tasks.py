"""Clean-up of expired sign-in sessions, long-revoked API tokens and expired password
reset tokens, as a job."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace import jobs
from marketplace.accounts.models import ApiToken, PasswordResetToken, UserSession
from marketplace.db import rowcount, utcnow
from marketplace.extensions import db


@jobs.task("accounts.purge")
def purge() -> dict[str, int]:
    """Sessions and password reset tokens past their expiry can never be used again;
    revoked API tokens are kept ``REVOKED_TOKEN_KEEP_DAYS`` for the owner's list, then
    dropped."""
    now = utcnow()
    sessions = rowcount(
        db.session.execute(
            sa.delete(UserSession)
            .where(UserSession.expires_at < now)
            .execution_options(synchronize_session=False)
        )
    )
    keep = timedelta(days=current_app.config["REVOKED_TOKEN_KEEP_DAYS"])
    tokens = rowcount(
        db.session.execute(
            sa.delete(ApiToken)
            .where(ApiToken.revoked_at < now - keep)
            .execution_options(synchronize_session=False)
        )
    )
    resets = rowcount(
        db.session.execute(
            sa.delete(PasswordResetToken)
            .where(PasswordResetToken.expires_at < now)
            .execution_options(synchronize_session=False)
        )
    )
    return {"sessions": sessions, "api_tokens": tokens, "password_reset_tokens": resets}
