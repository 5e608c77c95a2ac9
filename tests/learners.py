"""Protocol-level learners: what a browser does on the server, without a browser.

Why: a class of 60-100 browsers would eat the 2 cores the server needs; one asyncio loop with
tornado clients costs a few percent. A learner GETs the lesson, opens its kernel websocket,
asks kernel_info and comm_info (in the v1 binary websocket protocol, as JupyterLab's services
in the page do; the legacy JSON frames on request), then asks for every widget's state through ipywidgets'
control comm (`request_states`, what ipywidgets 8's manager in Voila does), and may then
move a control and time the kernel's answer. Leaving sends the shutdown the page sends when
its tab closes (form field `_xsrf` from the cookie, as the page's beacon does). Shared by
tests/test_classroom.py and bench/classroom.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1
from tornado.http1connection import HTTP1Connection, HTTP1ConnectionParameters
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.httputil import HTTPHeaders, HTTPMessageDelegate, RequestStartLine, ResponseStartLine
from tornado.tcpclient import TCPClient
from tornado.websocket import websocket_connect

from alledu.serve.hardening import V1_PROTOCOL

AsyncHTTPClient.configure(None, max_clients=1000)
CONFIG = re.compile(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', re.S)
NUMERIC = ("FloatText", "BoundedFloatText", "FloatSlider", "IntSlider", "BoundedIntText", "IntText")


def _kernel_time(date: Any, fallback: float) -> float:
    """A kernel message's header date as a Unix time (the fallback if it has none)."""
    try:
        return datetime.fromisoformat(str(date)).timestamp()  # Python 3.11 reads the trailing Z
    except ValueError:
        return fallback


class _Counted(HTTPMessageDelegate):
    """An HTTP answer's status and body size, the body itself not kept."""

    def __init__(self) -> None:
        self.code = 0
        self.bytes = 0

    def headers_received(self, start_line: Any, headers: HTTPHeaders) -> None:
        if isinstance(start_line, ResponseStartLine):
            self.code = start_line.code

    def data_received(self, chunk: bytes) -> None:
        self.bytes += len(chunk)


@dataclass
class Learner:
    """One learner's visit and its timings (seconds, from the start of the GET)."""

    base: str
    lesson: str
    status: int = 0
    kernel_id: str = ""
    page_s: float = float("nan")
    interactive_s: float = float("nan")
    widgets: int = 0
    retries: int = 0
    wait_page: str = ""
    update_ms: list[float] = field(default_factory=list)
    # per update, ms: (until the kernel took it up, in the kernel, until its "idle" came back)
    update_parts: list[tuple[float, float, float]] = field(default_factory=list)
    error: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    states: dict[str, Any] = field(default_factory=dict)
    protocol: str = V1_PROTOCOL  # as the page in a browser asks; "" for legacy JSON text frames
    # a cold browser's scripts and styles (paths below the server), fetched after the page, 6 at a time
    assets: tuple[str, ...] = ()
    asset_bytes: int = 0  # as they crossed the network (compressed)
    _ws: Any = None
    _session: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def ok(self) -> bool:
        return not self.error and self.widgets > 0

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _keep_cookies(self, headers: Any) -> None:
        for raw in headers.get_list("Set-Cookie"):
            jar = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                if morsel.value:
                    self.cookies[key] = morsel.value
                else:
                    self.cookies.pop(key, None)

    async def open(self, max_retries: int = 0, timeout: float = 120.0) -> Learner:
        """GET the lesson (retrying the "class is full" page if allowed), then load its widgets."""
        start = time.perf_counter()
        url = f"{self.base}voila/render/{self.lesson}.ipynb"
        while True:
            request = HTTPRequest(url, headers={"Cookie": self._cookie_header()}, request_timeout=timeout)
            try:
                response = await AsyncHTTPClient().fetch(request, raise_error=False)
            except Exception as exc:  # connection refused, timeout: the server did not answer
                self.error = f"GET: {exc!r}"
                return self
            self.status = response.code
            self._keep_cookies(response.headers)
            body = response.body.decode("utf-8", "replace") if response.body else ""
            if response.code == 503 and 'id="alledu-wait"' in body:
                self.wait_page = body
                if self.retries >= max_retries:
                    self.error = "class full"
                    return self
                self.retries += 1
                await asyncio.sleep(float(response.headers.get("Retry-After", "5")))
                continue
            break
        self.page_s = time.perf_counter() - start
        match = CONFIG.search(body)
        if response.code != 200 or not match:
            self.error = f"GET {response.code}"
            return self
        self.kernel_id = json.loads(match.group(1))["kernelId"]
        try:
            await asyncio.wait_for(self._fetch_assets(), timeout)
        except Exception as exc:
            self.error = f"assets: {exc!r}"
            return self
        try:
            await asyncio.wait_for(self._load_widgets(), timeout)
        except Exception as exc:
            self.error = f"widgets: {exc!r}"
            return self
        self.interactive_s = time.perf_counter() - start
        return self

    async def _fetch_assets(self) -> None:
        """What a browser with an empty cache downloads before its page opens the kernel websocket.

        As a browser does: over 6 kept-alive connections to the server (tornado's own HTTP/1.1
        connection, one request after another on each; its `AsyncHTTPClient` opens a connection
        per request, which costs the server about 40 % more per file). The bytes are counted as
        they came, not decompressed: that is the learner's device's work.
        """
        if not self.assets:
            return
        host, _, port = self.base.split("/")[2].partition(":")
        headers = {"Host": f"{host}:{port}", "Accept-Encoding": "gzip", "Cookie": self._cookie_header()}
        todo = list(reversed(self.assets))

        async def connection() -> None:
            stream = await TCPClient().connect(host, int(port or 80))
            try:
                while todo:
                    path = todo.pop()
                    http = HTTP1Connection(stream, True, HTTP1ConnectionParameters(decompress=False))
                    http.write_headers(RequestStartLine("GET", path, "HTTP/1.1"), HTTPHeaders(headers))
                    http.finish()
                    answer = _Counted()
                    if not await http.read_response(answer) or answer.code != 200:
                        raise RuntimeError(f"GET {path}: {answer.code}")
                    self.asset_bytes += answer.bytes
            finally:
                stream.close()

        await asyncio.gather(*(connection() for _ in range(min(6, len(self.assets)))))

    async def _load_widgets(self) -> None:
        ws_url = (
            self.base.replace("http", "ws", 1) + f"api/kernels/{self.kernel_id}/channels?session_id={self._session}"
        )
        origin = "/".join(self.base.split("/")[:3])
        self._ws = await websocket_connect(
            HTTPRequest(ws_url, headers={"Origin": origin, "Cookie": self._cookie_header()}),
            max_message_size=64 * 1024 * 1024,
            subprotocols=[self.protocol] if self.protocol else None,
        )
        self._ws.protocol.set_nodelay(True)  # as browsers do: no message waits for an ACK
        await self.request("kernel_info_request", {})
        await self.request("comm_info_request", {"target_name": "jupyter.widget"})
        control = uuid.uuid4().hex
        await self.send(
            "comm_open",
            {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
            metadata={"version": "1.0.0"},  # ipywidgets' control protocol
        )
        await self.send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        while True:
            msg = await self.receive()
            data = msg.get("content", {}).get("data", {})
            if msg["header"]["msg_type"] == "comm_msg" and data.get("method") == "update_states":
                self.states = data["states"]
                self.widgets = len(self.states)
                return

    async def send(self, msg_type: str, content: dict[str, Any], metadata: dict[str, Any] | None = None) -> str:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": msg_type,
            "username": "learner",
            "session": self._session,
            "date": "2026-01-01T00:00:00Z",
            "version": "5.3",
        }
        msg = {"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content}
        if self._ws.selected_subprotocol == V1_PROTOCOL:
            pack = lambda part: json.dumps(part).encode()  # noqa: E731
            await self._ws.write_message(serialize_msg_to_ws_v1(msg, "shell", pack), binary=True)
        else:
            await self._ws.write_message(json.dumps({**msg, "channel": "shell"}))
        return msg_id

    async def receive(self) -> dict[str, Any]:
        raw = await self._ws.read_message()
        if raw is None:
            raise ConnectionError("kernel websocket closed")
        if self._ws.selected_subprotocol == V1_PROTOCOL:
            channel, parts = deserialize_msg_from_ws_v1(raw)
            header, parent, metadata, content = (json.loads(part) for part in parts[:4])
            return {
                "header": header,
                "parent_header": parent,
                "metadata": metadata,
                "content": content,
                "channel": channel,
            }
        if isinstance(raw, bytes):  # the legacy binary frame (messages with buffers): JSON first
            parts = int.from_bytes(raw[:4], "big")
            offsets = [int.from_bytes(raw[4 * (i + 1) : 4 * (i + 2)], "big") for i in range(parts)]
            raw = raw[offsets[0] : offsets[1] if parts > 1 else None].decode()
        return json.loads(raw)

    async def request(self, msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
        """Send a shell request and wait for its reply."""
        msg_id = await self.send(msg_type, content)
        reply = msg_type.replace("_request", "_reply")
        while True:
            msg = await self.receive()
            if msg["header"]["msg_type"] == reply and msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg

    def numeric_widget(self) -> tuple[str, float] | None:
        """A number control on the page (model id, current value), to move.

        The lessons' numbers are text boxes (NumberEntry: what the learner typed, read by the
        kernel), so a Text widget holding a number counts as well as a slider or number box.
        """
        for model_id, entry in self.states.items():
            state = entry.get("state", {})
            if state.get("disabled"):
                continue
            name = state.get("_model_name", "").replace("Model", "")
            if name in NUMERIC:
                return model_id, float(state.get("value", 0))
            if name == "Text":
                with contextlib.suppress(TypeError, ValueError):
                    return model_id, float(state.get("value"))
        return None

    async def move(self, model_id: str, value: float) -> float:
        """Set a control's value; ms until the kernel has finished reacting (status idle).

        Like ipywidgets' own manager, one update is in flight at a time. The state updates the
        kernel sends back meanwhile (the recomputed results) are kept in `self.states`.
        """
        state = self.states.get(model_id, {}).get("state", {})
        sent: Any = f"{value:g}" if state.get("_model_name") == "TextModel" else value
        return await self.update(model_id, {"value": sent})

    async def update(self, model_id: str, change: dict[str, Any]) -> float:
        """Send a state change (what a browser control sends); ms until the kernel is idle again."""
        self.states.setdefault(model_id, {"state": {}}).setdefault("state", {}).update(change)
        data = {"method": "update", "state": change, "buffer_paths": []}
        return await self._until_idle(model_id, data)

    async def click(self, model_id: str) -> float:
        """Press a button (the custom 'click' event a browser's Button view sends)."""
        return await self._until_idle(model_id, {"method": "custom", "content": {"event": "click"}})

    async def _until_idle(self, model_id: str, data: dict[str, Any]) -> float:
        start, sent_at = time.perf_counter(), time.time()
        msg_id = await self.send("comm_msg", {"comm_id": model_id, "data": data})
        busy_at = sent_at
        while True:
            msg = await self.receive()
            kind = msg["header"]["msg_type"]
            data = msg.get("content", {}).get("data", {})
            if kind == "comm_msg" and data.get("method") == "update":
                known = self.states.setdefault(msg["content"]["comm_id"], {"state": {}})
                known.setdefault("state", {}).update(data.get("state", {}))
            elif kind == "comm_open" and msg["content"].get("target_name") == "jupyter.widget":
                self.states[msg["content"]["comm_id"]] = {"state": data.get("state", {})}
            elif kind == "status" and msg.get("parent_header", {}).get("msg_id") == msg_id:
                # the kernel's own clock (same machine) splits the time: server in, kernel, server out
                stamped = _kernel_time(msg["header"].get("date"), sent_at)
                if msg["content"].get("execution_state") == "busy":
                    busy_at = stamped
                elif msg["content"].get("execution_state") == "idle":
                    ms = (time.perf_counter() - start) * 1000
                    now = time.time()
                    self.update_ms.append(ms)
                    self.update_parts.append(
                        (1000 * (busy_at - sent_at), 1000 * (stamped - busy_at), 1000 * (now - stamped))
                    )
                    return ms

    async def leave(self) -> int:
        """Close the tab: the page's shutdown beacon, then the websocket closes. Returns the status."""
        status = 0
        if self.kernel_id:
            body = urlencode({"_xsrf": self.cookies.get("_xsrf", "")})
            request = HTTPRequest(
                f"{self.base}voila/api/shutdown/{self.kernel_id}",
                method="POST",
                body=body,
                headers={"Cookie": self._cookie_header(), "Content-Type": "application/x-www-form-urlencoded"},
            )
            try:
                status = (await AsyncHTTPClient().fetch(request)).code
            except HTTPClientError as exc:
                status = exc.code
            except Exception:
                status = -1
        if self._ws is not None:
            self._ws.close()
        return status

    def drop(self) -> None:
        """Lose the connection without the shutdown beacon (crashed browser, sleeping laptop)."""
        if self._ws is not None:
            self._ws.close()
