"""Pause Python's cyclic garbage collector while a reader builds a large tree of objects
(and while :func:`quizapp.services.packs.install_pack` turns one into rows).

Reading a pack allocates millions of small containers (the parsed JSON, then the domain
questions and choices), all alive until the read ends and none in a reference cycle.
With the collector on, a collection runs every 700 or so new containers, and the older
generations are walked again and again as the heap grows: reading 100,000 JSON
questions spent about a quarter of its time there, and the read grew faster than the
file (12-14 times the 10,000-question time). Reference counting still frees everything
else at once while paused; a cycle made during the read is collected after it.

The pause nests and is safe across threads: the collector comes back on when the last
pause ends, and only if it was on when the first one began.

What the pause does not save: the first young collection after it walks, once, every
container made during the pause that is still alive (the pack just read): about 16 ms
for 10,000 GIFT questions and 160 ms for 100,000 on the 2-core benchmark machine,
where the collector would otherwise have walked them several times over.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Context manager: the cyclic collector is off inside (see the module docstring),
    restored on the way out, exception or not."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


__all__ = ["gc_paused"]
