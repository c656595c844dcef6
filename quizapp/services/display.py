"""Question texts made ready to display: the one place the UI gets inert rich text from.

A question's prompt, explanation, choice feedback and hints share its
:class:`~quizapp.domain.model.TextFormat`. The UI shows plain text as the characters
they are (a plain ``<b>`` stays ``<b>``); Markdown and HTML become HTML of the safe
subset of :func:`quizapp.formats.html_safe.sanitize_html` (no attribute, no link, no
image, no style: nothing to fetch or run), which a Qt label shows as rich text.
No Qt here (layering: the UI calls this, it never imports the readers).
"""

from __future__ import annotations

from functools import lru_cache

from quizapp.domain.model import TextFormat


@lru_cache(maxsize=512)
def display_html(text: str, text_format: TextFormat) -> str | None:
    """``text`` as safe HTML to show as rich text, or ``None`` when it is plain text.

    ``text_format``: the question's format. Markdown is rendered with markdown-it-py
    (CommonMark, raw HTML in it escaped so it shows as typed) and then sanitized like
    HTML; HTML (imported from GIFT ``[html]`` or Moodle XML) is sanitized. Never raises.
    """
    from quizapp.formats.html_safe import sanitize_html

    if text_format is TextFormat.HTML:
        return sanitize_html(text)
    if text_format is TextFormat.MARKDOWN:
        from markdown_it import MarkdownIt

        return sanitize_html(MarkdownIt("commonmark", {"html": False}).render(text))
    return None


__all__ = ["display_html"]
