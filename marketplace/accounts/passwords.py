"""Password hashing (argon2id) and the password policy (ASVS 6.2)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_LENGTH = 10
MAX_LENGTH = 128

# argon2-cffi's defaults are RFC 9106's low-memory profile: argon2id, t=3, m=64 MiB, p=4.
# They are settings (ARGON2_*) so a deployment can raise them and the test suite can
# lower them; a stored hash with other parameters is upgraded at the next login.
DEFAULT_PARAMETERS = (3, 65536, 4)


@cache
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int):
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    # Verified against when the e-mail is unknown, so both paths cost the same time.
    return hasher, hasher.hash("not-a-real-password-just-for-timing")


def _current():
    if has_app_context():
        cfg = current_app.config
        return _hasher_for(
            cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"]
        )
    return _hasher_for(*DEFAULT_PARAMETERS)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("marketplace.accounts").joinpath("data/common-passwords.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons a new password is refused; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Password must be at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Password must be at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in common_passwords():
        problems.append("This password is too common; choose another.")
    elif email and lowered == email.lower():
        problems.append("Password must not be your e-mail address.")
    elif name and lowered == name.lower():
        problems.append("Password must not be your name.")
    return problems


def hash_password(password: str) -> str:
    hasher, _dummy = _current()
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy = _current()
    try:
        return hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    hasher, _dummy = _current()
    return hasher.check_needs_rehash(password_hash)
