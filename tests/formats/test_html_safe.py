"""HTML from any file keeps only a safe, attribute-free subset; nothing runs or loads."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.model import TextFormat
from quizapp.formats.html_safe import (
    SAFE_TAGS,
    html_to_text,
    moodle_auto_format,
    plain_to_html,
    sanitize_html,
    sanitize_html_report,
    unify_formats,
)


@pytest.mark.parametrize(
    ("given_html", "expected"),
    [
        ("<p>Hi <b>there</b></p><script>alert('x')</script>", "<p>Hi <b>there</b></p>"),
        ("<SCRIPT type='text/javascript'>document.write('<b>x</b>')</SCRIPT>ok", "ok"),
        ('<img src="http://example.com/x.png" onerror="alert(1)">text', "text"),
        ('<a href="http://example.com/">a link</a>', "a link"),
        ('<a href="javascript:alert(1)"><b>bold link</b></a>', "<b>bold link</b>"),
        ("<style>p { color: red }</style><p style='color:red' class=x>styled</p>",
         "<p>styled</p>"),
        ("<ul><li>one<li>two</ul>", "<ul><li>one<li>two</li></li></ul>"),
        ("<b><i>nested</b> tail</i>", "<b><i>nested</i></b> tail"),
        ("&lt;b&gt; &amp; &eacute; &#233; &#x41;", "&lt;b&gt; &amp; é é A"),
        ("<iframe src='http://example.com'>fallback</iframe>", "fallback"),
        ("<svg onload=alert(1)><circle/></svg>", ""),
        ("<!-- a comment --><p>kept</p>", "<p>kept</p>"),
        ("x<sub>2</sub> and x<sup>2</sup> <u>u</u> <em>e</em> <strong>s</strong>",
         "x<sub>2</sub> and x<sup>2</sup> <u>u</u> <em>e</em> <strong>s</strong>"),
        ("<pre><code>if a &lt; b:</code></pre>", "<pre><code>if a &lt; b:</code></pre>"),
        ("<div>one</div><div>two</div>", "one<br>two"),
        ("<link rel=stylesheet href=http://e/x.css><meta http-equiv=refresh>t", "t"),
        ("line<br/>break", "line<br>break"),
        ("a < b and c > d", "a &lt; b and c &gt; d"),
    ],
)
def test_only_the_safe_subset_survives(given_html: str, expected: str) -> None:
    assert sanitize_html(given_html) == expected


def test_removed_media_are_reported() -> None:
    _, removed = sanitize_html_report('<p><img src="x.png"><video src="v.mp4"></video></p>')
    assert {"img", "video"} <= removed


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(),
    st.lists(st.sampled_from([*"<>/=\"' &;#abipscrtyle", "<b>", "</b>", "<script>", "</script>",
                              "<p>", "<img src=x>", "&amp;", "<br>", "<li>", "<!--", "-->",
                              "<a href='x'>", "<style>", "</style>", "<svg>", "<div>"]))
    .map("".join),
))
def test_output_is_inert_and_sanitizing_twice_changes_nothing(text: str) -> None:
    safe = sanitize_html(text)
    assert sanitize_html(safe) == safe
    tags = re.findall(r"<([^>]*)>", safe)
    allowed = {f"{slash}{name}" for name in SAFE_TAGS for slash in ("", "/")}
    assert set(tags) <= allowed  # no other tag, and no attribute at all


def test_plain_text_is_never_read_as_markup() -> None:
    assert plain_to_html("<b>x</b>\nnext") == "&lt;b&gt;x&lt;/b&gt;<br>next"
    assert moodle_auto_format("if a < b & c") == ("if a < b & c", TextFormat.PLAIN)
    assert moodle_auto_format("with <b>bold</b>\nline") == (
        "with <b>bold</b><br>line", TextFormat.HTML,
    )
    assert html_to_text("<p>a &amp; b</p><ul><li>x</li></ul>") == "a & b\nx"


def test_mixed_formats_become_html_showing_each_text_as_written() -> None:
    fmt, texts = unify_formats([("a <b> c", TextFormat.PLAIN), ("**x**", TextFormat.MARKDOWN),
                                ("<i>y</i>", TextFormat.HTML), ("", TextFormat.PLAIN)])
    assert fmt is TextFormat.HTML
    assert texts == ["a &lt;b&gt; c", "<p><strong>x</strong></p>", "<i>y</i>", ""]
    assert unify_formats([("p", TextFormat.PLAIN), ("", TextFormat.HTML)]) == (
        TextFormat.PLAIN, ["p", ""],
    )
