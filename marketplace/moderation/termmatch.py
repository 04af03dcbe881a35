"""Finding the prohibited terms in product texts, however they are disguised.

The text and each term are reduced to the same *folded* form (``fold``):

1. NFKD: fullwidth, mathematical (bold, script...), superscript, circled and ligature
   letters become plain ones, and an accented letter splits into letter + mark;
2. combining marks are dropped: no diacritics (Hermès -> hermes, Pokémon -> pokemon);
3. invisible format characters (zero-width space, joiners, soft hyphen, word joiner, BOM,
   direction marks) and Hangul fillers count as spaces;
4. look-alike letters of other scripts become the Latin letters they imitate (Cyrillic
   i U+0456 and ie U+0435, Greek capital nu U+039D, ...): ``confusables.LOOKALIKES``,
   from Unicode's TR39 data;
5. case folding.

The folded text is cut into tokens: runs of letters, runs of digits, and single Chinese
or Japanese characters (those scripts put no spaces between words: 耐克 is found in
耐克同款拖鞋, Nike in NIKE同款 and in Nike2024). A term's tokens are joined ("Air Jordan" ->
airjordan) and looked for in the text's joined tokens where a text token starts and one
ends. So spaces and punctuation inside the term do not matter (AirJordan, Air-Jordan,
A i r Jordan; Dr Martens for Dr. Martens), while a term inside a longer word is no hit
(Vans in canvas or Vansville, Asics in basics, Fila in filament, Nike in Nikex).

Speed: a term list is folded once (``term_matcher`` keeps the last few lists); a text is
folded with C-level string operations (plain ASCII text takes a shortcut) and each term
is one ``str.find`` over the joined tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate

from marketplace.moderation.confusables import LOOKALIKES

_LATIN_OF = {char: latin for latin, chars in LOOKALIKES.items() for char in chars}
# Default-ignorable letters (category Lo, so not caught as format characters); NFKD has
# already turned U+3164 and U+FFA0 into U+1160.
_FILLERS = frozenset({0x115F, 0x1160})

_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_TOKEN = re.compile(rf"\d+|[{_CJK}]|[^\W\d_{_CJK}]+")


class _FoldTable(dict[int, str]):
    """``str.translate`` table: marks -> nothing, format characters -> a space,
    look-alikes -> Latin, anything else -> itself; each code point is looked up once."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        category = unicodedata.category(char)
        if category in ("Mn", "Me"):
            value = ""
        elif category == "Cf" or code in _FILLERS:
            value = " "
        else:
            value = _LATIN_OF.get(char, char)
        self[code] = value
        return value


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """``text`` without case, diacritics, compatibility forms, invisible characters or
    look-alike letters (steps 1-5 above)."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text).translate(_FOLD).casefold()
    # Case folding can make a new look-alike (a small Cherokee letter folds to a capital).
    return text if text.isascii() else unicodedata.normalize("NFKD", text).translate(_FOLD)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


class TermMatcher:
    """Terms folded once; ``find(text)`` lists those that occur in ``text``."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = [(term, key) for term in terms if (key := "".join(tokens(term)))]

    def find(self, text: str) -> list[str]:
        parts = tokens(text)
        if not parts:
            return []
        joined = "".join(parts)
        bounds = set(accumulate(map(len, parts), initial=0))
        found = []
        for term, key in self.terms:
            at = joined.find(key)
            while at >= 0:
                if at in bounds and at + len(key) in bounds:
                    found.append(term)
                    break
                at = joined.find(key, at + 1)
        return found


@lru_cache(maxsize=8)
def term_matcher(terms: tuple[str, ...]) -> TermMatcher:
    """The matcher of a term list (the list changes rarely: it is kept)."""
    return TermMatcher(terms)
