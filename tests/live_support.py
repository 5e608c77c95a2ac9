"""A throwaway PostgreSQL (Debian's server binaries, a temp dir, a free port) and a Voila server
that records into a given class store, for the live-class tests.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
`postgres` system user that Debian's package creates, in a temp dir that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import free_port

ROOT = Path(__file__).resolve().parent.parent


def pg_bindir() -> Path | None:
    """The newest Debian PostgreSQL server's bin dir (or one on PATH), None when there is none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    return Path(on_path).resolve().parent if on_path else None


def require_pg_bindir() -> Path:
    """Skip locally without a server binary; in CI a missing server is a failure, never a skip."""
    bindir = pg_bindir()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no PostgreSQL server binary: .ci/postgres-deps.sh should have installed Debian's postgresql")
        pytest.skip("no PostgreSQL server binary here (apt-get install postgresql, or run .ci/postgres-deps.sh)")
    return bindir


class Postgres:
    """initdb in a temp dir, pg_ctl start on 127.0.0.1:<free port>, trust auth for user alledu."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="alledu-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "postgres"
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "alledu", "-E", "UTF8", "--no-sync")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / tool), *args],
            check=True,
            user=self.user,
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://alledu@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh empty database (one per test), returned as a URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres() -> Iterator[Postgres]:
    server = Postgres(require_pg_bindir())
    try:
        yield server
    finally:
        server.close()


@contextlib.contextmanager
def served_lessons(
    store_url: str,
    lessons: tuple[str, ...],
    port: int | None = None,
    timeout: float = 120.0,
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """`alledu serve` (Voila, preheated kernels) over a folder holding only the given lessons.

    Pass the same `port` to restart "the same" server (a browser keeps session storage per origin).

    The store reaches the lesson kernels the way `alledu serve --data/--db` passes it: the
    ALLEDU_LIVE_DB environment variable.
    """
    from alledu.live.store import ENV
    from alledu.serve import voila_command

    folder = Path(tempfile.mkdtemp(prefix="alledu-lessons-"))
    for lesson in {"00_start_here", *lessons}:
        shutil.copy(ROOT / "alledu" / "lessons" / f"{lesson}.ipynb", folder / f"{lesson}.ipynb")
    port = port or free_port()
    old = os.environ.get("ALLEDU_NOTEBOOKS")
    os.environ["ALLEDU_NOTEBOOKS"] = str(folder)
    try:
        cmd, env = voila_command(port=port, host="127.0.0.1", open_browser=False, token="", base_url="/")
    finally:
        if old is None:
            os.environ.pop("ALLEDU_NOTEBOOKS")
        else:
            os.environ["ALLEDU_NOTEBOOKS"] = old
    env[ENV] = store_url
    env.update(extra_env or {})  # e.g. a teacher's folder, as `alledu serve --content` passes it
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError("voila exited early")
            with contextlib.suppress(OSError), urllib.request.urlopen(base, timeout=5) as r:
                if r.status == 200:
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
            proc.wait()
        shutil.rmtree(folder, ignore_errors=True)
