"""Keep the lesson notebooks clean: outputs stripped except the cells nbval checks.

    python tools/notebooks.py refresh   # run every lesson in a fresh kernel, keep only checked outputs
    python tools/notebooks.py check     # exit 1 if any notebook carries stale outputs or widget state

Why: a committed output that no test checks goes stale silently; a checked one (tagged
`# NBVAL_CHECK_OUTPUT`) is the lesson's regression test and must be kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MARK = "# NBVAL_CHECK_OUTPUT"


def checked(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().startswith(MARK)


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata = {}
        if cell.cell_type != "code":
            continue
        if checked(cell):  # keep what nbval compares: printed text and plain-text results
            kept = []
            for o in cell.outputs:
                if o.get("output_type") == "stream":
                    kept.append(o)
                elif o.get("output_type") in ("execute_result", "display_data") and "text/plain" in o.get("data", {}):
                    o["data"] = {"text/plain": o["data"]["text/plain"]}
                    o["metadata"] = {}
                    kept.append(o)
            cell.outputs = kept
            cell.execution_count = 1  # nbval skips a checked cell that looks unrun
        else:
            cell.outputs = []
            cell.execution_count = None
    return nb


def problems(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    out = []
    if "widgets" in nb.metadata:
        out.append("saved widget state")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and not checked(cell) and (cell.outputs or cell.execution_count):
            out.append(f"cell {i} has outputs but is not an nbval-checked cell")
        if checked(cell) and not cell.outputs:
            out.append(f"cell {i} is nbval-checked but has no recorded output")
    return out


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(strip(nb), path)


def main(argv: list[str]) -> int:
    if argv[:1] == ["refresh"]:
        for path in NOTEBOOKS:
            refresh(path)
            print("refreshed", path.name)
        return 0
    bad = {p.name: problems(p) for p in NOTEBOOKS}
    bad = {k: v for k, v in bad.items() if v}
    for name, issues in bad.items():
        print(name, "; ".join(issues))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
