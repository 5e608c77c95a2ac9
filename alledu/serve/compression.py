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

import datetime
import email.utils
import functools
import gzip
import os
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import tornado.httputil
import tornado.web
from jupyter_server.base.handlers import FileFindHandler

# the file each static answer is sending (set by `StaticFileHandler.set_headers`, patched below)
_FILES: weakref.WeakKeyDictionary[tornado.httputil.HTTPServerRequest, str] = weakref.WeakKeyDictionary()


# a conditional request may be answered 304 by the handler, so it is never replayed
CONDITIONAL = ("If-None-Match", "If-Modified-Since")
# what a replayed answer repeats of the handler's own (the rest it sets per request, as always)
REPLAYED_HEADERS = ("Etag", "Last-Modified", "Content-Type", "Cache-Control", "Accept-Ranges")


class Answer(NamedTuple):
    key: tuple[str, str, str]  # the cache key: file, date, length
    stamp: tuple[int, int]  # the file's st_mtime_ns and st_size then
    headers: list[tuple[str, str]]
    modified: datetime.datetime | None  # as the handler read it (for If-Modified-Since)


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
    replayed = 0
    revalidated = 0
    answers: ClassVar[OrderedDict[str, Answer]] = OrderedDict()  # request address -> its answer

    def __init__(self, request: tornado.httputil.HTTPServerRequest) -> None:
        super().__init__(request)
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
                self._remember(key, headers)  # type: ignore[arg-type]
                self._replayed = True
                headers["Vary"] = f"{headers['Vary']}, Accept-Encoding" if "Vary" in headers else "Accept-Encoding"
                headers["Content-Encoding"] = "gzip"
                headers["Content-Length"] = str(len(body))
                return status_code, headers, body
        return super().transform_first_chunk(status_code, headers, chunk, finishing)

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        return b"" if self._replayed else super().transform_chunk(chunk, finishing)

    def _remember(self, key: tuple[str, str, str], headers: tornado.httputil.HTTPHeaders) -> None:
        """Keep what this address was answered with, for `replay` (not for a conditional request)."""
        if any(h in self._request.headers for h in CONDITIONAL):
            return
        try:
            stat = os.stat(key[0])
        except OSError:
            return
        kept = [(name, headers[name]) for name in REPLAYED_HEADERS if name in headers]
        try:
            modified = email.utils.parsedate_to_datetime(headers["Last-Modified"])
        except (KeyError, TypeError, ValueError):
            modified = None
        stamp = (stat.st_mtime_ns, stat.st_size)
        self.answers[self._request.uri] = Answer(key, stamp, kept, modified)  # type: ignore[index]
        while len(self.answers) > 4096:  # addresses are few; bounded all the same
            self.answers.popitem(last=False)

    @classmethod
    def replay(cls, handler: tornado.web.RequestHandler) -> bool:
        """Answer a static file compressed before from memory, without looking the file up again.

        Why: a cold browser asks for about 100 files; the handler's own way (search paths,
        `realpath`, template folders, reading the file) costs about 0.57 ms of the event loop
        each, some 57 ms per learner. Only a plain GET of an address answered whole before, whose
        file has the same date and size (one `stat`), is replayed; a browser checking its copy
        (by ETag or date: Voila's lab extensions are sent with "no-cache", so every later page
        checks about 20 of them) gets its 304 the same way; anything else goes the usual way.
        """
        request = handler.request
        if (
            request.method != "GET"
            or "gzip" not in request.headers.get("Accept-Encoding", "")
            or "Range" in request.headers
        ):
            return False
        answer = cls.answers.get(request.uri)  # type: ignore[arg-type]
        body = cls.cache.get(answer.key) if answer else None
        if answer is None or body is None:
            return False
        try:
            stat = os.stat(answer.key[0])
        except OSError:
            return False
        if (stat.st_mtime_ns, stat.st_size) != answer.stamp:
            return False
        for name, value in answer.headers:
            handler.set_header(name, value)
        if any(h in request.headers for h in CONDITIONAL):  # a browser checking its copy
            if answer.modified is None and "If-None-Match" not in request.headers:
                return False
            handler.modified = answer.modified  # type: ignore[attr-defined]
            if not handler.should_return_304():  # type: ignore[attr-defined]  # tornado's own rules
                return False  # the usual way (it sets the same headers again)
            handler.set_status(304)
            cls.revalidated += 1
            handler.finish()
            return True
        cls.replayed += 1
        cls.cache.move_to_end(answer.key)
        handler.set_header("Content-Encoding", "gzip")  # the transform then leaves it as it is
        handler.finish(body)
        return True

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


# once, on import (alledu/serve/voila.py and the tests import this module): static answers name their file
tornado.web.StaticFileHandler.set_headers = _set_headers_naming_the_file  # type: ignore[method-assign]


# handlers whose GET is tornado's static file answer, unchanged (no check of their own to skip)
PLAIN_STATIC_GETS = (tornado.web.StaticFileHandler.get, FileFindHandler.get)


@functools.cache
def replaying(handler: type[tornado.web.StaticFileHandler]) -> type[tornado.web.StaticFileHandler]:
    """The handler class, answering from `StaticGzip.replay` once its own `prepare` has passed.

    `prepare` is where jupyter_server checks who may see the file, so that still runs; finishing
    there means tornado never calls the handler's `get`.
    """

    class Replaying(handler):  # type: ignore[valid-type, misc]
        async def prepare(self) -> None:
            result = super().prepare()
            if result is not None:
                await result
            if not self._finished:
                StaticGzip.replay(self)

    Replaying.__name__ = Replaying.__qualname__ = f"Replaying{handler.__name__}"
    return Replaying


def with_replay(rules: list) -> list:
    """The application's routes with every plain static file handler made a `replaying` one."""
    return [
        (rule[0], replaying(rule[1]), *rule[2:])
        if len(rule) > 1
        and isinstance(rule[1], type)
        and issubclass(rule[1], tornado.web.StaticFileHandler)
        and rule[1].get in PLAIN_STATIC_GETS
        else rule
        for rule in rules
    ]


def add_to(app: Any, routes: list) -> list:
    """Gzip for static files (cached) and the replayed plain GETs; called by `AlleduVoila.init_handlers`."""
    if StaticGzip not in app.app.transforms:
        app.app.transforms.append(StaticGzip)
    return with_replay(routes)
