"""Inert HTML: the safe subset of HTML that question texts from any file may keep.

Question sets from Moodle (GIFT ``[html]``, Moodle XML ``format="html"``) carry HTML
written by someone we do not know. Before any of it reaches a widget it goes through
:func:`sanitize_html`, which keeps only text and a few formatting tags
(:data:`SAFE_TAGS`), **without any attribute**; every other tag is replaced by its text
(its content stays, the tag goes), and the content of ``script``, ``style`` and
``template`` is dropped. So nothing is executed and nothing is fetched: no image, link,
stylesheet, frame or font survives. Comments, processing instructions and doctypes are
dropped. Character references (``&amp;``, ``&#233;``, ``&eacute;``) are decoded once and
the text re-escaped, so the output is well-formed and the function is idempotent.

Built on :class:`html.parser.HTMLParser` (standard library; it never fetches anything).

The module also holds the small conversions the readers need to give a question one
:class:`~quizapp.domain.model.TextFormat` for all its texts (:func:`unify_formats`) and
Moodle's "auto format" rule (:func:`moodle_auto_format`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from html.parser import HTMLParser

from quizapp.domain.model import TextFormat

SAFE_TAGS: frozenset[str] = frozenset(
    {"p", "br", "b", "strong", "i", "em", "u", "code", "pre", "ul", "ol", "li", "sub", "sup"}
)
"""Tags kept (without attributes). Everything else becomes its text."""

VOID_TAGS: frozenset[str] = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr", "param", "keygen"}
)
"""Tags that have no end tag in HTML."""

DROPPED_CONTENT_TAGS: frozenset[str] = frozenset({"script", "style", "template"})
"""Tags whose content is dropped with them (it is code, not text)."""

MEDIA_TAGS: frozenset[str] = frozenset(
    {"img", "picture", "video", "audio", "iframe", "object", "embed", "svg", "canvas", "math"}
)
"""Removed tags that carried content a student would miss (readers warn about them)."""

# Unsafe block-level tags: their text is kept, separated by a line break from what follows,
# so "<div>a</div><div>b</div>" does not read "ab".
_BREAKING_TAGS = frozenset(
    {"div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article", "header",
     "footer", "aside", "nav", "main", "figure", "figcaption", "address", "table", "tr", "dl",
     "dt", "dd", "hr", "details", "summary", "fieldset", "form", "center"}
)
_CELL_TAGS = frozenset({"td", "th"})

_TAG_LIKE = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>|<!--|&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z]+\d*);")


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.removed: set[str] = set()
        self.skip_depth = 0
        self.skip_tag = ""
        self.text_since_break = False

    # -- helpers -------------------------------------------------------------
    def _line_break(self) -> None:
        """A break after text shown since the last break or block, none otherwise."""
        if self.text_since_break:
            self.out.append("<br>")
            self.text_since_break = False

    def _close_to(self, tag: str) -> None:
        while self.stack:
            top = self.stack.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                return

    # -- HTMLParser callbacks --------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        if tag in DROPPED_CONTENT_TAGS:
            self.removed.add(tag)
            self.skip_tag = tag
            self.skip_depth = 1
            return
        if tag in SAFE_TAGS:
            self.text_since_break = False
            if tag == "br":
                self.out.append("<br>")
                return
            self.out.append(f"<{tag}>")
            self.stack.append(tag)
            return
        self.removed.add(tag)
        if tag in _BREAKING_TAGS:
            self._line_break()
        elif tag in _CELL_TAGS and self.text_since_break:
            self.out.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if self.skip_depth:
            return
        if tag in SAFE_TAGS and tag != "br" and tag not in VOID_TAGS:
            # "<b/>" is an empty element: nothing to show.
            return
        self.handle_starttag(tag, attrs)
        if tag in DROPPED_CONTENT_TAGS:
            self.skip_depth = 0

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth -= 1
            return
        if tag in SAFE_TAGS:
            if tag == "br":
                self.out.append("<br>")  # browsers read a stray </br> as <br>
                self.text_since_break = False
            elif tag in self.stack:
                self._close_to(tag)
            return
        if tag in _BREAKING_TAGS:
            self._line_break()

    def handle_data(self, data: str) -> None:
        if self.skip_depth or not data:
            return
        self.out.append(html.escape(data, quote=False))
        if data.strip():
            self.text_since_break = True

    def handle_comment(self, data: str) -> None:
        return

    def handle_decl(self, decl: str) -> None:
        return

    def handle_pi(self, data: str) -> None:
        return

    def unknown_decl(self, data: str) -> None:
        return

    def finish(self) -> str:
        self.close()
        while self.stack:
            self.out.append(f"</{self.stack.pop()}>")
        return "".join(self.out)


def sanitize_html_report(text: str) -> tuple[str, frozenset[str]]:
    """Sanitize ``text`` (HTML) and also say which tags were removed.

    Returns ``(safe_html, removed_tag_names)``; tag names are lower case. Readers use the
    second part to warn, e.g. when an ``img`` was removed. Never raises for any string.
    """
    parser = _Sanitizer()
    parser.feed(text)
    safe = parser.finish()
    return _strip_edge_breaks(safe), frozenset(parser.removed)


def _strip_edge_breaks(text: str) -> str:
    text = text.strip()
    while text.startswith("<br>") or text.endswith("<br>"):
        text = text.removeprefix("<br>").removesuffix("<br>").strip()
    return text


def sanitize_html(text: str) -> str:
    """HTML ``text`` reduced to the safe subset (see the module docstring).

    Kept tags: :data:`SAFE_TAGS`, with no attributes; ``<br>`` is written ``<br>``.
    Other tags are replaced by their content; ``script``/``style``/``template`` content is
    dropped; entities are decoded and text re-escaped (``&``, ``<``, ``>``). Leading and
    trailing whitespace and line breaks are trimmed. Idempotent; never raises.
    """
    return sanitize_html_report(text)[0]


def shows_nothing(text: str, text_format: TextFormat) -> bool:
    """True when ``text`` in ``text_format`` would show no character to a student: empty
    or blank, or (HTML) nothing left once unsafe markup is removed (``<script>Why?`` is
    all script). Readers refuse such a prompt or choice as ``empty-prompt`` /
    ``empty-choice``."""
    if text_format is TextFormat.HTML:
        return not html_to_text(text).strip()
    return not text.strip()


def html_to_text(text: str) -> str:
    """The plain text a reader sees in ``text`` (HTML): tags dropped, entities decoded.

    ``<br>``, ``</p>`` and ``</li>`` become line breaks; whitespace runs within a line
    collapse to one space. Used for titles and for writing HTML into plain-only formats.
    """
    safe = sanitize_html(text)
    safe = re.sub(r"<br>|</p>|</li>|</pre>|<ul>|<ol>", "\n", safe)
    safe = re.sub(r"<[^>]*>", "", safe)
    plain = html.unescape(safe)
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in plain.split("\n")]
    return "\n".join(line for line in lines if line)


def plain_to_html(text: str) -> str:
    """Plain ``text`` as HTML that shows exactly those characters; newlines become ``<br>``."""
    return html.escape(text, quote=False).replace("\r\n", "\n").replace("\n", "<br>")


def markdown_to_html(text: str) -> str:
    """Markdown ``text`` rendered (CommonMark, raw HTML in it shown as text), then sanitized."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": False}).render(text)
    return sanitize_html(rendered)


def looks_like_html(text: str) -> bool:
    """True when ``text`` contains something an HTML renderer would not show as typed:
    a tag (``<b>``, ``</p>``), a comment, or a character reference (``&amp;``)."""
    if "<" not in text and "&" not in text:  # every match starts with one of them
        return False
    return bool(_TAG_LIKE.search(text))


def moodle_auto_format(text: str) -> tuple[str, TextFormat]:
    """Read ``text`` as Moodle's "auto format" (``FORMAT_MOODLE``, GIFT's default).

    Moodle shows such text as HTML with line breaks kept. Text with no HTML in it is
    returned as :attr:`TextFormat.PLAIN` unchanged; otherwise newlines become ``<br>``
    and the result is sanitized, as :attr:`TextFormat.HTML`.
    """
    if not looks_like_html(text):
        return text, TextFormat.PLAIN
    return sanitize_html(text.replace("\r\n", "\n").replace("\n", "<br>")), TextFormat.HTML


def to_html(text: str, fmt: TextFormat) -> str:
    """``text`` written in ``fmt`` converted to safe HTML showing the same thing."""
    if fmt is TextFormat.HTML:
        return sanitize_html(text)
    if fmt is TextFormat.MARKDOWN:
        return markdown_to_html(text)
    return plain_to_html(text)


def unify_formats(texts: Sequence[tuple[str, TextFormat]]) -> tuple[TextFormat, list[str]]:
    """Give a question's texts one format, as the domain model wants.

    ``texts`` are ``(text, format)`` pairs, the first being the prompt; HTML texts must
    come sanitized or not (they are sanitized here either way). When every non-empty
    text has the same format, that format is kept and the texts are returned as given
    (HTML ones sanitized). Otherwise everything is converted to HTML
    (:func:`to_html`), which shows each text as its own format would.
    Returns ``(format, texts_in_that_format)`` in the same order.
    """
    formats = {fmt for text, fmt in texts if text and not text.isspace()}  # text.strip()
    if not formats:
        first = texts[0][1] if texts else TextFormat.PLAIN
        return first, [t for t, _ in texts]
    if len(formats) == 1:
        (fmt,) = formats
        if fmt is TextFormat.HTML:
            return fmt, [sanitize_html(t) for t, _ in texts]
        return fmt, [t for t, _ in texts]
    return TextFormat.HTML, [to_html(t, f) if t.strip() else "" for t, f in texts]
