"""Lighter lesson pages for a classroom on one access point: compressed responses.

Why: a class of 60 opening a lesson at once downloads 60 copies of the Voila front end over one
Wi-Fi access point. Voila serves everything uncompressed, and its `tornado_settings` cannot
turn compression on (Voila builds the tornado application first and applies those settings
afterwards; tornado reads `compress_response` only when the application is constructed,
docs/performance.md). So the gzip transform is added to the application's transforms at the
point where Voila builds it (the same hook the hardening module uses). Text, JavaScript, JSON
and SVG are compressed; images and websockets are not touched.
"""

from __future__ import annotations

from typing import Any

import tornado.web
from voila.app import Voila


def _add_compression() -> None:
    if getattr(Voila.init_handlers, "alledu_compressed", False):
        return
    original = Voila.init_handlers

    def init_handlers(self: Voila) -> list:
        handlers = original(self)
        if tornado.web.GZipContentEncoding not in self.app.transforms:
            self.app.transforms.append(tornado.web.GZipContentEncoding)
        return handlers

    init_handlers.alledu_compressed = True  # type: ignore[attr-defined]
    Voila.init_handlers = init_handlers  # type: ignore[method-assign]


def install(c: Any) -> None:
    """Called from alledu/serve/voila.py."""
    _add_compression()
