"""Speed and memory of the served lessons, as ratios to a bare one-slider Voila page.

    .venv/bin/python bench/run.py [--runs 5] [--out docs/performance.md]

For each lesson and for a bare notebook (one IntSlider), in headless Chromium against a real
`alledu serve` configuration, this measures the time from navigation until the page's widgets
are interactive (median of N runs), and the resident memory (RSS and USS) of the kernel that
serves one learner. It runs twice: with the served configuration (preheated kernels) and cold
(no preheat: every page starts and runs its kernel on demand). Results are ratios against the
bare page measured in the same process run; absolute seconds depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from tests.server import running_server  # noqa: E402

BARE = "bare_one_slider"


def bare_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as W\n\nW.IntSlider(description='Bare')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def lesson_ids() -> list[str]:
    return sorted(p.stem for p in (ROOT / "alledu" / "lessons").glob("*.ipynb"))


def kernel_memory(kernel_id: str) -> tuple[float, float]:
    """(RSS, USS) in MiB of the kernel process whose connection file names this kernel id."""
    for proc in psutil.process_iter(["cmdline"]):
        if any(kernel_id in part for part in proc.info["cmdline"] or []):
            info = proc.memory_full_info()
            return info.rss / 2**20, info.uss / 2**20
    return float("nan"), float("nan")


def measure(base: str, pages: list[str], runs: int, settle: float) -> dict[str, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {p: [] for p in pages}
    memory: dict[str, tuple[float, float]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        for run in range(runs):
            for page_id in pages:  # round robin: a notebook's kernel pool refills meanwhile
                context = browser.new_context(viewport={"width": 1280, "height": 1600})
                page = context.new_page()
                ready = ".widget-slider" if page_id == BARE else "text=References"
                start = time.perf_counter()
                page.goto(f"{base}voila/render/{page_id}.ipynb", wait_until="commit")
                page.wait_for_selector(".jupyter-widgets", timeout=120_000)
                page.wait_for_selector(ready, timeout=120_000)
                times[page_id].append(time.perf_counter() - start)
                if run == 0:
                    config = page.locator("#jupyter-config-data").first.text_content() or "{}"
                    memory[page_id] = kernel_memory(json.loads(config).get("kernelId", "?"))
                context.close()
            time.sleep(settle)
    return {
        p: {"median_s": statistics.median(t), "min_s": min(t), "rss": memory[p][0], "uss": memory[p][1]}
        for p, t in times.items()
    }


def serve_and_measure(folder: Path, preheat: bool, runs: int) -> dict[str, dict[str, float]]:
    import tests.server as server

    original = server.voila_command

    def command(**kwargs):
        cmd, env = original(**kwargs)
        return [*cmd, f"--VoilaConfiguration.preheat_kernel={preheat}"], env

    server.voila_command = command
    os.environ["ALLEDU_NOTEBOOKS"] = str(folder)
    try:
        with running_server() as base:
            pages = [BARE, *lesson_ids()]
            if preheat:  # wait until every pool is full before timing
                time.sleep(5 + 3 * len(pages))
            urllib.request.urlopen(base).read()
            return measure(base, pages, runs, settle=3.0 if preheat else 0.5)
    finally:
        server.voila_command = original
        os.environ.pop("ALLEDU_NOTEBOOKS", None)


def table(results: dict[str, dict[str, float]]) -> list[str]:
    bare = results[BARE]
    lines = [
        "| page | median to interactive (s) | ratio to bare | kernel RSS (MiB) | RSS ratio | kernel USS (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    for page, r in results.items():
        lines.append(
            f"| {page} | {r['median_s']:.2f} | {r['median_s'] / bare['median_s']:.2f} | {r['rss']:.0f} | "
            f"{r['rss'] / bare['rss']:.2f} | {r['uss']:.0f} |"
        )
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.md")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for nb in (ROOT / "alledu" / "lessons").glob("*.ipynb"):
            (folder / nb.name).symlink_to(nb)
        bare_notebook(folder / f"{BARE}.ipynb")
        results = {
            "served (preheated kernels)": serve_and_measure(folder, True, args.runs),
            "cold (no preheat: kernel starts on demand)": serve_and_measure(folder, False, args.runs),
        }
    cpu = re.sub(r"\s+", " ", platform.processor() or platform.machine())
    out = [
        f"Measured {dt.date.today().isoformat()} by `bench/run.py --runs {args.runs}` on {os.cpu_count()} cores "
        f"({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB, headless Chromium.",
        "",
    ]
    for mode, res in results.items():
        out += [f"### {mode}", "", *table(res), ""]
    text = "\n".join(out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
