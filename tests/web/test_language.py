import sqlalchemy as sa

from marketplace.accounts.models import User
from tests.factories import BuyerFactory

CHINESE_SIGN_IN = "登录"
ENGLISH_SIGN_IN = ">Sign in<"


def test_english_by_default(browser):
    response = browser.get("/login")

    assert '<html lang="en">' in response.text
    assert ENGLISH_SIGN_IN in response.text
    assert response.headers["Content-Language"] == "en"


def test_accept_language_zh_cn_gives_chinese(browser):
    response = browser.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})

    assert '<html lang="zh-Hans">' in response.text
    assert f">{CHINESE_SIGN_IN}<" in response.text
    assert "邮箱" in response.text  # the form labels are translated too
    assert ENGLISH_SIGN_IN not in response.text
    assert response.headers["Content-Language"] == "zh"
    assert "Accept-Language" in response.headers["Vary"]


def test_unsupported_language_falls_back_to_english(browser):
    response = browser.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})

    assert ENGLISH_SIGN_IN in response.text


def test_cookie_beats_accept_language(browser):
    browser.client.set_cookie("mp_lang", "en")
    english = browser.get("/login", headers={"Accept-Language": "zh-CN"})
    browser.client.set_cookie("mp_lang", "zh")
    chinese = browser.get("/login", headers={"Accept-Language": "en-US"})

    assert ENGLISH_SIGN_IN in english.text
    assert CHINESE_SIGN_IN in chinese.text


def test_a_bad_cookie_value_is_ignored(browser):
    browser.client.set_cookie("mp_lang", "<script>")

    response = browser.get("/login", headers={"Accept-Language": "zh-CN"})

    assert CHINESE_SIGN_IN in response.text


def test_saved_locale_beats_cookie_and_accept_language(signed_in):
    buyer = BuyerFactory(locale="zh", name="Maria Santos")
    page = signed_in(buyer)
    page.client.set_cookie("mp_lang", "en")

    response = page.get("/buyer", headers={"Accept-Language": "en-US"})

    assert "欢迎您\uff0cMaria Santos" in response.text  # full-width comma
    assert "采购商后台" in response.text


def test_post_language_saves_it_for_the_user_and_in_a_cookie(signed_in, db_session):
    buyer = BuyerFactory(locale=None)
    page = signed_in(buyer)

    response = page.post("/language", {"language": "zh", "next": "/buyer"}, csrf_from="/buyer")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/buyer")
    assert page.cookie("mp_lang") == "zh"
    db_session.expire_all()
    assert db_session.scalar(sa.select(User.locale).where(User.id == buyer.id)) == "zh"
    page.client.delete_cookie("mp_lang")
    assert "采购商后台" in page.get("/buyer", headers={"Accept-Language": "en"}).text


def test_visitor_language_choice_lives_in_the_cookie(browser):
    response = browser.post("/language", {"language": "zh", "next": "/register"}, csrf_from="/")

    assert response.headers["Location"].endswith("/register")
    set_cookie = response.headers["Set-Cookie"]
    assert "mp_lang=zh" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    assert "注册" in browser.get("/register").text


def test_language_switch_refuses_unknown_languages_and_foreign_next(browser):
    unknown = browser.post("/language", {"language": "xx", "next": "/login"}, csrf_from="/")
    foreign = browser.post(
        "/language", {"language": "zh", "next": "//evil.example/"}, csrf_from="/"
    )

    assert browser.cookie("mp_lang") == "zh"  # set by the second request only
    assert "mp_lang" not in unknown.headers.get("Set-Cookie", "")
    assert foreign.status_code == 302
    assert "evil" not in foreign.headers["Location"]


def test_language_switch_needs_csrf(signed_in, db_session):
    buyer = BuyerFactory(locale="en")
    page = signed_in(buyer)

    response = page.post("/language", {"language": "zh"}, csrf_from=False)

    assert response.status_code == 400
    db_session.expire_all()
    assert db_session.scalar(sa.select(User.locale).where(User.id == buyer.id)) == "en"


def test_every_page_offers_the_language_switch_without_javascript(browser):
    page = browser.get("/").text

    assert 'action="/language"' in page
    assert 'name="language" value="zh"' in page
    assert "<script" not in page
