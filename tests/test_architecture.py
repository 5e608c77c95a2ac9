"""Project rules that code review would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

import alledu

PKG = Path(alledu.__file__).parent
DOMAIN = [p for p in PKG.rglob("*.py") if "widgets" not in p.parts and "serve" not in p.parts]

# Numbers that are not clinical facts: structure, unit definitions, display and solver settings.
# 11-13: English ordinals (11th, 12th, 13th). 8866 and 65535: the default and the highest TCP port.
ALLOWED = {0, 1, 2, 3, 4, 10, 11, 12, 13, 100, 1000.0, 1e-9, 1e-12, 200, 72, 2.54, 0.45359237, 2000, 8866, 65535}


def test_no_ipywidgets_in_domain() -> None:
    for path in DOMAIN:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] in ("ipywidgets", "plotly", "traitlets") for n in names), path


def test_no_clinical_numbers_outside_content() -> None:
    found = []
    for path in DOMAIN:
        tree = ast.parse(path.read_text())
        layout = {  # the PDF handout's page layout table (alledu/export.py PDF_LAYOUT): mm, pt, RGB; and
            # the live class's operational limits (`*_LIMITS` tables: rates, id sizes), no clinical number
            id(n)
            for a in ast.walk(tree)
            if isinstance(a, ast.AnnAssign)
            and isinstance(a.target, ast.Name)
            and (a.target.id == "PDF_LAYOUT" or a.target.id.endswith("_LIMITS"))
            for n in ast.walk(a)
        }
        for node in ast.walk(tree):
            if id(node) in layout:
                continue
            if isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value not in ALLOWED:
                found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert found == []


def test_version_in_one_place() -> None:
    root = PKG.parent
    assert 'dynamic = ["version"]' in (root / "pyproject.toml").read_text()
    assert alledu.__version__.count(".") == 2
