"""Folders a killed server leaves in the temp folder, found and removed at the next start.

Why: `kill -9` (or the OOM killer) gives Voila no chance to remove its folder of kernel
connection files (53-651 files) or the fork template's folder. Each folder this package makes
carries an owner mark (the pid and start time of the server that made it); at start, folders
whose owner is gone are removed. Folders without the mark, or whose owner still runs (another
`alledu serve` on the same machine), are left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psutil

MARK = ".alledu-owner"
PATTERNS = ("voila_*", "alledu-template-*")


def mark(folder: str | os.PathLike[str]) -> None:
    """Write this process as the owner of `folder` (pid and start time: a reused pid is not it)."""
    me = psutil.Process()
    (Path(folder) / MARK).write_text(f"{me.pid} {me.create_time():.3f}\n")


def _owner_alive(text: str) -> bool:
    try:
        pid, started = text.split()
        return abs(psutil.Process(int(pid)).create_time() - float(started)) < 0.01
    except (ValueError, psutil.Error):
        return False


def sweep(root: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the marked folders under `root` (the temp folder) whose owner is gone; returns them."""
    removed = []
    base = Path(root or tempfile.gettempdir())
    for pattern in PATTERNS:
        for folder in base.glob(pattern):
            try:
                owner = (folder / MARK).read_text()
            except OSError:
                continue  # not marked: not ours to judge
            if not _owner_alive(owner):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed
