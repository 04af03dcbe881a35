"""Helpers for page tests: a browser-like client that fills in the CSRF token."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import PASSWORD

TRANSLATIONS = Path(__file__).resolve().parents[2] / "marketplace" / "translations"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def compile_catalogs() -> None:
    """What `make translations` does, when a .mo is missing or older than its .po.

    Written to a temporary name and renamed, so parallel workers never read half a file.
    """
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        tmp_path = mo_path.with_suffix(f".mo.{os.getpid()}")
        with tmp_path.open("wb") as fh:
            write_mo(fh, catalog)
        os.replace(tmp_path, mo_path)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    compile_catalogs()


def csrf_token_in(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


class Browser:
    """A Flask test client that asks for HTML and posts forms like a browser."""

    def __init__(self, flask_client):
        self.client = flask_client

    def get(self, path: str, headers: dict | None = None, **kwargs):
        headers = {"Accept": BROWSER_ACCEPT, **(headers or {})}
        return self.client.get(path, headers=headers, **kwargs)

    def post(
        self, path: str, data: dict, *, csrf_from: str | bool | None = None, headers=None, **kw
    ):
        """POST a form with the CSRF token of page ``csrf_from`` (default ``path``; False: none)."""
        form = dict(data)
        if csrf_from is not False:
            form.setdefault("csrf_token", csrf_token_in(self.get(csrf_from or path).text))
        headers = {"Accept": BROWSER_ACCEPT, **(headers or {})}
        return self.client.post(path, data=form, headers=headers, **kw)

    def login(self, email: str, password: str = PASSWORD, **extra):
        response = self.post("/login", {"email": email, "password": password, **extra})
        assert response.status_code == 302, response.text
        return response

    def cookie(self, name: str) -> str | None:
        cookie = self.client.get_cookie(name)
        return cookie.value if cookie else None


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def make_browser(app):
    return lambda: Browser(app.test_client())


@pytest.fixture
def signed_in(make_browser):
    """A Browser signed in through the login page as ``user``."""

    def _signed_in(user, **extra):
        page = make_browser()
        page.login(user.email, **extra)
        return page

    return _signed_in


class FormScan(HTMLParser):
    """Inputs, selects and labels of a page, for the accessibility checks."""

    def __init__(self, html: str):
        super().__init__()
        self.controls: list[dict] = []
        self.label_targets: set[str] = set()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        self.tags.append((tag, attributes))
        if tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        if tag in {"input", "select", "textarea"} and attributes.get("type") != "hidden":
            self.controls.append({"tag": tag, **attributes})
