"""`make test` sets up the browser tests, or says loudly why it cannot (issue 10, item 6)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_browser_deps_says_loudly_when_it_cannot_install(tmp_path: Path) -> None:
    """No Chromium and no way to install it: three lines on stderr, and make carries on."""
    makefile = (ROOT / "Makefile").read_text()
    assert "[ -x /usr/bin/chromium ] || command -v chromium " in makefile  # the check this test replaces
    no_browser = makefile.replace("[ -x /usr/bin/chromium ] || command -v chromium ", "command -v no-such-browser ")
    (tmp_path / "Makefile").write_text(no_browser)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "id").write_text("#!/bin/sh\necho 1000\n")  # not root
    (fake / "sudo").write_text("#!/bin/sh\nexit 1\n")  # and no passwordless sudo
    for tool in fake.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    r = subprocess.run(["make", "-s", "browser-deps"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == ""
    assert "Chromium is missing and this user cannot install it" in r.stderr
    assert "browser tests will be SKIPPED here (under CI=true they fail instead)" in r.stderr


def test_make_test_runs_browser_deps_first() -> None:
    rule = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("test:"))
    assert rule.split(":")[1].split() == ["install", "lint", "browser-deps", "node-deps"]


def test_node_deps_runs_npm_ci_again_only_when_package_json_changes(tmp_path: Path) -> None:
    """axe-core (tests/test_a11y.py) comes from `npm ci`: once, then again after package.json changes."""
    import shutil
    import time

    for name in ("Makefile", "package.json", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "npm-calls"
    (fake / "npm").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nmkdir -p node_modules\n')
    (fake / "npm").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}

    def run() -> list[str]:
        r = subprocess.run(["make", "-s", "node-deps"], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return calls.read_text().splitlines() if calls.exists() else []

    assert run() == ["ci --no-audit --no-fund --loglevel=error"]
    assert len(run()) == 1  # up to date: npm is not called again
    time.sleep(1.1)  # a newer modification time than the stamp, on any file system
    (tmp_path / "package.json").write_text((ROOT / "package.json").read_text() + "\n")
    assert len(run()) == 2
