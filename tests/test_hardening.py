"""Hostile traffic against a real `alledu serve` under a memory limit (issue 10, docs/security.md).

Each frame from the issue, then a fuzz of random binary and text frames, goes to a lesson's
kernel websocket; afterwards the server must answer the next learner normally: the lesson page,
its kernel websocket and the widget state with the dose. The Voila process runs under an
address-space limit (RLIMIT_AS) so a regression shows up as a MemoryError in the log, never as
the machine's OOM killer, and its peak memory across the attack is measured.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import resource
import string
import struct
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import websocket
from hypothesis import given, settings
from hypothesis import strategies as st
from jupyter_server.services.kernels.connection.base import (
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)

from alledu.serve import hardening
from alledu.serve.hardening import BadFrame, check_frame
from tests.server import running_server

pytestmark = pytest.mark.served

ROOT = Path(__file__).resolve().parent.parent
V1 = hardening.V1_PROTOCOL
LESSON = "02_bsa_and_dosing"
HEADROOM = 4 * 1024**3  # address space Voila may add after start-up (threads reserve a lot of it)
ISSUE_FRAMES = [
    # (protocol, frame, what it did before the fix)
    (None, b"\x7f\xff\xff\xff" + bytes(8), "2^31 parts: ~21 GB, OOM-killed the server"),
    (None, struct.pack("!i", 2**26) + bytes(8), "2^26 parts in 12 bytes: 2.2 GiB"),
    (None, struct.pack("!i", -1) + bytes(8), "negative part count"),
    (V1, (10**7).to_bytes(8, "little") + bytes(16), "10^7 offsets in 24 bytes: blocked 1.35 s"),
    (V1, (2**63).to_bytes(8, "little") + bytes(16), "2^63 offsets"),
    (V1, b"", "empty frame"),
]


# ---- the frame checks on their own ------------------------------------------------------


def _header(msg_type: str = "kernel_info_request") -> dict:
    return {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "t",
        "session": uuid.uuid4().hex,
        "date": "2026-01-01T00:00:00Z",
        "version": "5.3",
    }


def _v1(
    msg_type: str = "kernel_info_request",
    content: dict | None = None,
    channel: str = "shell",
    metadata: dict | None = None,
) -> bytes:
    parts = [json.dumps(p).encode() for p in (_header(msg_type), {}, metadata or {}, content or {})]
    return serialize_msg_to_ws_v1(parts, channel)


def _legacy(msg_type: str = "kernel_info_request", content: dict | None = None) -> str:
    msg = {"header": _header(msg_type), "parent_header": {}, "metadata": {}, "content": content or {}}
    return json.dumps({**msg, "channel": "shell"})


def _legacy_binary(msg: str, *buffers: bytes) -> bytes:
    parts = [msg.encode(), *buffers]
    offsets, at = [], 4 * (len(parts) + 1)
    for part in parts:
        offsets.append(at)
        at += len(part)
    return struct.pack(f"!i{len(parts)}I", len(parts), *offsets) + b"".join(parts)


def test_well_formed_frames_pass() -> None:
    check_frame(_v1(), V1)
    check_frame(_v1("comm_msg", {"comm_id": "x", "data": {}}, "shell"), V1)
    check_frame(_legacy(), None)
    check_frame(_legacy_binary(_legacy(), b"\x00\x01"), None)


@pytest.mark.parametrize(("protocol", "frame", "why"), ISSUE_FRAMES)
def test_issue_frames_are_refused_before_parsing(protocol: str | None, frame: bytes, why: str) -> None:
    with pytest.raises(BadFrame):
        check_frame(frame, protocol)


@settings(max_examples=1500, deadline=None)
@given(frame=st.binary(max_size=200) | st.text(max_size=200), v1=st.booleans())
def test_any_frame_is_refused_or_parses_cheaply(frame: bytes | str, v1: bool) -> None:
    """What the checks let through, jupyter_server's own parser takes without error."""
    protocol = V1 if v1 else None
    try:
        check_frame(frame, protocol)
    except BadFrame:
        return
    if v1:
        channel, parts = deserialize_msg_from_ws_v1(frame)
        assert channel in hardening.CHANNELS and len(parts) >= 4
    elif isinstance(frame, bytes):
        assert isinstance(deserialize_binary_message(frame), dict)
    else:
        assert isinstance(json.loads(frame), dict)


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = hardening.TokenBucket(rate=0.0, burst=5)
    assert [bucket.take() for _ in range(7)] == [True] * 5 + [False] * 2


# ---- the running server -------------------------------------------------------------------


@dataclass
class Server:
    base: str
    proc: psutil.Process
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def reset_peak(self) -> None:
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")  # resets VmHWM (Linux)

    def peak_bytes(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("hardening") / "voila.log"
    with running_server(log=log) as base:
        port = base.split(":")[2].split("/")[0]
        voila = next(
            p
            for p in psutil.Process().children(recursive=True)
            if ("voila" in p.cmdline() or "alledu.serve.app" in p.cmdline()) and f"--port={port}" in p.cmdline()
        )
        limit = voila.memory_info().vms + HEADROOM
        resource.prlimit(voila.pid, resource.RLIMIT_AS, (limit, limit))
        yield Server(base, voila, log)
        assert voila.is_running()


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8", "replace")


def _kernel_id(base: str, lesson: str = LESSON) -> str:
    status, _, html = _get(f"{base}voila/render/{lesson}.ipynb")
    assert status == 200 and 'class="alledu-bar"' in html
    config = re.search(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', html, re.S)
    assert config, "no page config"
    return json.loads(config.group(1))["kernelId"]


def _connect(base: str, kernel: str, protocol: str | None) -> websocket.WebSocket:
    url = base.replace("http", "ws") + f"api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
    return websocket.create_connection(
        url, origin=base.rstrip("/"), subprotocols=[protocol] if protocol else None, timeout=10
    )


def _decode(frame: str | bytes, protocol: str | None = V1) -> dict:
    """A kernel message as the browser receives it, on either protocol."""
    if isinstance(frame, bytes) and protocol is None:
        return deserialize_binary_message(frame)
    if isinstance(frame, bytes):
        channel, parts = deserialize_msg_from_ws_v1(frame)
        header, content = json.loads(parts[0]), json.loads(parts[3])
        return {"channel": channel, "header": header, "content": content}
    return json.loads(frame)


def _read_until(
    ws: websocket.WebSocket, want: str, seen: list[dict], seconds: float = 20.0, protocol: str | None = V1
) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        msg = _decode(ws.recv(), protocol)
        seen.append(msg)
        if msg["header"]["msg_type"] == want:
            return msg
    raise AssertionError(f"no {want} within {seconds} s; saw {[m['header']['msg_type'] for m in seen]}")


def _close_code(ws: websocket.WebSocket, seconds: float = 20.0) -> int:
    """Read until the server closes: its close code, or 0 when it dropped the connection outright."""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 0
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        return 0
    raise AssertionError(f"the server kept the connection open for {seconds} s")


def widget_states(base: str) -> dict:
    """What a browser does on opening a lesson: page, kernel websocket (v1), widget state."""
    kernel = _kernel_id(base)
    ws = _connect(base, kernel, V1)
    try:
        comm = uuid.uuid4().hex
        opening = {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}
        ws.send_binary(_v1("comm_open", opening, metadata={"version": "1.0.0"}))  # widget control protocol
        ws.send_binary(_v1("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}))
        seen: list[dict] = []
        while True:
            msg = _read_until(ws, "comm_msg", seen)
            if msg["content"]["data"].get("method") == "update_states":
                return msg["content"]["data"]["states"]
    finally:
        ws.close()


def assert_next_learner_served(server: Server) -> None:
    assert server.proc.is_running() and server.proc.status() != psutil.STATUS_ZOMBIE
    states = widget_states(server.base)
    html = " ".join(str(s["state"].get("value", "")) for s in states.values())
    assert "5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day" in html  # the default child's first dose
    log = server.log_text()
    assert "MemoryError" not in log and "Uncaught exception" not in log


def test_issue_frames_leave_the_server_serving(server: Server) -> None:
    kernel = _kernel_id(server.base)
    server.reset_peak()
    before = server.peak_bytes()
    for protocol, frame, _why in ISSUE_FRAMES:
        ws = _connect(server.base, kernel, protocol)
        try:
            ws.send(frame, opcode=websocket.ABNF.OPCODE_BINARY)
            # the same connection still works: the bad frame was dropped, not parsed
            ws.send_binary(_v1()) if protocol else ws.send(_legacy())
            _read_until(ws, "kernel_info_reply", [], protocol=protocol)
        finally:
            ws.close()
    grown = server.peak_bytes() - before
    assert grown < 64 * 1024**2, f"peak memory grew {grown / 1024**2:.0f} MiB"
    assert server.log_text().count("dropped a bad websocket frame") >= len(ISSUE_FRAMES)
    assert_next_learner_served(server)


def _fuzz_frames(rng: random.Random, comm_ids: list[str], n: int) -> Iterator[tuple[str | None, str | bytes]]:
    """Random bytes, random text, broken and hostile-but-well-formed messages, on both protocols."""
    msg_types = ["comm_msg", "comm_open", "comm_close", "comm_info_request", "kernel_info_request", "execute_request"]
    junk = [None, 0, -1, 1e308, "x" * 300, [], {}, {"a": [1, {"b": None}]}, "\x00", True]
    for i in range(n):
        protocol = V1 if i % 2 else None
        kind = rng.randrange(6)
        if kind == 0:
            frame: str | bytes = rng.randbytes(rng.randrange(0, 600))
        elif kind == 1:
            frame = "".join(rng.choice(string.printable + '{}[]":,\x00é€𝔘') for _ in range(rng.randrange(0, 400)))
        elif kind == 2:  # a claimed count or offset far beyond the frame
            count = rng.choice([2**31 - 1, 2**26, 10**7, 2**63, rng.randrange(0, 2**32)])
            frame = count.to_bytes(8, "little") if protocol else struct.pack("!I", count % 2**32)
            frame += rng.randbytes(rng.randrange(0, 64))
        elif kind == 3:  # a real message with bytes flipped
            good = bytearray(_v1() if protocol else _legacy_binary(_legacy()))
            for _ in range(rng.randrange(1, 4)):
                good[rng.randrange(len(good))] = rng.randrange(256)
            frame = bytes(good)
        else:  # well formed, hostile content: reaches the kernel
            content = {
                "comm_id": rng.choice([*comm_ids, "nope", 5]),
                "target_name": rng.choice(["jupyter.widget", "jupyter.widget.control", "x"]),
                "data": rng.choice(
                    [
                        {"method": "update", "state": {rng.choice(["value", "layout", "options", "_view_name"]): v}}
                        for v in junk
                    ]
                    + [{"method": rng.choice(["request_state", "custom", "zzz"]), "content": rng.choice(junk)}, None]
                ),
                "code": "import os; os.system('id')",
            }
            msg_type = rng.choice(msg_types)
            frame = _v1(msg_type, content) if protocol else _legacy(msg_type, content)
        yield protocol, frame


def _answers(ws: websocket.WebSocket, protocol: str | None, received: list[str]) -> bool:
    """Send a kernel_info_request: True once it is answered, False if the server closed instead.

    Frames on one connection are handled in order, so an answer (or the close) also means the
    server has dealt with every frame sent before it.
    """
    try:
        ws.send_binary(_v1()) if protocol else ws.send(_legacy())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            data = ws.recv()
            if not data:
                return False  # the server's close frame
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
            received.append(text)
            if "kernel_info_reply" in text:
                return True
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        return False
    raise AssertionError("no answer and no close within 20 s")


def test_fuzzed_frames_leave_the_server_serving(server: Server) -> None:
    kernel = _kernel_id(server.base)
    comm_ids = list(widget_states(server.base))[:20]
    received: list[str] = []
    sockets: dict[str | None, websocket.WebSocket] = {}
    server.reset_peak()
    before = server.peak_bytes()
    closed = 0
    for protocol, frame in _fuzz_frames(random.Random(10), comm_ids, 1200):
        if protocol not in sockets:
            sockets[protocol] = _connect(server.base, kernel, protocol)
        ws = sockets[protocol]
        opcode = websocket.ABNF.OPCODE_BINARY if isinstance(frame, bytes) else websocket.ABNF.OPCODE_TEXT
        with contextlib.suppress(websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            ws.send(frame, opcode=opcode)  # if closed for an earlier frame, _answers notices
        if not _answers(ws, protocol, received):
            sockets.pop(protocol).close()
            closed += 1
    for ws in sockets.values():
        ws.close()
    assert closed >= 1200 // (2 * hardening.MAX_BAD_FRAMES) // 2  # bad frames closed their connections
    grown = server.peak_bytes() - before
    assert grown < 64 * 1024**2, f"peak memory grew {grown / 1024**2:.0f} MiB"
    everything = "\n".join(received)
    assert "Traceback" not in everything and "site-packages" not in everything and str(ROOT) not in everything
    assert '"execute_reply"' not in everything and "uid=" not in everything  # no code ran
    assert_next_learner_served(server)


def test_kernel_errors_and_stderr_stay_in_the_server_log(server: Server) -> None:
    states = widget_states(server.base)
    kernel = _kernel_id(server.base)
    ws = _connect(server.base, kernel, V1)
    seen: list[dict] = []
    try:
        for comm in list(states)[:5]:
            ws.send_binary(_v1("comm_msg", {"comm_id": comm, "data": {"method": "update", "state": {"layout": 5}}}))
        ws.send_binary(_v1("comm_msg", {"comm_id": 5, "data": None}))
        ws.send_binary(_v1("comm_msg", {"comm_id": "no-such-comm", "data": {}}))
        ws.send_binary(_v1())
        _read_until(ws, "kernel_info_reply", seen)
        ws.settimeout(2)
        try:
            while True:
                seen.append(_decode(ws.recv()))
        except websocket.WebSocketTimeoutException:
            pass
    finally:
        ws.close()
    types = [m["header"]["msg_type"] for m in seen]
    assert "error" not in types
    assert not [m for m in seen if m["header"]["msg_type"] == "stream" and m["content"].get("name") == "stderr"]
    assert "Traceback" not in json.dumps(seen) and str(ROOT) not in json.dumps(seen)
    assert "kept from the browser" in server.log_text()  # the kernel did complain; the browser was spared


def test_oversized_message_and_flood_close_only_that_connection(server: Server) -> None:
    kernel = _kernel_id(server.base)
    ws = _connect(server.base, kernel, V1)
    big = _v1("comm_msg", {"comm_id": "x", "data": {"blob": "x" * (hardening.MAX_MESSAGE_BYTES + 1024)}})
    ws.send_binary(big)
    assert _close_code(ws) in (1009, 0)  # message too big: tornado closes (1009) and drops the connection
    ws.close()
    ws = _connect(server.base, kernel, V1)
    flood = _v1()
    for _ in range(2000):
        try:
            ws.send_binary(flood)
        except (websocket.WebSocketConnectionClosedException, BrokenPipeError, ConnectionResetError):
            break
    assert _close_code(ws) == 1008  # policy violation: the message rate limit
    ws.close()
    assert "message rate limit" in server.log_text()
    assert_next_learner_served(server)


# ---- HTTP: headers, paths, kernel model --------------------------------------------------


def _paths(server: Server) -> list[str]:
    kernel = _kernel_id(server.base)
    return [
        "",
        f"voila/render/{LESSON}.ipynb",
        "voila/static/voila.js",
        "voila/templates/alledu/static/alledu-voila.js",
        f"api/kernels/{kernel}",
        "no-such-page",
        "voila/files/02_bsa_and_dosing.ipynb",
        "logout",
    ]


def test_security_headers_on_every_response(server: Server) -> None:
    for path in _paths(server):
        status, headers, _ = _get(server.base + path)
        assert status in (200, 403, 404), (path, status)
        csp = headers.get("Content-Security-Policy", "")
        script_src = re.search(r"script-src ([^;]*)", csp)
        assert script_src and "'unsafe-inline'" not in script_src.group(1) and "'unsafe-eval'" not in csp, path
        assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp, path
        assert headers.get("X-Content-Type-Options") == "nosniff", path
        assert headers.get("X-Frame-Options") == "SAMEORIGIN", path
        assert headers.get("Referrer-Policy") == "same-origin", path
        assert "Server" not in headers, (path, headers.get("Server"))


def test_cookies_are_samesite(server: Server) -> None:
    with urllib.request.urlopen(f"{server.base}voila/render/{LESSON}.ipynb", timeout=60) as r:
        cookies = r.headers.get_all("Set-Cookie") or []
    assert cookies, "the lesson page sets its anonymous-user cookie"
    for cookie in cookies:
        if cookie.startswith("_xsrf="):
            # the page's own script reads it to send the close-tab shutdown (issue 8), so it cannot
            # be HttpOnly; SameSite=Strict keeps it off every other site's requests
            assert "SameSite=Strict" in cookie, cookie
        else:
            assert "SameSite=Lax" in cookie and "HttpOnly" in cookie, cookie
    assert any(c.startswith("_xsrf=") for c in cookies) and any(not c.startswith("_xsrf=") for c in cookies)


def test_lesson_page_has_no_inline_script(server: Server) -> None:
    _, _, html = _get(f"{server.base}voila/render/{LESSON}.ipynb")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) >= 4
    for attrs, body in scripts:
        data_block = re.search(r'type="application/[^"]*json"', attrs)
        assert "src=" in attrs or data_block, (attrs, body[:80])
        if "src=" in attrs:
            assert not body.strip()


ODD_PATHS = [
    "logout",
    "voila/templates/",
    "voila/templates/x",
    "voila/templates/alledu",
    "voila/templates/alledu/static/",
    "voila/templates/alledu/static/..%2F..%2Fconf.json",
    "voila/templates/alledu/static/%00",
    "voila/render/%00.py",
    "%00.py",
    "voila/files/%00.py",
    "voila/render/..%2Falledu%2Fcli.py",
    "voila/tree/..%2F..%2F",
    "api/kernels/00000000-0000-0000-0000-000000000000",
    "voila/query/00000000-0000-0000-0000-000000000000",
]


def test_odd_paths_answer_4xx_not_500(server: Server) -> None:
    rng = random.Random(404)
    pieces = ["voila/", "render/", "templates/", "static/", "files/", "tree/", "api/", "..", "%2F", "%00", "%2e", "x"]
    fuzzed = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 7))) for _ in range(150)]
    for path in ODD_PATHS + fuzzed:
        status, _, body = _get(server.base + path)
        assert status < 500, (path, status)
        assert "Traceback" not in body and str(ROOT) not in body and "site-packages" not in body, path


def test_kernel_model_shows_no_activity(server: Server) -> None:
    kernel = _kernel_id(server.base)
    status, _, body = _get(f"{server.base}api/kernels/{kernel}")
    assert status == 200
    assert json.loads(body) == {"id": kernel, "name": "python3"}


def test_serving_stack_is_past_known_advisories() -> None:
    from packaging.version import Version

    assert hardening.outdated() == []
    text = (ROOT / "requirements-serve.txt").read_text() + (ROOT / "requirements.txt").read_text()
    pins = dict(line.split("==") for line in text.splitlines() if "==" in line)
    for name, least in hardening.MINIMUM_VERSIONS.items():
        assert Version(pins[name]) >= Version(least), (name, pins[name], least)


def _server_socket_option(pid: int, client_port: int, level: int, option: int) -> int:
    """getsockopt on the server's end of our connection: its fd, borrowed with pidfd_getfd(2)."""
    import ctypes
    import socket

    conn = next(c for c in psutil.Process(pid).net_connections("tcp") if c.raddr and c.raddr.port == client_port)
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        fd = libc.syscall(438, pidfd, conn.fd, 0)  # SYS_pidfd_getfd (same number on x86_64 and arm64)
        assert fd >= 0, f"pidfd_getfd: {os.strerror(ctypes.get_errno())}"
    finally:
        os.close(pidfd)
    with socket.socket(fileno=fd) as borrowed:  # a duplicate: closing it leaves the server's open
        return borrowed.getsockopt(level, option)


@pytest.mark.parametrize("protocol", [V1, None], ids=["v1", "legacy"])
def test_kernel_websocket_sends_without_waiting_for_acks(server: Server, protocol: str | None) -> None:
    """TCP_NODELAY on the server's side of every kernel websocket. Without it, Nagle's algorithm
    held each kernel message after the first of a reply until the browser's delayed ACK: a widget
    update that the kernel answered in 12 ms reached the page after 50-56 ms (40 ms on Linux
    clients, 200 ms on Windows)."""
    import socket

    ws = _connect(server.base, _kernel_id(server.base), protocol)
    try:
        client_port = ws.sock.getsockname()[1]
        assert _server_socket_option(server.proc.pid, client_port, socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        if protocol:
            ws.send_binary(_v1())
        else:
            ws.send(_legacy())
        reply = _read_until(ws, "kernel_info_reply", [], protocol=protocol)  # and it still works as before
        assert reply["content"]["status"] == "ok"
    finally:
        ws.close()
