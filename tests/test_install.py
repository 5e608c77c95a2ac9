"""Installable like any Python tool (issue 23): the wheel, with its `serve` extra, in a clean virtual
environment outside the checkout, serves the lessons from an empty folder.

Why: the lessons used to live only beside the repository, and pyproject.toml did not declare what
serving needs; a `pip install .` then `alledu serve` elsewhere found no lessons. Here the wheel is
built from this checkout, installed with the versions `make serve` pins (requirements-serve.txt as
constraints, from the package registry), and lesson 02 is opened at protocol level: its widgets
arrive, drawn by a kernel of the installed package.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.learners import Learner
from tests.server import free_port

pytestmark = pytest.mark.served
ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def test_the_wheel_with_its_serve_extra_serves_the_lessons_from_an_empty_folder(tmp_path: Path) -> None:
    dist, venv, empty = tmp_path / "dist", tmp_path / "venv", tmp_path / "somewhere"
    empty.mkdir()
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)])
    (wheel,) = dist.glob("alledu-*.whl")
    run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    constraints = ["-c", str(ROOT / "requirements-serve.txt")]  # the versions `make serve` pins
    run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *constraints, f"{wheel}[serve]"])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ALLEDU_NOTEBOOKS", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    # the package came from the wheel, not this checkout; its lessons inside it
    where = run(
        [str(py), "-c", "import alledu, alledu.serve; print(alledu.__file__, alledu.serve.notebooks_dir())"],
        cwd=empty,
        env=env,
    )
    package, lessons = where.stdout.split()
    assert package.startswith(str(venv)) and lessons.startswith(str(venv)), where.stdout
    assert (Path(lessons) / "02_bsa_and_dosing.ipynb").is_file()

    port = free_port()
    alledu = str(venv / "bin" / "alledu")
    proc = subprocess.Popen(
        [alledu, "serve", "--no-browser", "--port", str(port)],
        cwd=empty,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            with contextlib.suppress(OSError), urllib.request.urlopen(base, timeout=5) as r:
                if r.status == 200:
                    break
            assert time.monotonic() < deadline, "the installed alledu serve did not answer"
            time.sleep(1)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # the test session may hold a loop here
            learner = pool.submit(asyncio.run, Learner(base, "02_bsa_and_dosing").open(timeout=240)).result()
        assert learner.ok, learner.error
        assert learner.widgets > 20
        texts = " ".join(str(s.get("state", {}).get("value", "")) for s in learner.states.values())
        assert "Mosteller" in texts and "Educational use only" in texts
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
