"""Lesson notebooks: thin pages, stripped, and (through nbval, in `make test`) run top to bottom."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from alledu.content_loader import content

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_one_notebook_per_lesson() -> None:
    assert [p.stem for p in NOTEBOOKS] == [lesson.id for lesson in content().lessons.lessons]


def test_notebooks_are_stripped() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "notebooks.py"), "check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_a_thin_page(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert len(code) <= 5
    for source in code:
        lines = [ln for ln in source.splitlines() if ln.strip() and not ln.startswith("#")]
        assert len(lines) <= 4, source
        # no logic: no loops, conditionals, function definitions or arithmetic of its own
        assert not re.search(r"^\s*(for|if|while|def|class|lambda)\b", source, re.M), source
        # no clinical numbers: digits appear only inside the lesson id string
        assert not re.search(r"\d", re.sub(r'"\d\d_[a-z_]+"', "", source)), source
    assert code[0].startswith("from alledu.widgets import page") and "page.header(" in code[0]
    assert "page.footer(" in code[-1]
