"""Page-language versions of the English messages that services and error handlers raise.

Services and the JSON API speak English (integrations parse it); pages show the same
message in the reader's language.  A message not listed here is shown as it came.
"""

from __future__ import annotations

from http import HTTPStatus

from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import default_exceptions

from marketplace.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from marketplace.accounts.services import (
    BAD_CREDENTIALS,
    BAD_RESET_TOKEN,
    WRONG_CURRENT_PASSWORD,
    WRONG_PASSWORD,
)
from marketplace.permissions import COMPANY_SUSPENDED

_CSRF_EXPIRED = _l(
    "This form has expired or did not come from this site. "
    "Go back, reload the page and submit the form again."
)

KNOWN_MESSAGES = {
    # accounts.services and accounts.passwords
    BAD_CREDENTIALS: _l("Invalid e-mail or password."),
    "This account is suspended. Contact the platform administrators.": _l(
        "This account is suspended. Contact the platform administrators."
    ),
    "Required for a supplier account.": _l("Enter the name of your company."),
    "An account with this e-mail already exists.": _l(
        "An account with this e-mail already exists. Sign in instead?"
    ),
    f"Password must be at least {MIN_LENGTH} characters.": _l(
        "Password must be at least %(count)d characters.", count=MIN_LENGTH
    ),
    f"Password must be at most {MAX_LENGTH} characters.": _l(
        "Password must be at most %(count)d characters.", count=MAX_LENGTH
    ),
    "This password is too common; choose another.": _l(
        "This password is too common; choose another."
    ),
    "Password must not be your e-mail address.": _l("Password must not be your e-mail address."),
    "Password must not be your name.": _l("Password must not be your name."),
    WRONG_CURRENT_PASSWORD: _l("The current password is wrong."),
    WRONG_PASSWORD: _l("The password is wrong."),
    BAD_RESET_TOKEN: _l("This password reset link is invalid, used or expired; request a new one."),
    # errors.py defaults and permissions.py
    "Authentication is required.": _l("Please sign in to continue."),
    "You are not allowed to do this.": _l("Your account does not have access to this page."),
    "Only members of a supplier company can do this.": _l(
        "Only members of a supplier company can open this page."
    ),
    COMPANY_SUSPENDED: _l(
        "Your company is suspended: its catalog, profile, team, quotations and inquiries "
        "are read-only. Contact the platform administrators."
    ),
    "Not found.": _l("We could not find this page."),
    "Too many requests; try again later.": _l("Too many requests. Wait a moment and try again."),
    "Internal server error.": _l(
        "Something went wrong on our side. Please try again in a few minutes."
    ),
    "The service is temporarily unavailable; please retry shortly.": _l(
        "The service is temporarily unavailable. Please try again in a few seconds."
    ),
    # Flask-WTF's CSRF check
    "The CSRF token is missing.": _CSRF_EXPIRED,
    "The CSRF session token is missing.": _CSRF_EXPIRED,
    "The CSRF token has expired.": _CSRF_EXPIRED,
    "The CSRF token is invalid.": _CSRF_EXPIRED,
    "The CSRF tokens do not match.": _CSRF_EXPIRED,
    "The referrer header is missing.": _CSRF_EXPIRED,
    "The referrer does not match the host.": _CSRF_EXPIRED,
}

# What a status means, for error pages whose message is Werkzeug's stock description.
STATUS_MESSAGES = {
    400: _l("The request could not be understood. Check the address or the form and try again."),
    401: _l("Please sign in to continue."),
    403: _l("Your account does not have access to this page."),
    404: _l("We could not find this page. It may have been moved or removed."),
    405: _l("This page cannot be used that way."),
    413: _l("What you sent is too large."),
    415: _l("This kind of file or data is not accepted here."),
    422: _l("Some of the information sent is not valid."),
    429: _l("Too many requests. Wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again in a few minutes."),
    503: _l("The service is temporarily unavailable. Please try again in a few seconds."),
}

STATUS_TITLES = {
    400: _l("Bad request"),
    401: _l("Sign-in required"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    415: _l("Unsupported type"),
    422: _l("Invalid information"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Service unavailable"),
}


def _stock_descriptions(code: int) -> set[str]:
    texts = {HTTPStatus(code).phrase}
    if code in default_exceptions:
        texts.add(default_exceptions[code].description or "")
    return texts


def translate_message(message: str, code: int | None = None) -> str:
    """``message`` in the page language when it is one we know, else unchanged."""
    if message in KNOWN_MESSAGES:
        return str(KNOWN_MESSAGES[message])
    if code in STATUS_MESSAGES and (not message or message in _stock_descriptions(code)):
        return str(STATUS_MESSAGES[code])
    return message


def status_title(code: int) -> str:
    title = STATUS_TITLES.get(code)
    if title is not None:
        return str(title)
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return str(code)
