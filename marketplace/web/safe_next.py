"""Open-redirect protection for ``?next=`` (ASVS 3.7.2)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """Return ``target`` if it is a path on this site, else ``default``.

    Refuses scheme-relative (``//host``), backslash tricks (``/\\host``), any scheme
    (``https:``, ``javascript:``), control characters and their percent-encoded forms.
    """
    if not target:
        return default
    candidate = target
    for _ in range(3):  # look through double encoding too
        decoded = unquote(candidate)
        if decoded == candidate:
            break
        candidate = decoded
    for text in (target, candidate):
        if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in text):
            return default
        if not text.startswith("/") or text.startswith("//") or "\\" in text:
            return default
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return default
    return target
