"""Concurrent writers: 0 "database is locked", 0 server errors, exactly the rows expected
(security.md: SQLite 20 writer threads; same-email registrations racing in different case)."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import in_parallel, registration

pytestmark = pytest.mark.real_commits

WRITERS = 20


def assert_no_database_trouble(responses, logs) -> None:
    for response in responses:
        assert response.status_code < 500, response.get_data(as_text=True)
        assert "locked" not in response.get_data(as_text=True)
    assert [line for line in logs.lines() if line["level"] == "ERROR"] == []


def test_twenty_writers_register_log_in_and_create_tokens_at_once(make_app, capture_logs):
    dedicated = make_app()
    clients = [dedicated.api() for _ in range(WRITERS)]
    for client in clients:
        client.refresh_csrf()
    logs = capture_logs()

    registered = in_parallel(
        clients,
        lambda i, c: c.post("/api/v1/auth/register", json=registration(f"writer{i}@x.com")),
    )
    assert_no_database_trouble(registered, logs)
    assert [r.status_code for r in registered] == [201] * WRITERS
    assert dedicated.count("users") == WRITERS

    logged_in = in_parallel(clients, lambda i, c: c.login(f"writer{i}@x.com"))
    assert_no_database_trouble(logged_in, logs)
    assert [r.status_code for r in logged_in] == [200] * WRITERS
    assert dedicated.count("user_sessions") == WRITERS

    tokens = in_parallel(
        clients, lambda i, c: c.post("/api/v1/auth/tokens", json={"name": f"erp {i}"})
    )
    assert_no_database_trouble(tokens, logs)
    assert [r.status_code for r in tokens] == [201] * WRITERS
    assert dedicated.count("api_tokens") == WRITERS
    assert len({r.json["token"] for r in tokens}) == WRITERS
    for i, client in enumerate(clients):  # each token belongs to the user who made it
        assert tokens[i].json["name"] == f"erp {i}"
        me = client.get("/api/v1/auth/tokens")
        assert [t["name"] for t in me.json["items"]] == [f"erp {i}"]


def case_variants(email: str, count: int) -> list[str]:
    """``count`` spellings of ``email`` differing only in letter case (and one padded)."""
    letters = [i for i, ch in enumerate(email) if ch.isalpha()]
    variants = []
    for n in range(count):
        chars = list(email)
        for bit, position in enumerate(letters):
            if (n >> (bit % 12)) & 1:
                chars[position] = chars[position].upper()
        variants.append("".join(chars))
    variants[-1] = f"  {variants[-1].upper()} "
    return variants


@pytest.mark.parametrize("round_", range(3))
def test_same_email_in_different_case_racing_gives_exactly_one_account(make_app, round_):
    # TestingConfig hashes cheaply, so the ten requests reach the database together.
    dedicated = make_app()
    email = f"buyer{round_}@x.com"
    variants = case_variants(email, 10)
    assert len(set(variants)) == 10
    assert {v.strip().lower() for v in variants} == {email}
    clients = [dedicated.api() for _ in variants]
    for client in clients:
        client.refresh_csrf()

    responses = in_parallel(
        clients, lambda i, c: c.post("/api/v1/auth/register", json=registration(variants[i]))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 9, [r.get_data(as_text=True) for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.json["code"] == 409
            assert response.json["message"] == "An account with this e-mail already exists."
    assert dedicated.count("users") == 1
    assert dedicated.count("users", f"email_normalized = '{email}'") == 1
    winner = variants[[r.status_code for r in responses].index(201)]
    assert clients[0].login(winner.strip()).status_code == 200
    assert clients[1].login(email.upper()).status_code == 200  # one account, any case
