"""Shared by the authorization matrix and the schemathesis run."""

from __future__ import annotations

from argon2 import PasswordHasher

from marketplace.accounts import passwords
from tests.conftest import PASSWORD


def install_cheap_password_hashing(monkeypatch) -> str:
    """Swap argon2's production cost for a tiny one for the rest of this test.

    Tests that log in or register hundreds of times only care about the API's answers
    (tests/accounts checks the real parameters).  Returns the cheap hash of
    ``conftest.PASSWORD`` to give the factory users, so that logging in stays cheap.
    """
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("not-a-real-password"))
    return cheap.hash(PASSWORD)
