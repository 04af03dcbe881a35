"""Every page works without JavaScript, fits the CSP and labels its form controls."""

import re

import pytest

from tests.factories import AdminFactory, BuyerFactory, SupplierOwnerFactory
from tests.web.conftest import FormScan

ANONYMOUS_PAGES = ["/", "/login", "/register", "/logout", "/no-such-page"]
SIGNED_IN_PAGES = [
    (BuyerFactory, "/buyer"),
    (SupplierOwnerFactory, "/dashboard"),
    (AdminFactory, "/admin"),
    (BuyerFactory, "/dashboard"),
]


def check_markup(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<style" not in html.lower()
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)  # no inline handlers
    assert re.search(r'<html lang="(en|zh-Hans)">', html)
    assert html.count("<h1") == 1
    scan = FormScan(html)
    for control in scan.controls:
        if control.get("type") in {"submit", "button"}:
            continue
        labelled = control.get("id") in scan.label_targets or control.get("aria-label")
        assert labelled, f"unlabelled control {control}"


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages(browser, path, language):
    response = browser.get(path, headers={"Accept-Language": language})

    assert response.status_code in (200, 404)
    check_markup(response.text)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize(("factory", "path"), SIGNED_IN_PAGES)
def test_signed_in_pages(signed_in, factory, path, language):
    response = signed_in(factory()).get(path, headers={"Accept-Language": language})

    assert response.status_code in (200, 403)
    check_markup(response.text)


def test_register_page_with_errors(browser):
    response = browser.post("/register", {"role": "supplier"})

    assert response.status_code == 422
    check_markup(response.text)
    assert 'aria-describedby="company_name-hint company_name-error"' in response.text
