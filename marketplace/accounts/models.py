"""Users, their login sessions, personal API tokens and password reset tokens."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import IdMixin, TimestampMixin, enum_column, utcnow
from marketplace.extensions import Model

if TYPE_CHECKING:
    from marketplace.suppliers.models import Supplier


class Role(enum.StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"
    ADMIN = "admin"


class CompanyRole(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class User(IdMixin, TimestampMixin, Model):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(sa.String(254))
    # Lower-cased e-mail: uniqueness and look-ups are case-insensitive on both databases.
    email_normalized: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    company_name: Mapped[str | None] = mapped_column(sa.String(200))
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    status: Mapped[UserStatus] = mapped_column(
        enum_column(UserStatus), default=UserStatus.ACTIVE, server_default=UserStatus.ACTIVE.value
    )
    suspended_reason: Mapped[str | None] = mapped_column(sa.String(500))
    supplier_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("suppliers.id", ondelete="SET NULL"), index=True
    )
    company_role: Mapped[CompanyRole | None] = mapped_column(enum_column(CompanyRole))
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]

    supplier: Mapped[Supplier | None] = relationship(back_populates="members")

    # Set on the instance loaded for the current request: the login session it came in on.
    current_session_key = None  # type: str | None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email_normalized} {self.role}>"

    # flask-login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.status == UserStatus.ACTIVE

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The id flask-login keeps in the cookie names the server-side session, so that
        # deleting the session row ends the cookie (and the remember-me cookie) at once.
        return f"{self.id}:{self.current_session_key or ''}"

    # Predicates --------------------------------------------------------------
    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_buyer(self) -> bool:
        return self.role == Role.BUYER

    @property
    def is_supplier_member(self) -> bool:
        return self.role == Role.SUPPLIER and self.supplier_id is not None

    @property
    def is_supplier_owner(self) -> bool:
        return self.is_supplier_member and self.company_role == CompanyRole.OWNER


class UserSession(IdMixin, Model):
    """A login: one row per browser session, deleted at logout or revocation."""

    __tablename__ = "user_sessions"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    is_remembered: Mapped[bool] = mapped_column(default=False)
    # The last time the password was entered in this session (at login, or again to
    # create an API token): some actions need a recent one.
    password_verified_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


class ApiToken(IdMixin, Model):
    """A personal access token for integrations; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r} user={self.user_id}>"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PasswordResetToken(IdMixin, Model):
    """A single-use password reset link sent by e-mail; only its SHA-256 is stored."""

    __tablename__ = "password_reset_tokens"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<PasswordResetToken {self.id} user={self.user_id}>"
