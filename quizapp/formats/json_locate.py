"""Where values sit in a JSON text: line and column by JSON path.

:func:`json.loads` gives values but no positions. When a pack has problems (or when
the loader needs each question's line) this module walks the text a second time,
mirroring JSON's grammar, and records the offset of the values asked for. It only
descends along the paths it is asked about: every other value is skipped with the
standard library's C scanner (``scan_once``), so locating the 10,000 questions of a
big pack costs a few milliseconds.

The text must already have been accepted by :func:`json.loads` (it is not
re-validated here). Paths are tuples of keys (``str``) and indices (``int``), e.g.
``("questions", 3, "choices", 1, "text")``; ``()`` is the whole document.
"""

from __future__ import annotations

import contextlib
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

JsonPath = tuple[str | int, ...]

_WS = re.compile(r"[ \t\n\r]*")
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_scan_once = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def format_path(path: JsonPath) -> str:
    """``("questions", 3, "text")`` -> ``$.questions[3].text``; odd keys are quoted."""
    out = ["$"]
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENT.match(part):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


@dataclass
class Located:
    """Offsets (0-based, in characters) found by :func:`locate`.

    ``values[path]`` is where the value at ``path`` starts; ``keys[path]`` is where
    the key naming it starts (object members only); ``duplicate_keys`` lists the
    paths and key offsets of members whose key repeats an earlier key of the same
    object (only filled in ``full`` mode).
    """

    values: dict[JsonPath, int] = field(default_factory=dict)
    keys: dict[JsonPath, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[JsonPath, int]] = field(default_factory=list)


def locate(text: str, wanted: Iterable[JsonPath], *, full: bool = False) -> Located:
    """Offsets of the values (and keys) at the ``wanted`` paths of a valid JSON ``text``.

    With ``full=True`` every value is visited (slower, pure Python) and repeated keys
    are reported in ``duplicate_keys``. A path that does not exist is simply absent
    from the result. Nesting deeper than Python's recursion limit gives what was found
    before that depth.
    """
    wanted_set = set(wanted)
    prefixes: set[JsonPath] = set()
    for path in wanted_set:
        for i in range(len(path)):
            prefixes.add(path[:i])
    found = Located()

    def skip_ws(idx: int) -> int:
        match = _WS.match(text, idx)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def value(idx: int, path: JsonPath) -> int:
        idx = skip_ws(idx)
        if full or path in wanted_set:
            found.values[path] = idx
        char = text[idx] if idx < len(text) else ""
        if (not full and path not in prefixes) or char not in "{[":
            _, end = _scan_once(text, idx)
            return int(end)
        if char == "{":
            return obj(idx, path)
        return array(idx, path)

    def obj(idx: int, path: JsonPath) -> int:
        idx = skip_ws(idx + 1)
        if text[idx] == "}":
            return idx + 1
        seen: set[str] = set()
        while True:
            key_at = idx
            key, idx = scanstring(text, idx + 1)
            child = (*path, key)
            if full:
                if key in seen:
                    found.duplicate_keys.append((child, key_at))
                seen.add(key)
            if full or child in wanted_set:
                found.keys.setdefault(child, key_at)
            idx = skip_ws(idx) + 1  # the colon
            if full and child in found.values:
                # A repeated key: keep the first member's position for the path.
                first = found.values[child]
                idx = value(idx, child)
                found.values[child] = first
            else:
                idx = value(idx, child)
            idx = skip_ws(idx)
            if text[idx] == "}":
                return idx + 1
            idx = skip_ws(idx + 1)  # after the comma

    def array(idx: int, path: JsonPath) -> int:
        idx = skip_ws(idx + 1)
        if text[idx] == "]":
            return idx + 1
        index = 0
        while True:
            idx = value(idx, (*path, index))
            idx = skip_ws(idx)
            if text[idx] == "]":
                return idx + 1
            idx += 1
            index += 1

    with contextlib.suppress(RecursionError):
        value(0, ())
    return found


def item_offsets(text: str, key: str) -> list[int]:
    """Where each item of the array ``text[key]`` starts, in order, for a valid JSON
    ``text`` whose top is an object: what ``locate(text, [(key, 0), (key, 1), …]).values``
    gives, for every item.

    ``[]`` when that member is missing or not an array; when the key repeats, the last
    member (the one :func:`json.loads` keeps). One loop over the top object's members
    and that array's items, each other value skipped with the C scanner (the question
    offsets of a 10,000-question pack: about half the time :func:`locate` takes).
    Nesting deeper than Python's recursion limit gives the items met before it.
    """
    offsets: list[int] = []
    ws = _WS.match
    scan = _scan_once

    def after_ws(idx: int) -> int:
        return ws(text, idx).end()  # type: ignore[union-attr]  # matches ""

    with contextlib.suppress(RecursionError):
        idx = after_ws(0)
        if not text.startswith("{", idx):
            return offsets
        idx = after_ws(idx + 1)
        if text[idx] == "}":
            return offsets
        while True:
            name, idx = scanstring(text, idx + 1)
            idx = after_ws(after_ws(idx) + 1)  # past the colon
            if name == key and text[idx] == "[":
                offsets = []
                idx = after_ws(idx + 1)
                if text[idx] == "]":
                    idx += 1
                else:
                    while True:
                        offsets.append(idx)
                        idx = after_ws(scan(text, idx)[1])
                        if text[idx] == "]":
                            idx += 1
                            break
                        idx = after_ws(idx + 1)
            else:
                if name == key:
                    offsets = []
                idx = scan(text, idx)[1]
            idx = after_ws(idx)
            if text[idx] == "}":
                return offsets
            idx = after_ws(idx + 1)
    return offsets


def decode_with_item_offsets(
    text: str,
    scan_once: Callable[[str, int], tuple[Any, int]],
    make_object: Callable[[list[tuple[str, Any]]], Any],
    key: str,
) -> tuple[Any, list[int]] | None:
    """``(value, offsets)``: what ``json.loads`` gives for ``text`` and what
    :func:`item_offsets` gives for ``key``, in one pass over the text, or ``None`` when
    ``text`` is not a valid JSON object (the caller then calls :func:`json.loads`, for
    its value or its error: nothing here reports one).

    ``scan_once`` is the scanner of the :class:`json.JSONDecoder` the caller would
    decode with (``decoder.scan_once``: its hooks, its strictness) and ``make_object``
    that decoder's ``object_pairs_hook``, given the top object's members in order as
    the decoder gives them. The top object's members are read here, each value with
    ``scan_once``, and the items of the array ``key`` one by one, so each item's offset
    is known without a second walk (:func:`item_offsets` scans the array again: for a
    10,000-question pack that second scan cost as much as the decoding). A key that
    repeats: the last member counts for both, as for :func:`json.loads`.
    """
    ws = _WS.match
    offsets: list[int] = []
    try:
        idx = ws(text, 0).end()  # type: ignore[union-attr]  # matches ""
        if text[idx] != "{":
            return None
        idx = ws(text, idx + 1).end()  # type: ignore[union-attr]
        pairs: list[tuple[str, Any]] = []
        if text[idx] == "}":
            idx += 1
        else:
            while True:
                if text[idx] != '"':
                    return None
                name, idx = scanstring(text, idx + 1)
                idx = ws(text, idx).end()  # type: ignore[union-attr]
                if text[idx] != ":":
                    return None
                idx = ws(text, idx + 1).end()  # type: ignore[union-attr]
                if name == key and text[idx] == "[":
                    offsets, value, idx = _items(text, idx, scan_once)
                else:
                    if name == key:
                        offsets = []
                    value, idx = scan_once(text, idx)
                pairs.append((name, value))
                idx = ws(text, idx).end()  # type: ignore[union-attr]
                if text[idx] == "}":
                    idx += 1
                    break
                if text[idx] != ",":
                    return None
                idx = ws(text, idx + 1).end()  # type: ignore[union-attr]
        if ws(text, idx).end() != len(text):  # type: ignore[union-attr]
            return None  # json.loads: "Extra data"
    except (IndexError, StopIteration, ValueError, RecursionError):
        return None  # JSONDecodeError is a ValueError
    return make_object(pairs), offsets


def _items(
    text: str, idx: int, scan_once: Callable[[str, int], tuple[Any, int]]
) -> tuple[list[int], list[Any], int]:
    """The array starting at ``text[idx]`` (``[``): its items' offsets, its items, and
    where it ends. Raises what ``scan_once`` raises, ``ValueError`` or ``IndexError`` for
    anything that is not an array."""
    ws = _WS.match
    offsets: list[int] = []
    items: list[Any] = []
    idx = ws(text, idx + 1).end()  # type: ignore[union-attr]
    if text[idx] == "]":
        return offsets, items, idx + 1
    while True:
        offsets.append(idx)
        item, idx = scan_once(text, idx)
        items.append(item)
        idx = ws(text, idx).end()  # type: ignore[union-attr]
        if text[idx] == "]":
            return offsets, items, idx + 1
        if text[idx] != ",":
            raise ValueError("not an array")
        idx = ws(text, idx + 1).end()  # type: ignore[union-attr]


def line_numbers(text: str, offsets: Iterable[int | None]) -> Iterator[int | None]:
    """1-based line of each offset (``None`` stays ``None``); fastest when offsets increase."""
    count = text.count
    line, at = 1, 0
    for offset in offsets:
        if offset is None:
            yield None
            continue
        if offset < at:
            line, at = 1, 0
        line += count("\n", at, offset)
        at = offset
        yield line


class LineIndex:
    """Turns character offsets of one text into 1-based (line, column) pairs."""

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._starts = starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of the character at ``offset``."""
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1
