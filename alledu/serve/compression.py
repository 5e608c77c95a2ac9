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

import gzip
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any, ClassVar

import tornado.httputil
import tornado.web
from voila.app import Voila

# the file each static answer is sending (set by `StaticFileHandler.set_headers`, below)
_FILES: weakref.WeakKeyDictionary[tornado.httputil.HTTPServerRequest, str] = weakref.WeakKeyDictionary()


class StaticGzip(tornado.web.GZipContentEncoding):
    """tornado's gzip transform that compresses each static file once, whole, and then replays it.

    A static answer is a complete 200 answer to a GET from tornado's `StaticFileHandler` (or a
    subclass), which names its file. The first learner's request compresses the whole file at
    once (a class arriving together would otherwise each compress it in parallel, chunk by
    chunk, before the first finished); later ones get those bytes with their length. The key is
    the file, its date and its length as the handler read them for this answer, so a changed
    file is compressed anew. `StaticFileHandler`'s own logic (304 answers, ranges, HEAD) is
    untouched: only its output bytes are swapped, and the file chunks that follow are dropped.
    """

    CACHE_BYTES = 64 * 2**20  # the whole front end compressed is about 1.6 MB
    LARGEST_FILE = 16 * 2**20  # larger files are compressed as they stream (no long pause)
    cache: ClassVar[OrderedDict[tuple[str, str, str], bytes]] = OrderedDict()
    cached_bytes = 0
    hits = 0
    compressed = 0

    def __init__(self, request: tornado.httputil.HTTPServerRequest) -> None:
        super().__init__(request)
        # made before any handler runs: from now on static answers name their file
        tornado.web.StaticFileHandler.set_headers = _set_headers_naming_the_file  # type: ignore[method-assign]
        self._request = request
        self._replayed = False

    def transform_first_chunk(
        self, status_code: int, headers: tornado.httputil.HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, tornado.httputil.HTTPHeaders, bytes]:
        path = _FILES.get(self._request)
        static = (
            path is not None
            and self._gzipping
            and self._request.method == "GET"
            and status_code == 200
            and "Content-Range" not in headers
            and "Content-Encoding" not in headers
            and self._compressible_type(headers.get("Content-Type", "").split(";")[0])
        )
        if static:
            key = (path, headers.get("Last-Modified", ""), headers.get("Content-Length", ""))
            body = self._compressed(key)  # type: ignore[arg-type]
            if body is not None:
                self._replayed = True
                headers["Vary"] = f"{headers['Vary']}, Accept-Encoding" if "Vary" in headers else "Accept-Encoding"
                headers["Content-Encoding"] = "gzip"
                headers["Content-Length"] = str(len(body))
                return status_code, headers, body
        return super().transform_first_chunk(status_code, headers, chunk, finishing)

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        return b"" if self._replayed else super().transform_chunk(chunk, finishing)

    @classmethod
    def _compressed(cls, key: tuple[str, str, str]) -> bytes | None:
        """The file's gzip bytes, from the cache or compressed now (None: stream it instead)."""
        body = cls.cache.get(key)
        if body is not None:
            cls.hits += 1
            cls.cache.move_to_end(key)
            return body
        path, _, length = key
        try:
            if not length.isdigit() or int(length) > cls.LARGEST_FILE:
                return None
            data = Path(path).read_bytes()
        except OSError:
            return None
        if len(data) != int(length):  # changed since the handler looked: not this answer's file
            return None
        body = gzip.compress(data, compresslevel=cls.GZIP_LEVEL, mtime=0)
        cls.compressed += 1
        cls.cache[key] = body
        cls.cached_bytes += len(body)
        while cls.cached_bytes > cls.CACHE_BYTES:  # least recently served first
            _, dropped = cls.cache.popitem(last=False)
            cls.cached_bytes -= len(dropped)
        return body


_set_headers = tornado.web.StaticFileHandler.set_headers


def _set_headers_naming_the_file(self: tornado.web.StaticFileHandler) -> None:
    _set_headers(self)
    if self.absolute_path:
        _FILES[self.request] = self.absolute_path


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
