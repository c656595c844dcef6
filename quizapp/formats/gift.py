"""GIFT, read as Moodle reads it, and written so Moodle and we read it back.

Source: Moodle's ``question/format/gift/format.php`` (``readquestion``,
``escapedchar_pre``, ``parse_text_with_format``, ``writequestion``) and
https://docs.moodle.org/en/GIFT_format. What is read, how it maps and what is skipped
is in ``docs/formats/gift.md``. In short:

* Questions are separated by blank lines (whitespace-only lines too); lines are trimmed;
  a line starting with ``//`` is a comment. CRLF, CR and LF endings and a UTF-8 BOM are
  accepted.
* ``$CATEGORY: path`` starts a lesson (Moodle's ``$course$/top/`` prefix is dropped);
  questions before any category go to a lesson named after the file.
* ``::title::``, escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n``; ``[plain]``,
  ``[markdown]``, ``[html]``, ``[moodle]`` markers (no marker = Moodle's auto format:
  plain unless the text holds HTML, see :func:`quizapp.formats.html_safe.moodle_auto_format`).
* ``{=right ~wrong}`` -> single answer; ``{~%50%a ~%50%b ~%-100%c}`` (no ``=``) ->
  multiple answers with those credit fractions; ``#feedback`` per answer; ``####general
  feedback`` -> explanation; ``{T}``/``{TRUE}``/``{F}``/``{FALSE}`` with ``#wrong#right``
  feedback -> true/false; text after the closing brace -> prompt with ``_____``.
* Numerical ``{#…}``, matching ``{=a -> b}``, short answer (only ``=``), essay ``{}``
  and description (no braces) are skipped and reported with their line.
* An unescaped ``{`` or ``}`` out of place is an error naming its line.

A comment ``// question: ID`` inside a question (Moodle's own export writes one) gives
the question's id; otherwise the id comes from the title, else from the prompt.

A comment ``// quizapp-pack: id=ID; version=V; language=L; source=S; title=TITLE`` among
the comment lines at the top (written by :func:`write_gift`) gives the pack's id,
version, language, source and title; without it they come from the file name (version ``1``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from quizapp.domain.model import (
    Choice,
    ImportResult,
    Pack,
    Question,
    QuestionType,
    TextFormat,
)
from quizapp.formats.gc_pause import gc_paused
from quizapp.formats.html_safe import (
    MEDIA_TAGS,
    html_to_text,
    looks_like_html,
    moodle_auto_format,
    sanitize_html_report,
    shows_nothing,
    unify_formats,
)
from quizapp.formats.registry import (
    PackBuilder,
    decode_text,
    read_limited_bytes,
    split_lines,
)

# Escaped characters are replaced by Unicode noncharacters (reserved for internal use)
# while a question is taken apart, then put back: Moodle's placeholder technique.
_ESCAPES = {"~": "\ufdd0", "=": "\ufdd1", "#": "\ufdd2", "{": "\ufdd3", "}": "\ufdd4",
            ":": "\ufdd5", "n": "\ufdd6", "\\": "\ufdd7"}
_RESTORE = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_NONCHARS = re.compile("[\ufdd0-\ufdef]")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_WEIGHTISH = re.compile(r"^%[^%\s]*%")
_ID_COMMENT = re.compile(r"^//\s*question:\s*([^\s]+)")
_FORMAT_NAMES = {"moodle", "html", "plain", "markdown"}
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_MOODLE_PREFIX = re.compile(r"^\$[a-z0-9]+\$/(top/)?", re.IGNORECASE)
BLANK = "_____"
"""What stands for the braces in a missing-word question's prompt."""


_ESCAPE_PAIR = re.compile(r"\\([~=#{}:n\\])")
_RESTORE_TABLE = str.maketrans(_RESTORE)
_PLACEHOLDERS = re.compile("[\ufdd0-\ufdd7]")


def _pre(text: str) -> str:
    """``text`` with each escape pair (``\\~``, ``\\n``, ``\\\\``…) replaced by its placeholder,
    scanning left to right (a backslash before any other character stays as it is)."""
    if "\\" not in text:
        return text
    return _ESCAPE_PAIR.sub(lambda m: _ESCAPES[m.group(1)], text)


def _post(text: str) -> str:
    """``text`` with the placeholders of :func:`_pre` turned back into their characters."""
    if text.isascii() or not _PLACEHOLDERS.search(text):  # isascii() is O(1)
        return text
    return text.translate(_RESTORE_TABLE)


_NONCHAR_LIST = tuple(chr(c) for c in range(0xFDD0, 0xFDF0))


def _has_nonchars(text: str) -> bool:
    """True when ``text`` holds a character of U+FDD0..U+FDEF (what :data:`_NONCHARS`
    matches). ``in`` per character instead of the regular expression over the whole
    text (a character-set test per character: a tenth of a GIFT read): ``str.isascii``
    is O(1), and finding a character beyond U+00FF in a Latin-1 string returns at once."""
    return not text.isascii() and any(c in text for c in _NONCHAR_LIST)


@dataclass
class _Block:
    first_line: int
    raw: list[str]
    """The block's lines, stripped (no line of them blank)."""


def read_gift(path: str | os.PathLike[str], *, language: str = "en") -> ImportResult:
    """Read a GIFT file (UTF-8, or Windows-1252 with a warning); see :func:`parse_gift`.

    Raises :class:`~quizapp.domain.errors.PackError` for an unreadable or too large file
    and for every problem in it.
    """
    filename = os.fspath(path)
    text, warnings = decode_text(read_limited_bytes(filename), filename)
    result = parse_gift(text, filename, language=language)
    return ImportResult(result.pack, result.skipped, (*warnings, *result.warnings))


def parse_gift(text: str, filename: str = "<string>", *, language: str = "en") -> ImportResult:
    """Read GIFT ``text`` into a pack named after ``filename``.

    Returns the pack (id and title from the file name, ``language`` as given), the
    questions skipped with their line and why, and warnings. Raises
    :class:`~quizapp.domain.errors.PackError` listing every problem (file, line, rule)
    when any question is malformed or none could be read; nothing is partly imported.
    The cyclic garbage collector is paused meanwhile (:mod:`quizapp.formats.gc_pause`).
    """
    with gc_paused():
        return _parse_gift(text, filename, language)


def _parse_gift(text: str, filename: str, language: str) -> ImportResult:
    builder = PackBuilder(filename=filename, language=language)
    if _has_nonchars(text):
        builder.warn("Unicode noncharacters (U+FDD0–U+FDEF) were replaced by U+FFFD.")
        text = _NONCHARS.sub("\ufffd", text)
    lines = split_lines(text)
    _read_pack_header(lines, builder)
    lesson_title: str | None = None
    for block in _blocks(lines):
        lesson_title = _read_block(block, builder, lesson_title)
    return builder.result()


PACK_HEADER = "// quizapp-pack:"
"""How the comment line that names the pack starts (see :func:`write_gift`)."""
_HEADER_FIELD = re.compile(r"(?:^|;)\s*(id|version|language|source|title)=")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def _read_pack_header(lines: list[str], b: PackBuilder) -> None:
    """Read ``// quizapp-pack: id=…; version=…; language=…; source=…; title=…`` among the
    comment lines at the top of the file (before the first question or category): the
    pack's id, version, language, source and title, so a file exported by quizapp comes
    back as a new version of the same pack. ``title`` comes last and takes the rest of the line; a
    value that is not valid is ignored with a warning."""
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("//"):
            return
        if not line.startswith(PACK_HEADER):
            continue
        fields = _header_fields(line[len(PACK_HEADER):])
        key = fields.get("id", "")
        if key and _SLUG.match(key):
            b.key = key
        elif key:
            b.warn(f"pack id {key!r} is not lowercase letters, digits and hyphens; "
                   "the file name is used instead.", number)
        if fields.get("version"):
            b.version = fields["version"]
        lang = fields.get("language", "")
        if lang and _LANGUAGE.match(lang):
            b.language = lang
        if "source" in fields:
            b.source = fields["source"]
        if fields.get("title"):
            b.pack_title = " ".join(fields["title"].split())
        return


def _header_fields(text: str) -> dict[str, str]:
    """``{name: value}`` of ``id=…; version=…; …; title=…`` (title: the rest of the line)."""
    found = list(_HEADER_FIELD.finditer(text))
    fields: dict[str, str] = {}
    for i, match in enumerate(found):
        name = match.group(1)
        end = len(text) if name == "title" or i + 1 == len(found) else found[i + 1].start()
        fields.setdefault(name, text[match.end():end].strip().rstrip(";").strip())
        if name == "title":
            break
    return fields


def _header_value(text: str) -> str:
    """A header value on one line, without the ``;`` that separates fields."""
    return " ".join(text.replace(";", ",").split())


def _blocks(lines: list[str]) -> list[_Block]:
    """The runs of lines that are not blank (whitespace only), each line stripped, with
    the number of the run's first line."""
    blocks: list[_Block] = []
    current: list[str] | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            current = None
            continue
        if current is None:
            current = [stripped]
            blocks.append(_Block(first_line=number, raw=current))
        else:
            current.append(stripped)
    return blocks


class _Text:
    """A block's text (escapes replaced) and how to turn an offset into a line number."""

    def __init__(self, block: _Block) -> None:
        self.id_hint = ""
        text = "\n".join(block.raw)
        if text[:2] == "//" or "\n//" in text:  # a comment line: blanked
            cleaned: list[str] = []
            for line in block.raw:
                if line.startswith("//"):
                    match = _ID_COMMENT.match(line)
                    if match and not self.id_hint:
                        self.id_hint = match.group(1)
                    cleaned.append("")
                else:
                    cleaned.append(line)
            text = "\n".join(cleaned)
        self.text = _pre(text)
        self.first_line = block.first_line

    def line(self, pos: int) -> int:
        return self.first_line + self.text.count("\n", 0, max(pos, 0))


def _skip_ws(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _read_block(block: _Block, b: PackBuilder, lesson_title: str | None) -> str | None:
    """Read one blank-line-separated block; returns the current category afterwards."""
    t = _Text(block)
    text = t.text
    end = len(text.rstrip())
    start = _skip_ws(text, 0, end)
    if start >= end:
        return lesson_title  # comments only
    if text[start] == "$" and text.startswith("$CATEGORY:", start):
        eol = text.find("\n", start)
        eol = end if eol == -1 or eol > end else eol
        raw_category = _post(text[start + len("$CATEGORY:"):eol]).strip()
        lesson_title = _MOODLE_PREFIX.sub("", raw_category).strip() or raw_category
        if not lesson_title:
            b.problem(t.line(start), "empty-category", "$CATEGORY: has no name.")
        rest = _skip_ws(text, eol, end)
        if rest >= end:
            return lesson_title
        b.warn("a question follows $CATEGORY: without a blank line; read as a question.",
               t.line(rest))
        start = rest
    _read_question(t, start, end, b, lesson_title)
    return lesson_title


def _read_question(t: _Text, start: int, end: int, b: PackBuilder, lesson: str | None) -> None:
    text = t.text
    line = t.line(start)
    title = ""
    if text[start:start + 2] == "::":
        close = text.find("::", start + 2, end)
        if close == -1:
            b.warn("'::' opens a title that is never closed; read as question text.", line)
            start += 2
        else:
            title = " ".join(_post(text[start + 2:close]).split())
            start = _skip_ws(text, close + 2, end)

    opens = _positions(text, "{", start, end)
    closes = _positions(text, "}", start, end)
    if not opens and not closes:
        b.skip(line, "description",
               "Description (text with no answers in braces) is not a question; not imported.")
        return
    if not _braces_ok(t, opens, closes, b):
        return
    ob, cb = opens[0], closes[0]
    answer = text[ob + 1:cb]
    after = text[cb + 1:end]
    # Moodle's "missing word": text after the braces means the blank is where they were.
    prompt_raw = text[start:ob] + BLANK + after if after.strip() else text[start:ob]
    general = ""
    gf = answer.rfind("####")
    if gf != -1:
        general = answer[gf + 4:]
        answer = answer[:gf]
    answer = answer.strip()

    kind = _classify(answer)
    if kind != "multichoice" and kind != "truefalse":
        b.skip(line, kind, _SKIP_REASONS[kind])
        return

    prompt_text, prompt_fmt = _marker(prompt_raw.strip(), "moodle")
    if not prompt_text:
        b.problem(line, "empty-prompt", "The question has no text before its answers.")
        return
    texts: list[tuple[str, TextFormat]] = [_convert(prompt_text, prompt_fmt, line, b)]
    if shows_nothing(*texts[0]):
        b.problem(line, "empty-prompt",
                  "The question has no text once unsafe HTML (such as <script>) is removed.")
        return
    choices: list[tuple[float, int]] = []  # fraction, index of its text in texts
    feedback_index: list[int] = []
    qtype: QuestionType
    if kind == "truefalse":
        qtype = QuestionType.TRUE_FALSE
        bits = answer.split("#", 2)
        truth = _TF[bits[0].strip()]
        wrong_fb = bits[1] if len(bits) > 1 else ""
        right_fb = bits[2] if len(bits) > 2 else ""
        true_fb, false_fb = (right_fb, wrong_fb) if truth else (wrong_fb, right_fb)
        for label, fraction, fb in (("True", 1.0 if truth else 0.0, true_fb),
                                    ("False", 0.0 if truth else 1.0, false_fb)):
            texts.append((label, texts[0][1]))  # the same in every format
            choices.append((fraction, len(texts) - 1))
            texts.append(_convert(*_marker(fb.strip(), prompt_fmt), line, b))
            feedback_index.append(len(texts) - 1)
    else:
        single = "=" in answer
        qtype = QuestionType.SINGLE if single else QuestionType.MULTIPLE
        parts = answer.replace("=", "~=").split("~")
        if parts[0].strip():
            b.problem(t.line(ob), "text-before-answers",
                      f"Text {_post(parts[0].strip())[:40]!r} comes before the first ~ or = "
                      "inside the braces; start each answer with ~ or =.")
            return
        for part in parts[1:]:
            parsed = _answer(part.strip(), line, b)
            if parsed is None:
                return
            fraction, body = parsed
            bits = body.split("#", 1)
            choice_text, choice_fmt = _marker(bits[0].strip(), prompt_fmt)
            if not choice_text:
                b.problem(line, "empty-choice", "An answer (after ~ or =) is empty.")
                return
            converted = _convert(choice_text, choice_fmt, line, b)
            texts.append(converted)
            # Only HTML can show nothing: other texts are kept as given, stripped, not empty.
            if converted[1] is TextFormat.HTML and shows_nothing(*converted):
                b.problem(line, "empty-choice",
                          "An answer has no text once unsafe HTML (such as <script>) is removed.")
                return
            choices.append((fraction, len(texts) - 1))
            fb = bits[1].strip() if len(bits) > 1 else ""
            texts.append(_convert(*_marker(fb, prompt_fmt), line, b))
            feedback_index.append(len(texts) - 1)
        if len(choices) < 2:
            b.problem(line, "too-few-choices",
                      "A multiple-choice question needs at least 2 answers.")
            return
        if not single:
            positive = sum(f for f, _ in choices if f > 0)
            if positive <= 0:
                b.problem(line, "no-correct-choice",
                          "No answer is right: mark one with = or give weights such as ~%50%.")
                return
            if round(positive, 2) != 1:
                b.problem(line, "weights-sum",
                          f"The positive weights add up to {positive * 100:g}%, not 100% "
                          "(as Moodle, they must).")
                return
    general = general.strip()
    texts.append(_convert(*_marker(general, prompt_fmt), line, b))
    fmt, unified = unify_formats(texts)
    prompt = unified[0]
    built = tuple([  # a list first: tuple() of a generator costs more
        Choice(text=unified[ti], fraction=fraction, feedback=unified[fi])
        for (fraction, ti), fi in zip(choices, feedback_index, strict=True)
    ])
    plain_prompt = html_to_text(prompt) if fmt is TextFormat.HTML else prompt
    qid = b.question_id(t.id_hint, title, plain_prompt)
    b.add(Question(
        id=qid,
        lesson_id=b.lesson_id(lesson),
        type=qtype,
        prompt=prompt,
        choices=built,
        explanation=unified[-1],
        text_format=fmt,
        title=title,
        line=line,
    ))


def _positions(text: str, ch: str, start: int, end: int) -> list[int]:
    """Offsets of ``ch`` in ``text[start:end]``, in order (``str.find``, not a Python loop)."""
    found: list[int] = []
    pos = text.find(ch, start, end)
    while pos != -1:
        found.append(pos)
        pos = text.find(ch, pos + 1, end)
    return found


def _braces_ok(t: _Text, opens: list[int], closes: list[int], b: PackBuilder) -> bool:
    if closes and (not opens or closes[0] < opens[0]):
        b.problem(t.line(closes[0]), "unexpected-brace",
                  "'}' closes nothing; write \\} for a literal brace.")
        return False
    if not closes:
        b.problem(t.line(opens[0]), "unclosed-brace",
                  "'{' is never closed by '}' (a blank line inside the braces ends the "
                  "question); write \\{ for a literal brace.")
        return False
    if len(opens) > 1:
        if opens[1] < closes[0]:
            b.problem(t.line(opens[1]), "unexpected-brace",
                      "'{' inside the answers; write \\{ for a literal brace.")
        else:
            b.problem(t.line(opens[1]), "unexpected-brace",
                      "A second '{' after the answers; a question has one pair of braces "
                      "(write \\{ for a literal brace).")
        return False
    if len(closes) > 1:
        b.problem(t.line(closes[1]), "unexpected-brace",
                  "'}' closes nothing; write \\} for a literal brace.")
        return False
    return True


_SKIP_REASONS = {
    "essay": "Essay question ({} with no answers): this app only takes multiple choice.",
    "numerical": "Numerical question ({#…}): this app only takes multiple choice.",
    "matching": "Matching question (=… -> …): this app only takes multiple choice.",
    "short_answer": "Short-answer question (answers with = and no ~): this app only takes "
                    "multiple choice. (True/false must be written {T}, {TRUE}, {F} or {FALSE}.)",
}


def _classify(answer: str) -> str:
    """Moodle's order of tests: essay, numerical, multichoice, matching, true/false, short."""
    if answer == "":
        return "essay"
    if answer[0] == "#":
        return "numerical"
    if "~" in answer:
        return "multichoice"
    if "=" in answer and "->" in answer:
        return "matching"
    head = answer.split("#", 1)[0].strip()
    if head in _TF:
        return "truefalse"
    return "short_answer"


def _answer(part: str, line: int, b: PackBuilder) -> tuple[float, str] | None:
    """(fraction, rest) of one answer written ``=text``, ``%w%text`` or ``text``."""
    first = part[:1]  # a slice, not startswith(): this runs for every answer
    if first == "=":
        return 1.0, part[1:]
    if first != "%":  # what _WEIGHT and _WEIGHTISH need first
        return 0.0, part
    match = _WEIGHT.match(part)
    if match:
        try:
            weight = Decimal(match.group(1))
        except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
            weight = Decimal(0)
        if not Decimal(-100) <= weight <= Decimal(100):
            b.problem(line, "weight-range",
                      f"Weight {match.group(1)}% is outside -100%…100%.")
            return None
        return float(weight / 100), part[match.end():]
    if _WEIGHTISH.match(part):
        b.warn(f"{_post(part.split('%', 2)[1])!r} between % signs is not a number; "
               "read as part of the answer text.", line)
    return 0.0, part


def _marker(text: str, default: str) -> tuple[str, str]:
    """Split a leading ``[plain]``-style marker off ``text`` (Moodle: unknown names stay)."""
    if not text:  # no feedback, the usual case
        return text, default
    if text[0] == "[":
        close = text.find("]")
        if close != -1 and text[1:close] in _FORMAT_NAMES:
            return _post(text[close + 1:]).strip(), text[1:close]
    return _post(text).strip(), default


_EMPTY_TEXT = {
    "plain": ("", TextFormat.PLAIN),
    "markdown": ("", TextFormat.MARKDOWN),
    "html": ("", TextFormat.HTML),
    "moodle": ("", TextFormat.PLAIN),
}
"""What :func:`_convert` gives for an empty text in each format (no feedback: the usual)."""


def _convert(text: str, fmt: str, line: int, b: PackBuilder) -> tuple[str, TextFormat]:
    if not text:
        return _EMPTY_TEXT[fmt]
    if fmt == "plain":
        return text, TextFormat.PLAIN
    if fmt == "markdown":
        return text, TextFormat.MARKDOWN
    if fmt == "html":
        safe, removed = sanitize_html_report(text)
    elif not looks_like_html(text):  # what moodle_auto_format gives as it is: the usual
        return text, TextFormat.PLAIN
    else:
        safe = moodle_auto_format(text)[0]
        removed = sanitize_html_report(text)[1]
    lost = sorted(removed & MEDIA_TAGS)
    if lost:
        b.warn(f"removed {', '.join('<' + t + '>' for t in lost)}: images, media and frames "
               "are never shown.", line)
    return safe, TextFormat.HTML


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

_MARKERS = {
    TextFormat.PLAIN: "[plain]", TextFormat.MARKDOWN: "[markdown]", TextFormat.HTML: "[html]",
}


def _esc(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for ch in "~=#{}:":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _secondary(text: str, fmt: TextFormat) -> str:
    """A choice, feedback or explanation: inherits the prompt's format; a text starting
    with ``[`` gets the marker again so it is never read as one."""
    return (_MARKERS[fmt] if text.startswith("[") else "") + _esc(text)


def _percent(fraction: float) -> str:
    text = format(Decimal(repr(fraction * 100)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _tf_choices(q: Question) -> tuple[int, int] | None:
    names = [c.text.strip().lower() for c in q.choices]
    if len(names) != 2 or sorted(names) != ["false", "true"]:
        return None
    t, f = names.index("true"), names.index("false")
    if q.choices[t].is_correct == q.choices[f].is_correct:
        return None
    return t, f


def _write_question(q: Question) -> str:
    fmt = q.text_format
    lines = [f"// question: {q.id}  name: {' '.join(q.title.split())}".rstrip()]
    head = (f"::{_esc(q.title)}::" if q.title else "") + _MARKERS[fmt] + _esc(q.prompt)
    explanation = f"####{_secondary(q.explanation, fmt)}" if q.explanation else ""
    tf = _tf_choices(q) if q.type is QuestionType.TRUE_FALSE else None
    if tf is not None:
        t, f = tf
        truth = q.choices[t].is_correct
        right, wrong = (q.choices[t], q.choices[f]) if truth else (q.choices[f], q.choices[t])
        body = "TRUE" if truth else "FALSE"
        if wrong.feedback:
            body += "#" + _secondary(wrong.feedback, fmt)
        elif right.feedback:
            body += "#"
        if right.feedback:
            body += "#" + _secondary(right.feedback, fmt)
        lines.append(head + "{" + body + explanation + "}")
        return "\n".join(lines)
    single = q.type is not QuestionType.MULTIPLE and any(c.fraction == 1 for c in q.choices)
    lines.append(head + "{")
    for c in q.choices:
        if single and c.fraction == 1:
            mark = "="
        elif c.fraction == 0 and not _WEIGHTISH.match(c.text):
            mark = "~"
        else:
            mark = f"~%{_percent(c.fraction)}%"
        entry = "\t" + mark + _secondary(c.text, fmt)
        if c.feedback:
            entry += "#" + _secondary(c.feedback, fmt)
        lines.append(entry)
    if explanation:
        lines.append("\t" + explanation)
    lines.append("}")
    return "\n".join(lines)


def write_gift(pack: Pack) -> str:
    """The pack as GIFT text (``\\n`` line endings), one ``$CATEGORY:`` per lesson.

    Carries: the pack's id, version, language, source and title in a leading comment
    (``// quizapp-pack: id=…; version=…; language=…; source=…; title=…``, which Moodle ignores
    and :func:`parse_gift` reads, so re-importing an exported file makes a new version
    of the same pack rather than a second pack); lesson titles (as categories);
    question ids (as ``// question: ID`` comments, which Moodle ignores too); titles;
    prompts with their format marker; choices with their credit (``=`` for the right
    one of a single-answer question, ``~%w%`` weights otherwise); choice feedback;
    explanation (``####``) and true/false. Lesson bodies, hints, shuffle and scoring
    settings, evidence, difficulty and tags are not carried: GIFT has no place for
    them. A true/false question whose choices are not named True and False is written
    as single answer.
    """
    title = " ".join(pack.title.split())
    out = [
        f"// {title}: written by quizapp from pack {pack.id}",
        f"{PACK_HEADER} id={pack.id}; version={_header_value(pack.version)}; "
        f"language={_header_value(pack.language)}; source={_header_value(pack.source)}; "
        f"title={title}",
        "",
    ]
    by_lesson: dict[str, list[Question]] = {}  # one pass (questions_of per lesson: O(n²))
    for question in pack.questions:
        by_lesson.setdefault(question.lesson_id, []).append(question)
    for lesson in pack.lessons:
        questions = by_lesson.get(lesson.id, [])
        if not questions:
            continue
        out.append(f"$CATEGORY: {' '.join(lesson.title.split())}")
        out.append("")
        for q in questions:
            out.append(_write_question(q))
            out.append("")
    return "\n".join(out)


__all__ = ["BLANK", "PACK_HEADER", "parse_gift", "read_gift", "write_gift"]
