"""Every page works without JavaScript, fits the CSP and labels its form controls."""

import re

import pytest

from tests.factories import AdminFactory, BuyerFactory, SupplierOwnerFactory
from tests.web.conftest import FormScan

# (path, status): the error pages are checked as well as the pages themselves.
ANONYMOUS_PAGES = [
    ("/", 200),
    ("/login", 200),
    ("/register", 200),
    ("/logout", 200),
    ("/no-such-page", 404),
]
SIGNED_IN_PAGES = [
    (BuyerFactory, "/buyer", 200),
    (SupplierOwnerFactory, "/dashboard", 200),
    (AdminFactory, "/admin", 200),
    (BuyerFactory, "/dashboard", 403),  # the wrong role's page
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
@pytest.mark.parametrize(("path", "status"), ANONYMOUS_PAGES)
def test_anonymous_pages(browser, path, status, language):
    response = browser.get(path, headers={"Accept-Language": language})

    assert response.status_code == status
    check_markup(response.text)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize(("factory", "path", "status"), SIGNED_IN_PAGES)
def test_signed_in_pages(signed_in, factory, path, status, language):
    response = signed_in(factory()).get(path, headers={"Accept-Language": language})

    assert response.status_code == status
    check_markup(response.text)


def test_register_page_with_errors(browser):
    response = browser.post("/register", {"role": "supplier"})

    assert response.status_code == 422
    check_markup(response.text)
    assert 'aria-describedby="company_name-hint company_name-error"' in response.text
