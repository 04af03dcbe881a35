"""Language choice: the user's setting, then a cookie, then Accept-Language."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

LANG_COOKIE = "mp_lang"


def supported_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def normalise_language(value: str | None) -> str | None:
    if not value:
        return None
    primary = value.replace("_", "-").split("-")[0].lower()
    return primary if primary in supported_languages() else None


def select_locale() -> str:
    user = current_user if has_request_context() else None
    if user is not None and user.is_authenticated and user.locale:
        chosen = normalise_language(user.locale)
        if chosen:
            return chosen
    from_cookie = normalise_language(request.cookies.get(LANG_COOKIE))
    if from_cookie:
        return from_cookie
    best = request.accept_languages.best_match(
        [*supported_languages(), "zh-CN", "zh-Hans", "zh-SG"], default="en"
    )
    return normalise_language(best) or "en"
