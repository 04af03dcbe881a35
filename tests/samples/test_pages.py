"""The sample pages: the product page's form (buyers) or sign-in link (visitors), the
buyer's "My samples" and the supplier's "Sample requests" with the buttons of each state;
forms move the state, refuse what the API refuses and need their CSRF token."""

from __future__ import annotations

import pytest

from marketplace import transaction
from marketplace.samples.models import SampleStatus
from marketplace.suppliers.models import SupplierStatus
from tests.factories import InquiryFactory
from tests.samples.support import counts, make_sample, row

HTML = {"Accept": "text/html"}


def page(client, path, status=200) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def post(client, path, data, status=302):
    response = client.post(path, data=data, headers=HTML)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response


def test_the_product_page_offers_buyers_the_form(buyer, product, login_as):
    html = page(login_as(buyer), f"/products/{product.id}")
    assert 'id="request-samples"' in html
    assert f'action="/buyer/samples/new?product_id={product.id}"' in html


def test_the_product_page_sends_visitors_to_sign_in(product, make_api):
    html = page(make_api(), f"/products/{product.id}")
    assert (
        f"/login?next=/buyer/samples/new?product_id%3D{product.id}" in html.replace("&amp;", "&")
        or "/login?next=%2Fbuyer%2Fsamples%2Fnew" in html
    )
    assert 'id="request-samples"' not in html


def test_suppliers_get_no_sample_form(staff, product, login_as):
    assert "Request samples" not in page(login_as(staff), f"/products/{product.id}")


def test_the_form_sends_a_request(buyer, product, owner, login_as):
    client = login_as(buyer)
    response = post(
        client,
        f"/buyer/samples/new?product_id={product.id}",
        {
            "product_id": str(product.id),
            "quantity_pairs": "3",
            "destination_country": "PH",
            "sizes": "38\uff0c39 40",
            "colors": "black, pink",
            "note": "For our buyers' meeting.",
        },
    )
    sample_id = int(response.headers["Location"].rsplit("/", 1)[1])
    sample = row(sample_id)
    assert (sample.quantity_pairs, sample.sizes, sample.colors) == (
        3,
        ["38", "39", "40"],
        ["black", "pink"],
    )
    html = page(client, f"/buyer/samples/{sample_id}")
    assert "For our buyers&#39; meeting." in html
    assert "Cancel the request" in html
    assert f"#{sample_id}" in page(client, "/buyer/samples")


def test_the_form_shows_the_errors(buyer, product, login_as):
    before = counts()
    html = post(
        login_as(buyer),
        f"/buyer/samples/new?product_id={product.id}",
        {"quantity_pairs": "500", "destination_country": ""},
        status=422,
    ).get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert counts() == before


def test_the_form_needs_its_csrf_token(buyer, product, login_as):
    client = login_as(buyer)
    before = counts()
    response = client.post(
        f"/buyer/samples/new?product_id={product.id}",
        data={"quantity_pairs": "2", "destination_country": "PH"},
        headers=HTML,
        csrf=False,
    )
    assert response.status_code in (400, 403)
    assert counts() == before


def test_a_hidden_product_has_no_form(buyer, supplier, login_as):
    from marketplace.catalog.models import ProductStatus
    from tests.catalog.support import make_product

    draft = make_product(supplier, ProductStatus.DRAFT, sku="DRAFT-SMP")
    page(login_as(buyer), f"/buyer/samples/new?product_id={draft.id}", status=404)


def test_an_inquiry_about_a_product_links_to_the_form(buyer, supplier, product, login_as):
    inquiry = InquiryFactory(buyer=buyer, supplier=supplier, product=product, message="Hi")
    html = page(login_as(buyer), f"/buyer/inquiries/{inquiry.id}")
    assert f"/buyer/samples/new?product_id={product.id}" in html


def test_the_supplier_quotes_ships_and_the_buyer_receives(buyer, staff, product, login_as):
    sample = make_sample(buyer, product, member=staff)
    supplier_client, buyer_client = login_as(staff), login_as(buyer)
    html = page(supplier_client, f"/dashboard/samples/{sample.id}")
    assert "Send your terms" in html and "Decline the request" in html
    assert f"#{sample.id}" in page(supplier_client, "/dashboard/samples")

    post(
        supplier_client,
        f"/dashboard/samples/{sample.id}/quote",
        {"fee": "0", "shipping_fee": "25", "currency": "USD", "ready_in_days": "5"},
    )
    assert row(sample.id).status == SampleStatus.QUOTED
    assert "Accept the terms" in page(buyer_client, f"/buyer/samples/{sample.id}")
    post(buyer_client, f"/buyer/samples/{sample.id}/accept", {})
    post(
        supplier_client,
        f"/dashboard/samples/{sample.id}/ship",
        {"carrier": "DHL", "reference": "JD0146"},
    )
    assert "JD0146" in page(buyer_client, f"/buyer/samples/{sample.id}")
    post(buyer_client, f"/buyer/samples/{sample.id}/receive", {})
    assert row(sample.id).status == SampleStatus.RECEIVED


def test_a_bad_quote_is_shown_with_its_errors(buyer, staff, product, login_as):
    sample = make_sample(buyer, product, member=staff)
    html = post(
        login_as(staff),
        f"/dashboard/samples/{sample.id}/quote",
        {"fee": "-3", "shipping_fee": "", "currency": "USD", "ready_in_days": "5"},
        status=422,
    ).get_data(as_text=True)
    assert 'id="fee-error"' in html and 'id="shipping_fee-error"' in html
    assert row(sample.id).status == SampleStatus.REQUESTED


def test_shipping_without_tracking_is_refused(buyer, staff, product, login_as):
    sample = make_sample(buyer, product, SampleStatus.ACCEPTED, member=staff)
    post(login_as(staff), f"/dashboard/samples/{sample.id}/ship", {"carrier": "DHL"}, status=422)
    assert row(sample.id).status == SampleStatus.ACCEPTED


def test_a_stale_button_says_what_happened(buyer, staff, product, login_as):
    sample = make_sample(buyer, product, SampleStatus.CANCELLED, member=staff)
    client = login_as(buyer)
    response = post(client, f"/buyer/samples/{sample.id}/cancel", {})
    assert response.headers["Location"].endswith(f"/buyer/samples/{sample.id}")
    assert "moved on meanwhile" in page(client, f"/buyer/samples/{sample.id}")


@pytest.mark.parametrize("path", ["/buyer/samples/{id}", "/buyer/samples/{id}/cancel"])
def test_another_buyer_gets_404(path, buyer, other_buyer, staff, product, login_as):
    sample = make_sample(buyer, product, member=staff)
    client = login_as(other_buyer)
    url = path.format(id=sample.id)
    response = (
        client.get(url, headers=HTML)
        if url.endswith(str(sample.id))
        else client.post(url, data={}, headers=HTML)
    )
    assert response.status_code == 404
    assert row(sample.id).status == SampleStatus.REQUESTED


def test_the_supplier_declines_with_a_reason(buyer, staff, product, login_as):
    sample = make_sample(buyer, product, member=staff)
    post(login_as(staff), f"/dashboard/samples/{sample.id}/decline", {"reason": "Sold out."})
    assert "Sold out." in page(login_as(buyer), f"/buyer/samples/{sample.id}")


def test_a_suspended_company_sees_no_forms_and_cannot_post(
    buyer, owner, supplier, product, login_as
):
    sample = make_sample(buyer, product, member=owner)
    supplier.status = SupplierStatus.SUSPENDED
    transaction.commit()
    client = login_as(owner)
    html = page(client, f"/dashboard/samples/{sample.id}")
    assert "Send your terms" not in html
    post(client, f"/dashboard/samples/{sample.id}/decline", {"reason": "x"}, status=403)
    assert row(sample.id).status == SampleStatus.REQUESTED


def test_chinese_pages(buyer, staff, product, login_as):
    staff.locale = "zh"
    transaction.commit()
    make_sample(buyer, product, member=staff)
    assert "样品" in page(login_as(staff), "/dashboard/samples")


def test_navigation_has_the_entries(buyer, staff, login_as):
    assert 'href="/buyer/samples"' in page(login_as(buyer), "/buyer/samples")
    assert 'href="/dashboard/samples"' in page(login_as(staff), "/dashboard/samples")
