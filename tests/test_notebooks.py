"""Lesson notebooks: written from lessons.yaml (no drift), thin pages without outputs, each page's
text version as checked by hand (tests/data/lessons), and (through nbval, in `make test`) run top
to bottom in a fresh kernel."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from alledu.content_loader import content

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "alledu" / "lessons").glob("*.ipynb"))


def test_one_notebook_per_lesson() -> None:
    assert [p.stem for p in NOTEBOOKS] == [lesson.id for lesson in content().lessons.lessons]


def test_notebooks_are_what_lessons_yaml_writes() -> None:
    """No drift from the one source, no outputs (a learner in JupyterLab sees no stale text)."""
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "notebooks.py"), "check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells), path.name
        assert "widgets" not in nb.metadata and "NBVAL" not in path.read_text()


def test_drift_is_caught(tmp_path: Path) -> None:
    """A hand edit of a lesson notebook is reported by `check` (the test above can fail)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("nbtool", ROOT / "tools" / "notebooks.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.LESSONS = tmp_path
    tool.build()
    assert tool.problems() == []
    edited = tmp_path / "02_bsa_and_dosing.ipynb"
    edited.write_text(edited.read_text().replace("panel = DoseCalculator()", "panel = DoseCalculator(); x = 5"))
    (tmp_path / "99_stray.ipynb").write_text("{}")
    (tmp_path / "03_schedule_timeline.ipynb").unlink()
    assert tool.problems() == [
        "02_bsa_and_dosing.ipynb: differs from what `tools/notebooks.py build` writes (edit lessons.yaml, rebuild)",
        "99_stray.ipynb: no lesson of that id in lessons.yaml",
        "03_schedule_timeline.ipynb: missing (run `tools/notebooks.py build`)",
    ]


@pytest.mark.parametrize("lesson", [lesson for lesson in content().lessons.lessons if lesson.panel], ids=lambda x: x.id)
def test_each_page_text_version_is_as_checked(lesson) -> None:
    """What each lesson page shows as its plain-text version on a fresh kernel (nbval's old check):
    doses, dates and verdicts as reviewed in tests/data/lessons/<id>.txt."""
    import importlib

    from alledu.widgets import page

    module, _, name = lesson.panel.widget.rpartition(".")
    panel = getattr(importlib.import_module(module), name)()
    golden = (ROOT / "tests" / "data" / "lessons" / f"{lesson.id}.txt").read_text()
    assert page.check(panel).text + "\n" == golden


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
