from tests.factories import BuyerFactory
from tests.web.conftest import FormScan


def test_home_page_has_a_product_search_box(browser):
    response = browser.get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    scan = FormScan(response.text)
    forms = [attrs for tag, attrs in scan.tags if tag == "form" and attrs.get("role") == "search"]
    assert {"method": "get", "action": "/products"}.items() <= forms[0].items()
    search_inputs = [c for c in scan.controls if c.get("name") == "q"]
    assert search_inputs and search_inputs[0]["type"] == "search"
    assert search_inputs[0]["id"] in scan.label_targets
    assert "Source slippers directly from Neikeng" in response.text


def test_home_offers_sign_in_to_visitors_and_the_dashboard_to_users(browser, signed_in):
    anonymous = browser.get("/").text
    assert 'href="/login"' in anonymous
    assert 'href="/register"' in anonymous

    buyer = BuyerFactory(name="Maria Santos")
    page = signed_in(buyer).get("/").text
    assert 'href="/buyer"' in page
    assert "Signed in as Maria Santos" in page
    assert 'href="/login"' not in page
