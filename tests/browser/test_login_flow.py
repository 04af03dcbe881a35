"""A person signs in through the real pages in Chromium and lands on their dashboard."""


def test_buyer_signs_in_and_out(page, live_server, make_user):
    buyer = make_user("buyer", name="Maria Santos")
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", buyer["email"])
    page.fill("input[name=password]", buyer["password"])
    page.click("form[action^='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server}/buyer")
    assert "Maria Santos" in page.content()

    page.goto(f"{live_server}/dashboard")
    assert "403" in page.title() or "403" in page.content()
