"""Password reset by e-mail: the same answer for every address, a single-use link valid
PASSWORD_RESET_TTL, stored as a hash; using it ends every session and API token."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts import services
from marketplace.accounts.models import ApiToken, PasswordResetToken, UserSession
from marketplace.accounts.services import sha256
from marketplace.db import utcnow
from marketplace.extensions import db
from tests.accounts.conftest import (
    ME,
    PASSWORD_RESET,
    PASSWORD_RESET_CONFIRM,
    TOKENS,
    assert_error_envelope,
    commit,
    emails_to,
    reset_token_in,
    without_request_id,
)
from tests.conftest import PASSWORD
from tests.factories import BuyerFactory

NEW_PASSWORD = "a fresh slipper passphrase"
HTML = {"Accept": "text/html"}


@pytest.fixture
def buyer():
    user = BuyerFactory()
    commit()
    return user


def request_reset(api, email: str, **kwargs):
    return api.post(PASSWORD_RESET, json={"email": email}, **kwargs)


def confirm(api, token: str, new_password: str = NEW_PASSWORD):
    return api.post(PASSWORD_RESET_CONFIRM, json={"token": token, "new_password": new_password})


def reset_rows(user_id: int) -> list[PasswordResetToken]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(PasswordResetToken).where(PasswordResetToken.user_id == user_id)
        )
    )


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(api, buyer):
    known = request_reset(api, buyer.email.upper())
    unknown = request_reset(api, "nobody-here@importer.example")
    assert known.status_code == unknown.status_code == 202
    assert without_request_id(known.json) == without_request_id(unknown.json)
    assert known.json["message"]
    assert len(emails_to(buyer.email)) == 1
    assert emails_to("nobody-here@importer.example") == []


def test_the_whole_reset_ends_every_session_and_token(app, api, make_api, login_as, buyer):
    browser = login_as(buyer)
    remembered = login_as(buyer, remember=True)
    secret = browser.post(TOKENS, json={"name": "erp"}).json["token"]

    assert request_reset(make_api(), buyer.email).status_code == 202
    (email,) = emails_to(buyer.email)
    assert email.subject == "Reset your password"
    assert buyer.name in email.body_text
    token = reset_token_in(email)

    response = confirm(api, token)
    assert response.status_code == 204
    assert response.get_data() == b""

    assert browser.get(ME).status_code == 401
    assert remembered.get(ME).status_code == 401
    integration = app.test_client()
    assert integration.get(ME, headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == buyer.id)
        )
        == 0
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ApiToken)
            .where(ApiToken.user_id == buyer.id, ApiToken.revoked_at.is_(None))
        )
        == 0
    )
    assert make_api().login(buyer.email, PASSWORD).status_code == 401
    assert make_api().login(buyer.email, NEW_PASSWORD).status_code == 200


def test_a_token_works_once(api, buyer):
    request_reset(api, buyer.email)
    token = reset_token_in(emails_to(buyer.email)[0])
    assert confirm(api, token).status_code == 204
    again = confirm(api, token, "yet another slipper passphrase")
    assert_error_envelope(again, 400)
    assert "token" in again.json["errors"]


def test_using_one_link_spoils_the_others_but_asking_again_does_not(api, make_api, buyer):
    # A stranger asking for links to the owner's address cannot spoil the owner's link.
    request_reset(api, buyer.email)
    request_reset(make_api(), buyer.email)
    first, second = (reset_token_in(email) for email in emails_to(buyer.email))
    assert first != second
    assert confirm(api, first).status_code == 204
    assert_error_envelope(confirm(api, second, "yet another slipper passphrase"), 400)
    assert all(row.used_at is not None for row in reset_rows(buyer.id))


def test_an_expired_token_is_refused(api, make_api, buyer):
    request_reset(api, buyer.email)
    token = reset_token_in(emails_to(buyer.email)[0])
    (row,) = reset_rows(buyer.id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    commit()
    response = confirm(api, token)
    assert_error_envelope(response, 400)
    assert make_api().login(buyer.email, PASSWORD).status_code == 200


def test_a_link_is_valid_for_password_reset_ttl(app, api, buyer, monkeypatch):
    assert app.config["PASSWORD_RESET_TTL"] == 3600
    request_reset(api, buyer.email)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_TTL", 600)
    request_reset(api, buyer.email)
    default, short = reset_rows(buyer.id)
    assert abs(default.expires_at - default.created_at - timedelta(hours=1)) < timedelta(minutes=1)
    assert abs(short.expires_at - short.created_at - timedelta(minutes=10)) < timedelta(minutes=1)
    assert "60 minutes" in emails_to(buyer.email)[0].body_text


@pytest.mark.parametrize(
    "token", ["nkr_" + "A" * 43, "made-up", "nkp_" + "A" * 43, "nkr_" + "A" * 196]
)
def test_a_forged_token_is_refused_with_the_same_answer(api, make_api, buyer, token):
    request_reset(api, buyer.email)
    real = reset_token_in(emails_to(buyer.email)[0])
    forged = confirm(api, token)
    assert_error_envelope(forged, 400)
    used = confirm(make_api(), real)
    assert used.status_code == 204
    again = confirm(make_api(), real, "yet another slipper passphrase")
    assert without_request_id(forged.json) == without_request_id(again.json)


def test_only_the_hash_of_the_token_is_stored(api, buyer):
    request_reset(api, buyer.email)
    token = reset_token_in(emails_to(buyer.email)[0])
    (row,) = reset_rows(buyer.id)
    assert row.token_hash == sha256(token)
    assert token not in row.token_hash and token[4:] not in row.token_hash


def test_a_refused_new_password_leaves_the_token_usable(api, make_api, buyer):
    request_reset(api, buyer.email)
    token = reset_token_in(emails_to(buyer.email)[0])
    for weak in ("short", "1234567890", buyer.email):
        response = confirm(api, token, weak)
        assert_error_envelope(response, 422)
        assert "new_password" in response.json["errors"]
    assert make_api().login(buyer.email, PASSWORD).status_code == 200
    assert confirm(api, token).status_code == 204


def test_the_e_mail_is_in_the_persons_language(api, make_api):
    chinese = BuyerFactory(locale="zh")
    unset = BuyerFactory(locale=None)
    commit()
    request_reset(api, chinese.email)
    # Without a saved language, the language of the page that asked.
    request_reset(make_api(), unset.email, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    english = BuyerFactory(locale="en")
    commit()
    request_reset(make_api(), english.email, headers={"Accept-Language": "zh-CN"})
    (zh_mail,) = emails_to(chinese.email)
    (zh_page_mail,) = emails_to(unset.email)
    (en_mail,) = emails_to(english.email)
    assert zh_mail.subject == zh_page_mail.subject == "重置密码"
    assert "密码" in zh_mail.body_text and "/password-reset?token=nkr_" in zh_mail.body_text
    assert en_mail.subject == "Reset your password"


def test_the_link_uses_site_url(app, buyer, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_URL", "https://slippers.example.org/")
    # A forged Host header must not end up in the link (a Bearer request needs no
    # cookie, which the test client would only send to its own host).
    _token, secret = services.create_token(buyer, "erp")
    commit()
    response = app.test_client().post(
        PASSWORD_RESET,
        json={"email": buyer.email},
        headers={"Authorization": f"Bearer {secret}", "Host": "evil.example"},
    )
    assert response.status_code == 202
    (email,) = emails_to(buyer.email)
    assert "https://slippers.example.org/password-reset?token=nkr_" in email.body_text
    assert "evil.example" not in email.body_text


def test_a_suspended_account_gets_no_link(api):
    from marketplace.accounts.models import UserStatus

    suspended = BuyerFactory(status=UserStatus.SUSPENDED)
    commit()
    assert request_reset(api, suspended.email).status_code == 202
    assert emails_to(suspended.email) == []


def test_e_mails_per_address_are_limited_without_telling(app, make_api, ip_address, buyer):
    assert app.config["PASSWORD_RESET_LIMIT_PER_EMAIL"] == "5 per hour"
    answers = [
        request_reset(make_api(), buyer.email, environ_base={"REMOTE_ADDR": ip_address()})
        for _ in range(7)
    ]
    assert [answer.status_code for answer in answers] == [202] * 7
    assert len({str(without_request_id(answer.json)) for answer in answers}) == 1
    assert len(emails_to(buyer.email)) == 5
    # The links already sent still work.
    assert confirm(make_api(), reset_token_in(emails_to(buyer.email)[0])).status_code == 204


def test_requests_per_address_ip_are_limited(app, make_api, buyer):
    assert app.config["PASSWORD_RESET_LIMIT_PER_IP"] == "10 per hour"
    office = {"REMOTE_ADDR": "203.0.113.90"}
    for n in range(10):
        response = request_reset(make_api(), f"someone{n}@importer.example", environ_base=office)
        assert response.status_code == 202
    refused = request_reset(make_api(), buyer.email, environ_base=office)
    assert_error_envelope(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0
    assert emails_to(buyer.email) == []
    # Malformed requests count too.
    other = {"REMOTE_ADDR": "203.0.113.91"}
    for _ in range(10):
        assert make_api().post(PASSWORD_RESET, json={}, environ_base=other).status_code == 422
    assert request_reset(make_api(), buyer.email, environ_base=other).status_code == 429


def test_a_signed_in_user_resetting_is_signed_out(api, login_as, buyer):
    browser = login_as(buyer)
    browser.post(PASSWORD_RESET, json={"email": buyer.email})
    token = reset_token_in(emails_to(buyer.email)[0])
    assert (
        browser.post(
            PASSWORD_RESET_CONFIRM, json={"token": token, "new_password": NEW_PASSWORD}
        ).status_code
        == 204
    )
    assert browser.get(ME).status_code == 401


# Delivery ------------------------------------------------------------------------


def test_the_e_mail_is_delivered_through_the_job_queue(api, buyer, smtp_server, mail_to):
    mail_to(smtp_server.host, smtp_server.port)
    assert request_reset(api, buyer.email).status_code == 202
    # No broker in the tests: the delivery job ran in-process after the commit.
    assert smtp_server.mailbox.received == 1
    (message,) = smtp_server.mailbox.messages
    assert message["To"] == buyer.email
    assert message["Subject"] == "Reset your password"
    token = reset_token_in(emails_to(buyer.email)[0])
    assert token in message.get_payload(decode=True).decode()
    assert confirm(api, token).status_code == 204


# Pages ---------------------------------------------------------------------------


def page_token(client) -> str:
    return client.get("/api/v1/auth/csrf").json["csrf_token"]


def test_the_login_page_links_to_the_reset_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password-reset"' in page
    assert "Forgot password?" in page
    client.set_cookie("mp_lang", "zh")
    assert "忘记密码" in client.get("/login").get_data(as_text=True)


def test_the_reset_pages_end_to_end(client, make_api, buyer):
    form = client.get("/password-reset")
    assert form.status_code == 200
    assert 'name="email"' in form.get_data(as_text=True)

    response = client.post(
        "/password-reset", data={"email": buyer.email, "csrf_token": page_token(client)}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    token = reset_token_in(emails_to(buyer.email)[0])

    link = client.get(f"/password-reset?token={token}")
    assert link.status_code == 200
    assert 'name="new_password"' in link.get_data(as_text=True)
    assert reset_rows(buyer.id)[0].used_at is None  # opening the link changes nothing

    weak = client.post(
        "/password-reset",
        data={"token": token, "new_password": "1234567890", "csrf_token": page_token(client)},
    )
    assert weak.status_code == 422
    done = client.post(
        "/password-reset",
        data={"token": token, "new_password": NEW_PASSWORD, "csrf_token": page_token(client)},
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/login")
    assert make_api().login(buyer.email, NEW_PASSWORD).status_code == 200

    used = client.get(f"/password-reset?token={token}")
    assert "invalid, used or expired" in used.get_data(as_text=True)
    again = client.post(
        "/password-reset",
        data={
            "token": token,
            "new_password": "yet another passphrase",
            "csrf_token": page_token(client),
        },
    )
    assert again.status_code == 400
    assert make_api().login(buyer.email, NEW_PASSWORD).status_code == 200


def test_the_reset_page_is_in_chinese(client):
    client.set_cookie("mp_lang", "zh")
    page = client.get("/password-reset").get_data(as_text=True)
    assert "重置密码" in page
    link = client.get("/password-reset?token=nkr_made-up").get_data(as_text=True)
    assert "链接" in link
