"""The lesson notebooks, written from one source: alledu/content/lessons.yaml.

    python tools/notebooks.py build     # write alledu/lessons/<id>.ipynb for every lesson
    python tools/notebooks.py check     # exit 1 if a notebook differs from what build writes (drift),
                                        # or a lesson has no notebook, or a notebook no lesson
    python tools/notebooks.py refresh   # rewrite tests/data/lessons/<id>.txt, each page's text
                                        # version as the lesson shows it now (review the diff!)

Why: every lesson page is the same thin page (header, one widget under a heading, its plain-text
version, footer); writing nine by hand drifted (style.md, one source of truth). A lesson is one
entry in lessons.yaml plus one widget class. The shipped notebooks carry no outputs, so a learner
opening one in JupyterLab sees no stale text; each page's text version is checked against
tests/data/lessons/ by tests/test_notebooks.py, and nbval runs every lesson top to bottom.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LESSONS = ROOT / "alledu" / "lessons"
GOLDEN = ROOT / "tests" / "data" / "lessons"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def lessons() -> list:
    from alledu.content_loader import content

    return list(content().lessons.lessons)


def build_one(lesson) -> nbformat.NotebookNode:
    """One lesson page, as alledu.widgets.page.cells describes it (header, panel, text version, footer)."""
    from alledu.widgets import page

    new = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    cells = [new[kind](source) for kind, source in page.cells(lesson.id)]
    for i, cell in enumerate(cells):
        cell.id = f"{lesson.id[:2]}-{i}"  # stable ids: a rebuild changes nothing
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC})
    nbformat.validate(nb)
    return nb


def text_of(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def build() -> list[Path]:
    LESSONS.mkdir(exist_ok=True)
    written = []
    for lesson in lessons():
        path = LESSONS / f"{lesson.id}.ipynb"
        path.write_text(text_of(build_one(lesson)), encoding="utf-8")
        written.append(path)
    return written


def problems() -> list[str]:
    """Drift: a notebook that is not what build writes, a lesson without one, one without a lesson."""
    out = []
    wanted = {lesson.id: lesson for lesson in lessons()}
    for path in sorted(LESSONS.glob("*.ipynb")):
        if path.stem not in wanted:
            out.append(f"{path.name}: no lesson of that id in lessons.yaml")
        elif path.read_text(encoding="utf-8") != text_of(build_one(wanted[path.stem])):
            out.append(f"{path.name}: differs from what `tools/notebooks.py build` writes (edit lessons.yaml, rebuild)")
    for lesson_id in wanted:
        if not (LESSONS / f"{lesson_id}.ipynb").is_file():
            out.append(f"{lesson_id}.ipynb: missing (run `tools/notebooks.py build`)")
    return out


def page_text(lesson) -> str:
    """A lesson page's text version (page.check), as its notebook shows it on a fresh kernel."""
    from alledu.widgets import page

    module, _, name = lesson.panel.widget.rpartition(".")
    panel = getattr(importlib.import_module(module), name)()
    return page.check(panel).text


def refresh() -> list[Path]:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    out = []
    for lesson in lessons():
        if lesson.panel is not None:
            path = GOLDEN / f"{lesson.id}.txt"
            path.write_text(page_text(lesson) + "\n", encoding="utf-8")
            out.append(path)
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"]:
        for path in build():
            print("wrote", path.relative_to(ROOT))
        return 0
    if argv[:1] == ["refresh"]:
        for path in refresh():
            print("wrote", path.relative_to(ROOT))
        return 0
    if argv[:1] == ["check"]:
        bad = problems()
        for line in bad:
            print(line)
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
