"""A real `alledu serve` (Voila) on a free local port, for served-app and browser tests."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from alledu.serve import voila_command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(timeout: float = 120.0, base_url: str = "/", extra: tuple[str, ...] = ()) -> Iterator[str]:
    """Start Voila exactly as `alledu serve` does; yield its base URL; stop it afterwards."""
    port = free_port()
    cmd, env = voila_command(port=port, host="127.0.0.1", open_browser=False, token="", base_url=base_url)
    proc = subprocess.Popen([*cmd, *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}{base_url}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"voila exited early:\n{proc.stdout.read() if proc.stdout else ''}")
            try:
                with urllib.request.urlopen(base, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
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
