"""A match's stored reasons, rendered from the message catalogue for whoever reads them.

``RFQMatch.reasons`` holds ``{"code", "message", "points", "max", "params"}`` per line:
``code`` is the scoring line (materials, moq, ...), ``message`` the catalogue code of its
sentence.  Rows matched before the catalogue carry an English ``text`` and no
``message``; their ``params`` imply the sentence, so they render in the reader's language
too, and a row whose params do not fit any sentence keeps its stored text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import force_locale

from marketplace import messages as m
from marketplace.messages import MessageNotRenderable

Reason = Mapping[str, Any]


def _stored_message(code: Any, params: Mapping[str, Any]) -> str | None:
    """The catalogue code a pre-catalogue row's params imply (None when they do not).

    Every row matching ever stored has params with these keys (a missing key raises, and
    the caller keeps the stored text), so this is a lookup, not a reading of the text."""
    if code == "product":
        return m.MATCH_PRODUCT
    if code == "materials":
        if "shared" not in params:
            return m.MATCH_MATERIALS_ANY
        return m.MATCH_MATERIALS_SHARED if params["shared"] else m.MATCH_MATERIALS_NONE
    if code == "moq":
        return m.MATCH_MOQ_WITHIN if params["moq"] <= params["quantity"] else m.MATCH_MOQ_ABOVE
    if code == "price":
        if params["price"] is None:
            return m.MATCH_PRICE_NOT_COMPARABLE
        if "target" not in params:
            return m.MATCH_PRICE_NO_TARGET
        return m.MATCH_PRICE_OVER_TARGET if params.get("over_percent") else m.MATCH_PRICE_AT_TARGET
    if code == "capacity":
        if params["capacity"] is None:
            return m.MATCH_CAPACITY_UNKNOWN
        return m.MATCH_CAPACITY_ENOUGH if params["percent"] >= 100 else m.MATCH_CAPACITY_PARTIAL
    if code == "verified":
        return m.MATCH_VERIFIED if params["verified"] else m.MATCH_NOT_VERIFIED
    if code == "response":
        return m.MATCH_RESPONSE_UNKNOWN if params["rate"] is None else m.MATCH_RESPONSE_RATE
    return None


def message_of(reason: Reason) -> str | None:
    """The catalogue code of a stored reason, or None when nothing fits it."""
    if reason.get("message"):
        return str(reason["message"])
    params = reason.get("params")
    if not isinstance(params, Mapping):
        return None
    try:
        return _stored_message(reason.get("code"), params)
    except (KeyError, TypeError):
        return None


def describe(reason: Reason) -> str:
    """The reason's sentence in the current language (the page's, or a forced one)."""
    message = message_of(reason)
    if message is not None:
        try:
            return m.render(message, reason.get("params") or {})
        except MessageNotRenderable:
            pass
    return str(reason.get("text") or "")


def for_api(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    """The API's reason objects: the stored fields plus ``text`` in English."""
    with force_locale(m.API_LOCALE):
        return [
            {
                "code": reason.get("code"),
                "message": message_of(reason),
                "points": reason.get("points", 0),
                "max": reason.get("max", 0),
                "text": describe(reason),
                "params": dict(reason.get("params") or {}),
            }
            for reason in reasons
        ]
