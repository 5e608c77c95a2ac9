"""Defences for the served lessons against hostile traffic (issue 10; docs/security.md).

Why: `alledu serve` is meant for anonymous learners on a shared network, so anything one
browser tab can send must not cost the others their lessons. jupyter_server trusts the part
count at the start of a binary kernel websocket frame (a 12-byte frame can make the server
allocate gigabytes and be killed), kernels send tracebacks with file paths to the browser, and
several odd paths answer 500. Voila loads this through `alledu/serve/voila.py` (`install(c)`):

- `GuardedConnection` checks every kernel websocket frame against its own length before
  jupyter_server parses it, limits the rate per connection, closes connections that keep
  sending bad frames, and keeps kernel errors and stderr (tracebacks, paths) in the server log;
- `websocket_max_message_size` caps one message far above anything a lesson sends;
- `SecurityHeaders` adds the browser security headers to every response (pages, static files,
  errors) and drops the Server version;
- small handlers answer 404 where Voila would answer 500, and a kernel's model no longer
  shows its activity to whoever knows its id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import struct
import time
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.handlers import KernelHandler
from jupyter_server.utils import url_path_join
from tornado import httputil, web
from tornado.ioloop import IOLoop
from voila.static_file_handler import TemplateStaticFileHandler

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
CHANNELS = ("shell", "control", "iopub", "stdin")

# Limits per websocket connection. In the browser tests (all seven lessons) a page sent at most
# 7 messages in any second and none above 16 KB (measured 2026-11-25, docs/security.md); these
# sit far above that, so only a hostile or broken client reaches them.
MAX_MESSAGE_BYTES = 1024 * 1024
RATE_PER_SECOND = 100.0  # sustained messages per second
RATE_BURST = 400  # messages allowed at once before the rate applies
MAX_BAD_FRAMES = 10  # malformed frames tolerated on one connection before it is closed

# No inline script (the alledu template moves Voila's inline scripts into static files);
# 'unsafe-inline' styles because widgets set style attributes; blob: scripts for anywidget
# modules (the lessons' small anywidgets) which the page itself builds from a same-origin import.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",  # no-referrer made Chromium post the login form with Origin: null (blocked)
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
COOKIE_OPTIONS = {"samesite": "Lax", "httponly": True}

# The serving stack must be past every advisory known for it (docs/security.md lists them);
# requirements.txt pins versions at or above these, and Voila refuses to start below them.
MINIMUM_VERSIONS = {
    "tornado": "6.6.0",  # request smuggling, header/multipart DoS, websocket mask read (6.5.3-6.6.0)
    "jupyter_server": "2.21.0",  # GHSA-c3mw-737p-c7g2: token from Referer written to the log on a 500
    "voila": "0.5.6",  # GHSA-2q59-h24c-w6fg (CVE-2024-30265): any file readable through /static/
}


class BadFrame(ValueError):
    """A websocket frame that does not describe a well-formed kernel message."""


def check_legacy_binary(frame: bytes) -> None:
    """The legacy binary layout: 4-byte big-endian part count, one 4-byte offset per part, parts.

    The count must fit the frame's own length before any offset is read (jupyter_server builds a
    struct format string as long as the claimed count), and offsets must rise inside the frame.
    """
    if len(frame) < 8:
        raise BadFrame(f"binary frame of {len(frame)} bytes is shorter than one part")
    (count,) = struct.unpack("!i", frame[:4])
    if not 1 <= count <= (len(frame) - 4) // 4:
        raise BadFrame(f"binary frame of {len(frame)} bytes claims {count} parts")
    offsets = struct.unpack(f"!{count}I", frame[4 : 4 * (count + 1)])
    _check_offsets(offsets, 4 * (count + 1), len(frame))


def check_v1(frame: bytes) -> tuple[str, list[bytes]]:
    """The v1 kernel websocket protocol: 8-byte little-endian offset count, offsets, channel, parts.

    Returns (channel, parts) once the count, the offsets and the four JSON parts are sound.
    """
    if not isinstance(frame, bytes):
        raise BadFrame("text frame on the binary v1 protocol")
    if len(frame) < 8:
        raise BadFrame(f"v1 frame of {len(frame)} bytes has no offset count")
    count = int.from_bytes(frame[:8], "little")
    # channel + header, parent_header, metadata, content (+ buffers), and the end offset
    if not 6 <= count <= len(frame) // 8 - 1:
        raise BadFrame(f"v1 frame of {len(frame)} bytes claims {count} offsets")
    offsets = [int.from_bytes(frame[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    _check_offsets(offsets, 8 * (count + 1), len(frame))
    try:
        channel = frame[offsets[0] : offsets[1]].decode("utf-8")
    except UnicodeDecodeError:
        raise BadFrame("v1 channel is not text") from None
    parts = [frame[offsets[i] : offsets[i + 1]] for i in range(1, count - 1)]
    return channel, parts


def _check_offsets(offsets: Any, first: int, end: int) -> None:
    previous = first
    for offset in offsets:
        if not previous <= offset <= end:
            raise BadFrame(f"offset {offset} outside {previous}..{end}")
        previous = offset


def check_message(channel: Any, header: Any, parent: Any, metadata: Any, content: Any) -> None:
    """The shape every kernel message has; anything else never reaches a kernel."""
    if channel not in CHANNELS:
        raise BadFrame(f"unknown channel {str(channel)[:40]!r}")
    if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
        raise BadFrame("header without a msg_type")
    if not isinstance(header.get("msg_id"), str):
        raise BadFrame("header without a msg_id")
    for name, part in (("parent_header", parent), ("metadata", metadata), ("content", content)):
        if not isinstance(part, dict):
            raise BadFrame(f"{name} is not an object")


def _json_part(part: bytes) -> Any:
    try:
        return json.loads(part)
    except (ValueError, UnicodeDecodeError):
        raise BadFrame("part is not JSON") from None


def check_frame(frame: str | bytes, subprotocol: str | None) -> None:
    """Raise BadFrame unless `frame` is a well-formed kernel message for this protocol."""
    if len(frame) > MAX_MESSAGE_BYTES:
        raise BadFrame(f"message of {len(frame)} bytes")
    if subprotocol == V1_PROTOCOL:
        channel, parts = check_v1(frame)  # type: ignore[arg-type]
        if len(parts) < 4:
            raise BadFrame("v1 message with fewer than 4 parts")
        check_message(channel, *(_json_part(p) for p in parts[:4]))
        return
    if isinstance(frame, bytes):
        check_legacy_binary(frame)
        (count,) = struct.unpack("!i", frame[:4])
        offsets = [*struct.unpack(f"!{count}I", frame[4 : 4 * (count + 1)]), len(frame)]
        msg = _json_part(frame[offsets[0] : offsets[1]])
    else:
        msg = _json_part(frame.encode("utf-8", "surrogatepass"))
    if not isinstance(msg, dict):
        raise BadFrame("message is not an object")
    parts = (msg.get("header"), msg.get("parent_header"), msg.get("metadata"), msg.get("content"))
    check_message(msg.get("channel", "shell"), *parts)


class TokenBucket:
    """At most `burst` events at once and `rate` per second on average."""

    def __init__(self, rate: float = RATE_PER_SECOND, burst: int = RATE_BURST) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class GuardedConnection(ZMQChannelsWebsocketConnection):
    """Kernel websocket connection that checks frames before jupyter_server parses them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bucket = TokenBucket()
        self._bad_frames = 0
        self._refused = False
        self._hidden = 0  # kernel errors and stderr messages kept from this browser

    async def prepare(self) -> None:
        """A few kernel websockets set up at a time (`ClassroomKernels.arrivals`), when serving."""
        arrivals = getattr(self.multi_kernel_manager, "arrivals", None)
        if arrivals is None:
            await super().prepare()
            return
        async with arrivals.slot():
            await super().prepare()

    def connect(self) -> Any:
        """Send each kernel message at once: without TCP_NODELAY, Nagle's algorithm holds every
        message after the first of a reply until the browser's delayed ACK (40 ms on Linux, up to
        200 ms on Windows), so every widget update waited for it. jupyter_server leaves it unset."""
        if self.websocket_handler is not None and self.websocket_handler.ws_connection is not None:
            self.websocket_handler.set_nodelay(True)
        return super().connect()

    def nudge(self) -> asyncio.Future[None]:
        """jupyter_server's nudge, asking one transient control channel instead of shell + control.

        Why: a new websocket's iopub subscription is proved live by a kernel_info reply plus any
        iopub message. jupyter_server asks on a new shell socket *and* a new control socket
        every 0.5 s until both have come; either answer alone proves it, so each arrival cost
        the server and its kernel one ZMQ socket, one request and two status messages more than
        needed (measured, one learner at a time on lesson 02: server CPU per arrival about
        15.5 -> 13.3 ms, kernel 18.9 -> 16.5 ms). Busy kernels are not nudged, as in
        jupyter_server (their iopub is live anyway, and a reply could wait behind a long cell).
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        km = self.kernel_manager
        if getattr(km, "execution_state", None) == "busy":
            done.set_result(None)
            return done
        control = km.connect_control()
        iopub = self.channels["iopub"]
        ports = list(km.ports)
        seen: set[str] = set()
        loop = IOLoop.current()
        handle: Any = None

        def arrived(what: str) -> Any:
            def on_message(_msg: Any) -> None:
                if what == "iopub" and "iopub" not in seen and not iopub.closed():
                    iopub.stop_on_recv()
                seen.add(what)
                if {"reply", "iopub"} <= seen and not done.done():
                    done.set_result(None)

            return on_message

        def ask() -> None:
            nonlocal handle
            # the kernel was stopped, restarted on new ports, or the channel closed: stop asking
            if self.kernel_id not in self.multi_kernel_manager or list(km.ports) != ports or control.closed():
                if not done.done():
                    done.set_result(None)
                return
            if not done.done():
                self.session.send(control, "kernel_info_request")
                handle = loop.call_later(0.5, ask)

        def cleanup(_: Any) -> None:
            if handle is not None:
                loop.remove_timeout(handle)
            if not control.closed():
                control.close()
            if "iopub" not in seen and not iopub.closed():
                iopub.stop_on_recv()

        done.add_done_callback(cleanup)
        iopub.on_recv(arrived("iopub"))
        control.on_recv(arrived("reply"))
        loop.call_later(0, ask)

        async def give_up_after_timeout() -> None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(done), self.kernel_info_timeout)
            if not done.done():
                done.set_result(None)

        return asyncio.ensure_future(give_up_after_timeout())

    def _refuse(self, code: int, reason: str) -> None:
        """Close this connection only; other learners and this kernel carry on."""
        self._refused = True
        self.log.warning("kernel %s websocket closed: %s", self.kernel_id, reason)
        if self.websocket_handler is not None:
            self.websocket_handler.close(code, reason)

    def handle_incoming_message(self, incoming_msg: str | bytes) -> None:  # type: ignore[override]
        if self._refused:
            return
        if not self._bucket.take():
            self._refuse(1008, "message rate limit")
            return
        try:
            check_frame(incoming_msg, self.subprotocol)
            super().handle_incoming_message(incoming_msg)  # type: ignore[arg-type]
        except Exception as exc:  # a frame the checks let through but jupyter_server cannot take
            self._bad_frames += 1
            # one line per connection at warning level: a flood must not flood the log too
            level = logging.WARNING if self._bad_frames == 1 else logging.DEBUG
            self.log.log(level, "kernel %s: dropped a bad websocket frame (%s)", self.kernel_id, str(exc)[:120])
            if self._bad_frames >= MAX_BAD_FRAMES:
                self._refuse(1008, "too many bad frames")

    def handle_outgoing_message(self, stream: Any, outgoing_msg: list[Any]) -> None:
        if self._hidden_from_browser(stream, outgoing_msg):
            return
        super().handle_outgoing_message(stream, outgoing_msg)

    def _hidden_from_browser(self, stream: Any, msg_list: list[Any]) -> bool:
        """Kernel errors and stderr carry tracebacks and file paths: server log only."""
        channel = stream if isinstance(stream, str) else getattr(stream, "channel", None)
        if channel != "iopub":
            return False
        try:
            _, parts = self.session.feed_identities(msg_list)
            msg_type = self.session.unpack(parts[1]).get("msg_type")
            if msg_type not in ("error", "stream"):
                return False
            content = self.session.unpack(parts[4])
            if msg_type == "stream" and content.get("name") != "stderr":
                return False
            self._hidden += 1
            level = logging.WARNING if self._hidden == 1 else logging.DEBUG
            text = content.get("ename") if msg_type == "error" else content.get("text")
            self.log.log(level, "kernel %s %s kept from the browser: %s", self.kernel_id, msg_type, str(text)[:300])
            return True
        except Exception:  # jupyter_server handles (and logs) a message it cannot read itself
            return False


class SecurityHeaders:
    """Tornado output transform: security headers on every response, no Server version."""

    def __init__(self, request: httputil.HTTPServerRequest) -> None:
        self.request = request

    def transform_first_chunk(
        self, status_code: int, headers: httputil.HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, httputil.HTTPHeaders, bytes]:
        if "Server" in headers:
            del headers["Server"]
        for name, value in HEADERS.items():
            headers[name] = value
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        return chunk


class NotFound(web.RequestHandler):
    """404 for paths that have nothing to serve (Voila would answer some of them with 500)."""

    def prepare(self) -> None:
        raise web.HTTPError(404)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}: {self._reason}\n")


TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_-]+")
SAFE_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.~+-]*")


class TemplateStatic(TemplateStaticFileHandler):
    """Voila's template static files, but 404 for paths that are not `<template>/static/<file>`."""

    def parse_url_path(self, path: str) -> str:
        parts = path.split("/")
        if (
            len(parts) < 3
            or parts[1] != "static"
            or not TEMPLATE_NAME.fullmatch(parts[0])
            or not all(SAFE_SEGMENT.fullmatch(p) for p in parts[2:])
        ):
            raise web.HTTPError(404)
        return super().parse_url_path(path)


class KernelModel(KernelHandler):
    """A kernel's id and name only: its activity and connections are nobody else's business."""

    @web.authenticated
    @authorized
    async def get(self, kernel_id: str) -> None:
        if kernel_id not in self.kernel_manager:
            raise web.HTTPError(404)
        self.set_header("Content-Type", "application/json")
        name = self.kernel_manager.get_kernel(kernel_id).kernel_name
        self.finish(json.dumps({"id": kernel_id, "name": name}))


KERNEL_ID = r"(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"


def handlers(server_url: str) -> list[tuple[str, Any]]:
    """Routes placed before Voila's own (first match wins)."""
    return [
        (r".*(%00|\x00).*", NotFound),
        (url_path_join(server_url, r"/logout"), NotFound),
        # Voila's contents API listed every notebook with size, date and "writable": true; the
        # landing page is rendered on the server and no lesson page asks it (issue 24)
        (url_path_join(server_url, r"/voila/api/contents(/.*)?"), NotFound),
        (url_path_join(server_url, r"/voila/templates/(.*)"), TemplateStatic),
        (url_path_join(server_url, rf"/api/kernels/{KERNEL_ID}"), KernelModel),
    ]


def add_to(app: Any, routes: list) -> list:
    """The security headers on every answer and the routes that answer 404 before Voila's; called by
    `AlleduVoila.init_handlers` (Voila has no setting for either)."""
    if SecurityHeaders not in app.app.transforms:
        app.app.transforms.append(SecurityHeaders)
    return [*handlers(app.server_url), *routes]


def outdated() -> list[str]:
    """Installed packages below MINIMUM_VERSIONS, as 'name installed < minimum'."""
    from importlib.metadata import version

    from packaging.version import Version

    return [
        f"{name} {version(name)} < {least}"
        for name, least in MINIMUM_VERSIONS.items()
        if Version(version(name)) < Version(least)
    ]


def install(c: Any) -> None:
    """Apply every defence to a traitlets config `c` (Voila's, from alledu/serve/voila.py)."""
    if stale := outdated():
        raise RuntimeError("alledu serve: upgrade past known security advisories: " + "; ".join(stale))
    c.Voila.kernel_websocket_connection_class = GuardedConnection
    settings = dict(c.Voila.tornado_settings) if "tornado_settings" in c.Voila else {}
    settings.update(
        websocket_max_message_size=MAX_MESSAGE_BYTES,
        xsrf_cookie_kwargs={"samesite": "Strict"},
        serve_traceback=False,
    )
    c.Voila.tornado_settings = settings
    c.IdentityProvider.cookie_options = COOKIE_OPTIONS
    c.MappingKernelManager.allow_tracebacks = False  # the routes and headers: AlleduVoila.init_handlers
