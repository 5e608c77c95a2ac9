"""Lighter lesson pages for a classroom on one access point: compressed responses.

Why: a class of 60 opening a lesson at once downloads 60 copies of the Voila front end over one
Wi-Fi access point. Voila serves everything uncompressed, and its `tornado_settings` cannot
turn compression on (Voila builds the tornado application first and applies those settings
afterwards; tornado reads `compress_response` only when the application is constructed,
docs/performance.md). So the gzip transform is added to the application's transforms at the
point where Voila builds it (the same hook the hardening module uses). Text, JavaScript, JSON
and SVG are compressed; images and websockets are not touched.

Static files (the front end's scripts and styles) are compressed once and the result is kept
(`StaticGzip`): a cold browser fetches about 5 MB of them, and gzip on the fly costs the server
about 0.17 CPU-seconds per learner (32 MB/s here) on its one event loop, so a class of 60
first visits would be some 10 CPU-seconds of compression in the middle of the class's arrival.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, ClassVar

import tornado.httputil
import tornado.web
from voila.app import Voila


class StaticGzip(tornado.web.GZipContentEncoding):
    """tornado's gzip transform that compresses each static file once and then replays it.

    A static file is a complete 200 answer to a GET carrying both an ETag (its content's hash)
    and a Last-Modified date: tornado's `StaticFileHandler` sets both, dynamic pages do not. The
    key is the path and the ETag, so a changed file is compressed anew. All of
    `StaticFileHandler`'s own logic (304 answers, ranges, HEAD) is untouched: only its output
    bytes are swapped, and the file chunks that follow a replayed answer are dropped.
    """

    CACHE_BYTES = 64 * 2**20  # the whole front end compressed is about 1.6 MB
    cache: ClassVar[OrderedDict[tuple[str, ...], bytes]] = OrderedDict()
    cached_bytes = 0
    hits = 0

    def __init__(self, request: tornado.httputil.HTTPServerRequest) -> None:
        super().__init__(request)
        self._method = request.method
        self._path = request.path
        self._key: tuple[str, ...] | None = None
        self._replayed = False
        self._parts: list[bytes] = []

    def transform_first_chunk(
        self, status_code: int, headers: tornado.httputil.HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, tornado.httputil.HTTPHeaders, bytes]:
        static = (
            self._gzipping
            and self._method == "GET"
            and status_code == 200
            and "Etag" in headers
            and "Last-Modified" in headers
            and "Content-Range" not in headers
        )
        if static:
            self._key = (self._path, headers["Etag"], headers["Last-Modified"], headers.get("Content-Length", ""))
            compressed = self.cache.get(self._key)
            ctype = headers.get("Content-Type", "").split(";")[0]
            if compressed is not None and self._compressible_type(ctype) and "Content-Encoding" not in headers:
                StaticGzip.hits += 1
                self.cache.move_to_end(self._key)
                self._replayed = True
                headers["Vary"] = f"{headers['Vary']}, Accept-Encoding" if "Vary" in headers else "Accept-Encoding"
                headers["Content-Encoding"] = "gzip"
                headers["Content-Length"] = str(len(compressed))
                return status_code, headers, compressed
        return super().transform_first_chunk(status_code, headers, chunk, finishing)

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        if self._replayed:
            return b""
        chunk = super().transform_chunk(chunk, finishing)
        if self._key is not None and self._gzipping:
            self._parts.append(chunk)
            if finishing:
                self._keep(b"".join(self._parts))
        return chunk

    def _keep(self, compressed: bytes) -> None:
        cls = StaticGzip
        if self._key in cls.cache or len(compressed) > cls.CACHE_BYTES:
            return
        cls.cache[self._key] = compressed  # type: ignore[index]
        cls.cached_bytes += len(compressed)
        while cls.cached_bytes > cls.CACHE_BYTES:  # least recently served first
            _, dropped = cls.cache.popitem(last=False)
            cls.cached_bytes -= len(dropped)


def _add_compression() -> None:
    if getattr(Voila.init_handlers, "alledu_compressed", False):
        return
    original = Voila.init_handlers

    def init_handlers(self: Voila) -> list:
        handlers = original(self)
        if StaticGzip not in self.app.transforms:
            self.app.transforms.append(StaticGzip)
        return handlers

    init_handlers.alledu_compressed = True  # type: ignore[attr-defined]
    Voila.init_handlers = init_handlers  # type: ignore[method-assign]


def install(c: Any) -> None:
    """Called from alledu/serve/voila.py."""
    _add_compression()
