"""Plain text from Markdown, for matching a question's evidence in its lesson.

Evidence is matched against the lesson's text with Markdown markup removed and
whitespace collapsed (``docs/pack-format.md``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WS = re.compile(r"\s+")
# Quotes and apostrophes are compared in one form, so a typographic apostrophe in a
# lesson matches a straight one in the evidence.
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace become one space; ends are trimmed."""
    return _WS.sub(" ", text).strip()


_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
"""Latin letters with a stroke or ligatures, which NFKD leaves whole, as the letters they
sort with ("Łukasz" among the L's, "Øyvind" among the O's), after case folding."""


def fold_name(name: str) -> str:
    """``name`` with case and accents dropped, for sorting and finding names: "Léa",
    "LEA" and "lea" all give "lea" (Unicode case folding, then NFKD with the combining
    marks removed, and :data:`_UNDECOMPOSED`'s letters spelled plainly: "Łukasz" gives
    "lukasz"). The same on every computer: no locale involved."""
    folded = unicodedata.normalize("NFKD", name.casefold()).translate(_UNDECOMPOSED)
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def normalise_for_match(text: str) -> str:
    """Collapse whitespace and unify typographic quotes, for evidence matching."""
    return collapse_whitespace(text.translate(_QUOTES))


@lru_cache(maxsize=256)
def markdown_to_plain(markdown: str) -> str:
    """The text a reader sees in rendered Markdown: markup dropped, whitespace collapsed.

    Uses markdown-it-py (CommonMark) and keeps only text, code and line breaks.
    """
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline" and token.children is not None:
            for child in token.children:
                if child.type in {"text", "code_inline", "html_inline"}:
                    parts.append(child.content)
                elif child.type in {"softbreak", "hardbreak"}:
                    parts.append(" ")
            parts.append(" ")
        elif token.type in {"code_block", "fence"}:
            parts.append(token.content + " ")
    return collapse_whitespace("".join(parts))


def evidence_found(evidence: str, lesson_markdown: str) -> bool:
    """True when ``evidence`` (whitespace collapsed) occurs in the lesson's plain text."""
    needle = normalise_for_match(evidence)
    return bool(needle) and needle in normalise_for_match(markdown_to_plain(lesson_markdown))


def plural(n: int, one: str, many: str, *, number: str | None = None) -> str:
    """``n`` with the right form of a noun: ``plural(1, "attempt", "attempts")`` is
    "1 attempt", ``plural(3, ...)`` "3 attempts" (and 0 takes ``many``: "0 attempts").
    From 1,000 on the digits are grouped in threes with commas, "20,000 attempts", as
    English prints them; ``number`` replaces the digits with the caller's own text of
    ``n`` (the GUI's :func:`quizapp.ui.common.counted` passes the locale's grouping).

    The one place quizapp counts things in words (the GUI passes ``one`` and ``many``
    already translated: ``self.tr("attempt")``)."""
    return f"{f'{n:,}' if number is None else number} {one if n == 1 else many}"
