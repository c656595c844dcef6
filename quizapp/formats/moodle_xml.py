"""Moodle XML question files: ``multichoice`` and ``truefalse`` questions.

Source: Moodle's ``question/format/xml/format.php`` (``import_multichoice``,
``import_truefalse``, ``import_text_with_files``, ``trans_format``, ``trans_single``)
and https://docs.moodle.org/en/Moodle_XML_format. Mapping and limits are in
``docs/formats/moodle-xml.md``. In short:

* ``<question type="category">`` starts a lesson named after the category path
  (Moodle's ``$course$/top/`` prefix dropped); questions before any go to a lesson
  named after the file.
* ``multichoice``: ``<single>`` (``true``/``1`` -> single answer, else multiple),
  ``<shuffleanswers>``, ``<answer fraction="…">`` (fractions are percentages:
  ``33.33333`` -> 0.3333333), per-answer ``<feedback>``, ``<generalfeedback>`` ->
  explanation, ``<name>`` -> title, ``<idnumber>`` -> question id, ``<tags>`` -> tags.
* ``truefalse``: the answers ``true`` and ``false`` with their fractions and feedback.
* Every other type is skipped and reported with the line of its ``<question>``.

Safety: parsed with :mod:`defusedxml` (no DTD, no entity expansion, no external
reference is ever fetched). The bytes are decoded exactly once, by the XML parser
(from the XML declaration or BOM); each text is then read by its ``format`` attribute:
``html`` is sanitized (:mod:`quizapp.formats.html_safe`), ``moodle_auto_format`` is
HTML only when it contains markup, ``plain_text`` stays exactly the characters written
(so ``<b>`` shows as ``<b>``), ``markdown`` stays Markdown. A missing ``format`` means
``html``, as in Moodle.
"""

from __future__ import annotations

import os
import re
import xml.sax
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

from quizapp.domain.errors import PackError, Problem
from quizapp.domain.model import Choice, ImportResult, Question, QuestionType, TextFormat
from quizapp.formats.html_safe import (
    MEDIA_TAGS,
    html_to_text,
    moodle_auto_format,
    sanitize_html_report,
    shows_nothing,
    unify_formats,
)
from quizapp.formats.registry import PackBuilder, read_limited_bytes

_MOODLE_PREFIX = re.compile(r"^\$[a-z0-9]+\$/(top/)?", re.IGNORECASE)
_SKIP_KINDS = {"shortanswer": "short_answer", "match": "matching", "multianswer": "cloze"}


@dataclass
class _Node:
    tag: str
    attrib: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)
    parts: list[str | _Node] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The element's own character data (children left out)."""
        return "".join(p for p in self.parts if isinstance(p, str))

    def all_text(self) -> str:
        """All character data inside, children included, in document order (so a
        ``<text>`` holding unescaped markup keeps its words)."""
        return "".join(p if isinstance(p, str) else p.all_text() for p in self.parts)

    def find(self, tag: str) -> _Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]

    def child_text(self, tag: str, default: str = "") -> str:
        node = self.find(tag)
        return node.text.strip() if node is not None else default


class _TreeBuilder(ContentHandler):
    """Builds :class:`_Node` trees recording the line where each element starts."""

    def __init__(self) -> None:
        super().__init__()
        self.locator: Locator | None = None
        self.stack: list[_Node] = []
        self.root: _Node | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def line(self) -> int:
        return (self.locator.getLineNumber() or 1) if self.locator is not None else 1

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        node = _Node(tag=name, attrib={k: attrs[k] for k in attrs.getNames()}, line=self.line())
        if self.stack:
            self.stack[-1].children.append(node)
            self.stack[-1].parts.append(node)
        elif self.root is None:
            self.root = node
        self.stack.append(node)

    def endElement(self, name: str) -> None:
        if self.stack:
            self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].parts.append(content)


def _parse_tree(data: bytes, filename: str) -> _Node:
    import defusedxml
    import defusedxml.sax

    builder = _TreeBuilder()
    try:
        defusedxml.sax.parseString(data, builder, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except xml.sax.SAXParseException as exc:
        column = exc.getColumnNumber()
        raise PackError([Problem(
            filename, exc.getLineNumber() or builder.line(),
            column + 1 if column is not None else None, "", "xml-syntax",
            f"This is not well-formed XML: {exc.getMessage()}.",
        )]) from exc
    except defusedxml.DefusedXmlException as exc:
        raise PackError([Problem(filename, builder.line(), None, "", "xml-forbidden",
                                 "The XML declares a DTD or entities, which are refused "
                                 f"for safety ({type(exc).__name__}).")]) from exc
    except (xml.sax.SAXException, ValueError, LookupError) as exc:
        raise PackError([Problem(filename, builder.line(), None, "", "xml-syntax",
                                 f"The XML cannot be read: {exc}.")]) from exc
    if builder.root is None:
        raise PackError([Problem(filename, 1, None, "", "xml-syntax", "The XML has no element.")])
    return builder.root


def read_moodle_xml(path: str | os.PathLike[str], *, language: str = "en") -> ImportResult:
    """Read a Moodle XML file; see :func:`parse_moodle_xml`."""
    filename = os.fspath(path)
    return parse_moodle_xml(read_limited_bytes(filename), filename, language=language)


def parse_moodle_xml(
    data: bytes, filename: str = "<string>", *, language: str = "en"
) -> ImportResult:
    """Read Moodle XML ``data`` (bytes, decoded by the XML parser) into a pack named after
    ``filename``.

    Returns the pack, the questions of other types skipped (with the line of their
    ``<question>``), and warnings. Raises :class:`~quizapp.domain.errors.PackError`
    listing every problem with its line (rules: ``xml-syntax``, ``xml-forbidden``,
    ``not-moodle-xml``, ``bad-fraction``, ``too-few-choices``, ``empty-prompt``,
    ``empty-choice``, ``no-correct-choice``, ``weights-sum``, ``truefalse-answers``,
    ``no-questions``); nothing is partly imported.
    """
    root = _parse_tree(data, filename)
    b = PackBuilder(filename=filename, language=language)
    if root.tag != "quiz":
        b.problem(root.line, "not-moodle-xml",
                  f"The root element is <{root.tag}>, not Moodle's <quiz>.")
        return b.result()
    lesson: str | None = None
    for node in root.children:
        if node.tag != "question":
            b.warn(f"<{node.tag}> inside <quiz> ignored.", node.line)
            continue
        qtype = node.attrib.get("type", "").strip()
        if qtype == "category":
            path = ""
            category = node.find("category")
            if category is not None:
                path = category.child_text("text") or category.text.strip()
            lesson = _MOODLE_PREFIX.sub("", path).strip() or path or None
        elif qtype in ("multichoice", "truefalse"):
            _question(node, qtype, lesson, b)
        else:
            kind = _SKIP_KINDS.get(qtype, qtype or "unknown")
            b.skip(node.line, kind,
                   f"Moodle question type {qtype or '(none)'!r}: this app only takes "
                   "multiple choice (multichoice, truefalse).")
    return b.result()


def _text(
    node: _Node | None, line: int, b: PackBuilder, default: str = "html"
) -> tuple[str, TextFormat]:
    """A Moodle text element (``<x format="…"><text>…</text></x>``) read by its format
    (``default`` when it has none: the question text's format, as Moodle does)."""
    if node is None:
        return "", TextFormat.PLAIN
    text_node = node.find("text")
    raw = (text_node.all_text() if text_node is not None else "").strip()
    fmt = node.attrib.get("format", default).strip().lower()
    if fmt == "plain_text" or fmt == "wiki_like":
        return raw, TextFormat.PLAIN
    if fmt == "markdown":
        return raw, TextFormat.MARKDOWN
    if fmt == "html":
        safe, removed = sanitize_html_report(raw)
    else:  # moodle_auto_format, and Moodle's fallback for unknown names
        safe, out = moodle_auto_format(raw)
        if out is TextFormat.PLAIN:
            return safe, out
        removed = sanitize_html_report(raw)[1]
    lost = sorted(removed & MEDIA_TAGS)
    if lost or node.find("file") is not None:
        b.warn(f"removed {', '.join('<' + t + '>' for t in lost) or 'embedded files'}: images, "
               "media and frames are never shown.", line)
    return safe, TextFormat.HTML


def _flag(node: _Node, tag: str, default: bool) -> bool:
    """Moodle's ``trans_single``: ``false``, ``0`` or empty is false; anything else true."""
    element = node.find(tag)
    if element is None:
        return default
    value = element.text.strip().lower()
    return not (value in ("false", "0") or not value)


def _fraction(answer: _Node, b: PackBuilder) -> float | None:
    raw = answer.attrib.get("fraction", "0").strip() or "0"
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not Decimal(-100) <= value <= Decimal(100):
        b.problem(answer.line, "bad-fraction",
                  f"fraction={raw!r} must be a percentage from -100 to 100.")
        return None
    return float(value / 100)


def _question(node: _Node, qtype: str, lesson: str | None, b: PackBuilder) -> None:
    line = node.line
    name = node.find("name")
    title = " ".join(name.child_text("text").split()) if name is not None else ""
    qtext = node.find("questiontext")
    default = qtext.attrib.get("format", "html") if qtext is not None else "html"
    prompt = _text(qtext, line, b)
    if shows_nothing(*prompt):
        b.problem(line, "empty-prompt", "The question has no text (once unsafe HTML is removed).")
        return
    texts: list[tuple[str, TextFormat]] = [prompt]
    choices: list[tuple[float, int, int]] = []  # fraction, text index, feedback index
    answers = node.findall("answer")
    if qtype == "truefalse":
        kind = QuestionType.TRUE_FALSE
        by_name: dict[str, tuple[float, tuple[str, TextFormat]]] = {}
        for answer in answers:
            answer_name = answer.child_text("text").lower()
            fraction = _fraction(answer, b)
            if fraction is None:
                return
            feedback = _text(answer.find("feedback"), answer.line, b, default)
            by_name[answer_name] = (fraction, feedback)
        if set(by_name) != {"true", "false"}:
            b.problem(line, "truefalse-answers",
                      "A truefalse question needs exactly the answers 'true' and 'false'.")
            return
        if (by_name["true"][0] > 0) == (by_name["false"][0] > 0):
            b.problem(line, "no-correct-choice", "Exactly one of true and false must be right.")
            return
        for label, key in (("True", "true"), ("False", "false")):
            fraction, feedback = by_name[key]
            texts.append((label, prompt[1]))
            texts.append(feedback)
            choices.append((1.0 if fraction > 0 else 0.0, len(texts) - 2, len(texts) - 1))
    else:
        single = _flag(node, "single", True)
        kind = QuestionType.SINGLE if single else QuestionType.MULTIPLE
        for answer in answers:
            fraction = _fraction(answer, b)
            if fraction is None:
                return
            choice = _text(answer, answer.line, b, default)
            if shows_nothing(*choice):
                b.problem(answer.line, "empty-choice",
                          "An <answer> has no text (once unsafe HTML is removed).")
                return
            texts.append(choice)
            texts.append(_text(answer.find("feedback"), answer.line, b, default))
            choices.append((fraction, len(texts) - 2, len(texts) - 1))
        if len(choices) < 2:
            b.problem(line, "too-few-choices", "A multichoice question needs at least 2 answers.")
            return
        if single and max(f for f, _, _ in choices) < 0.999999:
            b.problem(line, "no-correct-choice",
                      "A single-answer question needs one answer with fraction 100.")
            return
        if not single:
            positive = sum(f for f, _, _ in choices if f > 0)
            if positive <= 0:
                b.problem(line, "no-correct-choice", "No answer has a positive fraction.")
                return
            if round(positive, 2) != 1:
                b.problem(line, "weights-sum",
                          f"The positive fractions add up to {positive * 100:g}%, not 100%.")
                return
    texts.append(_text(node.find("generalfeedback"), line, b, default))
    fmt, unified = unify_formats(texts)
    idnumber = node.child_text("idnumber")
    plain_prompt = html_to_text(unified[0]) if fmt is TextFormat.HTML else unified[0]
    tags_node = node.find("tags")
    tags = tuple(
        t.child_text("text") for t in (tags_node.findall("tag") if tags_node is not None else [])
        if t.child_text("text")
    )
    b.add(Question(
        id=b.question_id(idnumber, title, plain_prompt),
        lesson_id=b.lesson_id(lesson),
        type=kind,
        prompt=unified[0],
        choices=tuple(Choice(text=unified[ti], fraction=f, feedback=unified[fi])
                      for f, ti, fi in choices),
        explanation=unified[-1],
        text_format=fmt,
        shuffle=_flag(node, "shuffleanswers", True),
        tags=tags,
        title=title,
        line=line,
    ))


__all__ = ["parse_moodle_xml", "read_moodle_xml"]
