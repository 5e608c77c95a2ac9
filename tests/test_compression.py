"""Static files are gzip-compressed once and replayed; everything else as tornado compresses it.

Why these tests: a replayed answer that went stale, lost its length or reached a HEAD, a range
or a dynamic page would break a learner's page in ways no lesson test shows.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import os
import shutil
import tempfile
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.web
from tornado.testing import bind_unused_port

from alledu.serve.compression import StaticGzip, with_replay

SCRIPT = b"".join(b"function f%d(x) { return x * %d; }\n" % (i, i) for i in range(3000))  # ~110 kB


class Dynamic(tornado.web.RequestHandler):
    """A page written by code, with the same bytes as the script: never replayed."""

    def get(self) -> None:
        self.set_header("Content-Type", "application/javascript")
        self.write(SCRIPT)


class Counting(tornado.web.StaticFileHandler):
    """tornado's static handler, counting how often it looked a file up."""

    lookups = 0

    @classmethod
    def get_absolute_path(cls, root: str, path: str) -> str:
        Counting.lookups += 1
        return super().get_absolute_path(root, path)


class Guarded(tornado.web.StaticFileHandler):
    """A static handler with a check of its own in `get` (here: one visit only), never skipped."""

    visits = 0

    def get(self, path: str, include_body: bool = True) -> object:
        Guarded.visits += 1
        if Guarded.visits > 1:
            raise tornado.web.HTTPError(403)
        return super().get(path, include_body)


@dataclass
class Answer:
    code: int
    headers: Any  # case-insensitive, as urllib gives them
    body: bytes


class TestStaticGzip:
    """Against a real tornado server on 127.0.0.1, in a thread with its own event loop (the run's
    Playwright keeps one in the main thread), with the transform and routes Voila gets."""

    def setup_method(self) -> None:
        self.folder = Path(tempfile.mkdtemp())
        (self.folder / "app.js").write_bytes(SCRIPT)
        StaticGzip.cache.clear()
        StaticGzip.cached_bytes = 0
        StaticGzip.answers.clear()
        routes = [
            (r"/static/(.*)", Counting, {"path": str(self.folder)}),
            (r"/guarded/(.*)", Guarded, {"path": str(self.folder)}),
            (r"/page", Dynamic),
        ]
        sock, port = bind_unused_port()
        self.base = f"http://127.0.0.1:{port}"
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            app = tornado.web.Application(with_replay(routes), transforms=[StaticGzip])
            tornado.httpserver.HTTPServer(app).add_sockets([sock])
            self.loop.call_soon(started.set)
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        assert started.wait(10)

    def teardown_method(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def get(self, path: str, method: str = "GET", accept_gzip: bool = True, **headers: str) -> Answer:
        sent = {"Accept-Encoding": "gzip", **headers} if accept_gzip else headers
        request = urllib.request.Request(self.base + path, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=20) as r:  # urllib never decompresses
                return Answer(r.status, r.headers, r.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, b"")

    def test_a_static_file_is_compressed_once_then_replayed_whole(self) -> None:
        compressed, replayed, lookups = StaticGzip.compressed, StaticGzip.replayed, Counting.lookups
        first, second, third = (self.get("/static/app.js") for _ in range(3))
        for answer in (first, second, third):
            assert answer.code == 200 and answer.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(answer.body) == SCRIPT
            assert answer.headers["Vary"] == "Accept-Encoding"
            assert int(answer.headers["Content-Length"]) == len(answer.body) < len(SCRIPT) // 3
        for name in ("Etag", "Last-Modified", "Content-Type", "Accept-Ranges"):
            assert first.headers[name] == second.headers[name] == third.headers[name], name
        assert first.body == second.body == third.body
        assert (StaticGzip.compressed, StaticGzip.replayed) == (compressed + 1, replayed + 2)
        assert Counting.lookups == lookups + 1  # the replays never looked the file up

    def test_a_handler_with_its_own_get_is_never_replayed(self) -> None:
        replayed = StaticGzip.replayed
        Guarded.visits = 0
        assert [self.get("/guarded/app.js").code for _ in range(2)] == [200, 403]
        assert StaticGzip.replayed == replayed

    def test_a_class_arriving_together_compresses_a_file_once(self) -> None:
        compressed = StaticGzip.compressed
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(lambda _: self.get("/static/app.js"), range(10)))
        assert {gzip.decompress(a.body) for a in answers} == {SCRIPT}
        assert StaticGzip.compressed == compressed + 1

    def test_a_changed_file_is_never_served_stale(self) -> None:
        self.get("/static/app.js")
        changed = SCRIPT.replace(b"return", b"return -")
        (self.folder / "app.js").write_bytes(changed)
        os.utime(self.folder / "app.js", (1e9, 2e9))
        replayed = StaticGzip.replayed
        assert gzip.decompress(self.get("/static/app.js").body) == changed
        assert StaticGzip.replayed == replayed  # the remembered answer was for the old file
        assert gzip.decompress(self.get("/static/app.js").body) == changed
        assert StaticGzip.replayed == replayed + 1

    def test_revalidation_head_and_ranges_keep_their_own_answers(self) -> None:
        etag = self.get("/static/app.js").headers["Etag"]
        hits, replayed = StaticGzip.hits, StaticGzip.replayed
        revalidated, lookups = StaticGzip.revalidated, Counting.lookups
        # a browser checking its copy: 304 from memory, the file not looked up
        checked = self.get("/static/app.js", **{"If-None-Match": etag})
        assert checked.code == 304 and checked.headers["Etag"] == etag and checked.body == b""
        assert (StaticGzip.revalidated, Counting.lookups) == (revalidated + 1, lookups)
        # by date, as browsers check files sent without an ETag (Voila's lab extensions)
        since = checked.headers["Last-Modified"]
        assert self.get("/static/app.js", **{"If-Modified-Since": since}).code == 304
        assert (StaticGzip.revalidated, Counting.lookups) == (revalidated + 2, lookups)
        older = "Sat, 01 Jan 2000 00:00:00 GMT"
        assert gzip.decompress(self.get("/static/app.js", **{"If-Modified-Since": older}).body) == SCRIPT
        hits += 1
        # a stale copy: the whole answer, the usual way
        stale = self.get("/static/app.js", **{"If-None-Match": '"0123"'})
        assert stale.code == 200 and gzip.decompress(stale.body) == SCRIPT
        assert StaticGzip.hits == hits + 1
        hits += 1
        head = self.get("/static/app.js", method="HEAD")
        assert head.code == 200 and head.body == b""
        part = self.get("/static/app.js", Range="bytes=100-199")
        assert part.code == 206
        body = gzip.decompress(part.body) if part.headers.get("Content-Encoding") == "gzip" else part.body
        assert body == SCRIPT[100:200]
        assert (StaticGzip.hits, StaticGzip.replayed) == (hits, replayed)

    def test_dynamic_pages_and_plain_clients_are_not_replayed(self) -> None:
        hits = StaticGzip.hits
        for _ in range(2):
            page = self.get("/page")
            assert page.headers["Content-Encoding"] == "gzip" and gzip.decompress(page.body) == SCRIPT
        self.get("/static/app.js")
        plain = self.get("/static/app.js", accept_gzip=False)
        assert "Content-Encoding" not in plain.headers and plain.body == SCRIPT
        assert StaticGzip.hits == hits
        assert [key[0] for key in StaticGzip.cache] == [str(self.folder / "app.js")]

    def test_the_cache_keeps_its_byte_budget(self) -> None:
        for i in range(4):
            (self.folder / f"f{i}.js").write_bytes(SCRIPT + b"//%d" % i)
        budget = StaticGzip.CACHE_BYTES
        StaticGzip.CACHE_BYTES = 2 * len(gzip.compress(SCRIPT)) + 4096  # room for about two
        try:
            for i in range(4):
                assert gzip.decompress(self.get(f"/static/f{i}.js").body).startswith(SCRIPT)
            assert StaticGzip.cached_bytes <= StaticGzip.CACHE_BYTES
            assert [key[0] for key in StaticGzip.cache] == [str(self.folder / f"f{i}.js") for i in (2, 3)]
        finally:
            StaticGzip.CACHE_BYTES = budget
