"""Page language: the signed-in user's setting, then the ``mp_lang`` cookie, then
the browser's Accept-Language, then English."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

LANG_COOKIE = "mp_lang"
# Browsers send regional tags; Simplified Chinese ones all mean our "zh" catalog.
ACCEPT_ALIASES = ("zh-CN", "zh-Hans", "zh-SG", "zh-Hans-CN")


def supported_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def normalise_language(value: str | None) -> str | None:
    """``"zh-CN"``, ``"zh_Hans"``, ``"ZH"`` → ``"zh"``; ``None`` for what we do not offer."""
    if not value:
        return None
    primary = value.replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in supported_languages() else None


def user_language() -> str | None:
    """The signed-in user's saved language.

    Error pages are rendered in this language too, including the 503 page shown while
    the database is down: then the user cannot be loaded and the other sources decide.
    """
    try:
        user = current_user._get_current_object()
    except SQLAlchemyError:
        return None
    if user is None or not user.is_authenticated:
        return None
    return normalise_language(user.locale)


def select_locale() -> str:
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    if not has_request_context():
        return default  # CLI commands and e-mails pass their language explicitly
    chosen = user_language() or normalise_language(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(
        [*supported_languages(), *ACCEPT_ALIASES], default=default
    )
    return normalise_language(best) or default
