from tests.factories import BuyerFactory


def test_get_logout_only_asks_for_confirmation(signed_in):
    buyer = BuyerFactory(email="ana@importer.example")
    page = signed_in(buyer)

    response = page.get("/logout")

    assert response.status_code == 200
    assert "Sign out of ana@importer.example on this browser?" in response.text
    assert '<form method="post" action="/logout"' in response.text
    assert page.get("/buyer").status_code == 200  # a GET changes nothing


def test_post_logout_ends_the_session_and_the_old_cookie(signed_in, make_browser):
    page = signed_in(BuyerFactory())
    old_cookie = page.cookie("mp_session")
    assert old_cookie

    response = page.post("/logout", {}, csrf_from="/logout")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    assert "You have signed out." in page.get("/").text
    replay = make_browser()
    replay.client.set_cookie("mp_session", old_cookie)
    again = replay.get("/buyer")
    assert again.status_code == 302
    assert "/login" in again.headers["Location"]


def test_logout_also_ends_the_remember_me_cookie(signed_in, make_browser):
    page = signed_in(BuyerFactory(), remember="y")
    remember_cookie = page.cookie("mp_remember")
    assert remember_cookie
    before = make_browser()
    before.client.set_cookie("mp_remember", remember_cookie)
    assert before.get("/buyer").status_code == 200  # the cookie alone signs in...

    page.post("/logout", {}, csrf_from="/logout")

    after = make_browser()
    after.client.set_cookie("mp_remember", remember_cookie)
    assert after.get("/buyer").status_code == 302  # ...until the user signs out


def test_logout_without_csrf_token_keeps_the_user_signed_in(signed_in):
    page = signed_in(BuyerFactory())

    response = page.post("/logout", {}, csrf_from=False)

    assert response.status_code == 400
    assert page.get("/buyer").status_code == 200


def test_logout_page_for_a_visitor(browser):
    response = browser.get("/logout")

    assert response.status_code == 200
    assert "You are not signed in." in response.text
