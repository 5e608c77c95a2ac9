"""A real `alledu serve` (Voila) on a free local port, for served-app and browser tests."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alledu.serve import voila_command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    """Whether the server at `url` answers 200 yet (one try, 5 s)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


@contextmanager
def running_server(
    timeout: float = 120.0, base_url: str = "/", extra: tuple[str, ...] = (), log: Path | None = None
) -> Iterator[str]:
    """Start Voila exactly as `alledu serve` does; yield its base URL; stop it afterwards.

    Its output goes to a file (`log`, else a temporary one): an unread pipe would fill up and
    block the server the moment it logs a lot.
    """
    port = free_port()
    cmd, env = voila_command(port=port, host="127.0.0.1", open_browser=False, token="", base_url=base_url)
    out = open(log, "w+") if log else tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([*cmd, *extra], env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}{base_url}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                out.seek(0)
                raise RuntimeError(f"voila exited early:\n{out.read()}")
            if answers(base):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("voila did not answer in time")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()


@contextmanager
def alledu_serve(
    *args: str,
    cwd: str | None = None,
    ready: str | None = None,
    timeout: float = 150.0,
    preexec_fn: Callable[[], object] | None = None,
):
    """`alledu serve ARGS` itself (the CLI, as a teacher runs it) on a free port.

    Yields (process, base URL, output lines so far). Waits for `ready` in the output when
    given, else for the landing page to answer. Stops it with SIGTERM afterwards.
    """
    import sys
    import threading

    port = free_port()
    from pathlib import Path

    script = Path(sys.executable).with_name("alledu")  # the console script a teacher runs
    cmd = [str(script), "serve", f"--port={port}", "--no-browser", *args]
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, preexec_fn=preexec_fn
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("alledu serve exited early:\n" + "".join(lines))
            if ready is not None:
                if any(ready in line for line in lines):
                    break
            elif answers(base):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"alledu serve not ready in {timeout} s:\n" + "".join(lines[-40:]))
            time.sleep(0.5)
        yield proc, base, lines
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
