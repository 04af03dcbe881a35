"""Text handling shared by indexing and querying, identical for both databases.

Everything that reaches an index or a query goes through ``normalise``: NFKC, lower case,
diacritics removed, and every CJK character made a word of its own (neither FTS5's
unicode61 tokenizer nor PostgreSQL's parser segments Chinese, so "夏季拖鞋" would be one
token; as single characters, "拖鞋" is found as the phrase "拖 鞋").

A user's query never reaches the database as syntax: it is cut into words here and each
word is re-emitted as a quoted literal (FTS5) or a quoted lexeme (tsquery), so quotes,
``NEAR``, ``*``, ``:*``, ``&|!``, parentheses and SQL fragments are plain text.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from dataclasses import dataclass

# Han, Hiragana, Katakana, Hangul syllables, CJK compatibility ideographs.
_CJK = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
)
CJK_CHAR = re.compile(f"[{_CJK}]")
# A word: letters and digits (no underscore: both tokenizers treat it as a separator).
WORD = re.compile(r"[^\W_]+")

MAX_TERMS = 12

# PostgreSQL's English stop words (snowball), dropped from queries on both databases so
# that "slides for women" means the same everywhere.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "s",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "t",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)


@functools.cache
def _combining_marks() -> dict[int, None]:
    """str.translate table deleting every combining mark (accents after NFKD)."""
    return {
        code: None for code in range(0x300, sys.maxunicode + 1) if unicodedata.combining(chr(code))
    }


def normalise(text: str | None) -> str:
    if not text:
        return ""
    if text.isascii():  # most catalog text: nothing to decompose, no CJK
        return text.lower()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    text = unicodedata.normalize("NFC", text.translate(_combining_marks()))
    return CJK_CHAR.sub(lambda m: f" {m.group(0)} ", text)


def words(text: str | None) -> list[str]:
    return WORD.findall(normalise(text))


def index_text(*parts: str | None, unique: bool = False) -> str:
    """Text as stored in an index: normalised words separated by spaces (each word once
    with ``unique``: "EVA" and its Chinese name "EVA" are one mention)."""
    tokens = [w for part in parts for w in words(part)]
    if unique:
        tokens = list(dict.fromkeys(tokens))
    return " ".join(tokens)


def tag(kind: str, value: object) -> str:
    """A filter token (``matEVA`` -> ``mateva``): letters and digits only, one token."""
    return kind + "".join(words(str(value)))


def size_tag(eu) -> str:
    return f"sz{round(float(eu) * 10)}"


@dataclass(frozen=True)
class Term:
    """One searchable unit of a query: a word, or a run of CJK characters (a phrase)."""

    tokens: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.tokens) > 1 or bool(CJK_CHAR.match(self.tokens[0]))

    @property
    def text(self) -> str:
        return "".join(self.tokens)


def parse_query(q: str | None) -> list[Term]:
    """The terms of a user query, in order, without duplicates and stop words.

    Adjacent CJK characters (no space between them) make one phrase term."""
    terms: list[Term] = []
    for chunk in unicodedata.normalize("NFKC", q or "").split():
        run: list[str] = []
        for token in WORD.findall(normalise(chunk)):
            if CJK_CHAR.fullmatch(token):
                run.append(token)
                continue
            if run:
                terms.append(Term(tuple(run)))
                run = []
            if token not in STOP_WORDS:
                terms.append(Term((token,)))
        if run:
            terms.append(Term(tuple(run)))
    unique: list[Term] = []
    for term in terms:
        if term not in unique:
            unique.append(term)
    return unique[:MAX_TERMS]


def _word(word: str, exact: frozenset[str] | set[str], fts5: bool) -> str:
    if fts5:
        return f'"{word}"' if word in exact else f'"{word}"*'
    return f"'{word}'" if word in exact else f"'{word}':*"


def fts5_match(
    terms: list[Term],
    alternatives: dict[str, list[str]] | None = None,
    exact: frozenset[str] | set[str] = frozenset(),
) -> str:
    """An FTS5 expression: every term required, each a quoted literal; a word is a prefix
    unless it is in ``exact`` (a word the catalog has: "slipper" means slippers, not every
    word that starts so). A word with spelling ``alternatives`` matches any of them."""
    alternatives = alternatives or {}
    parts = []
    for term in terms:
        if term.is_phrase:
            parts.append('"' + " ".join(term.tokens) + '"')
            continue
        options = [_word(term.text, exact, True)]
        options += [_word(w, {w}, True) for w in alternatives.get(term.text, [])]
        parts.append("(" + " OR ".join(options) + ")")
    return " AND ".join(parts)


def tsquery(
    terms: list[Term],
    alternatives: dict[str, list[str]] | None = None,
    exact: frozenset[str] | set[str] = frozenset(),
) -> str:
    """A ``to_tsquery`` string: each word a quoted lexeme (a prefix unless in ``exact``),
    CJK runs as phrases."""
    alternatives = alternatives or {}
    parts = []
    for term in terms:
        if term.is_phrase:
            parts.append("(" + " <-> ".join(f"'{t}'" for t in term.tokens) + ")")
            continue
        options = [_word(term.text, exact, False)]
        options += [_word(w, {w}, False) for w in alternatives.get(term.text, [])]
        parts.append("(" + " | ".join(options) + ")")
    return " & ".join(parts)


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein (optimal string alignment), stopping early past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
