"""Memory of one learner's kernel per lesson (RSS, USS, PSS), under `alledu serve` as shipped.

    .venv/bin/python bench/kernel_memory.py [--learners 2] [--lessons 01_relapse_and_prognosis,...]

Why a script of its own: the per-learner figure decides how many learners a box holds
(docs/performance.md, "Memory and CPU a class needs"), and it changes whenever a lesson's
imports change (plotly's removal, for one). Each learner is protocol-level (tests/learners.py):
it opens the lesson and loads every widget's state, then its kernel is measured with psutil
while the learner is still in. USS is what one more learner adds; PSS shares the common pages
out among the kernels using them; RSS counts them in every kernel. Prints a Markdown table with
the load average; nothing is written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.classroom import kernels_of  # noqa: E402
from tests.learners import Learner  # noqa: E402
from tests.server import alledu_serve  # noqa: E402

MIB = 2**20


async def measure(base: str, server_pid: int, lesson: str, learners: int) -> dict[str, float]:
    """Median RSS/USS/PSS (MiB) of `learners` kernels of this lesson, one learner at a time."""
    figures: dict[str, list[float]] = {"rss": [], "uss": [], "pss": []}
    widgets = 0
    for _ in range(learners):
        learner = Learner(base, lesson)
        await learner.open(max_retries=10)
        if not learner.ok:
            raise RuntimeError(f"{lesson}: {learner.error}")
        widgets = learner.widgets
        await asyncio.sleep(1.0)  # let the kernel settle after sending the states
        info = kernels_of(server_pid)[learner.kernel_id].memory_full_info()
        figures["rss"].append(info.rss / MIB)
        figures["uss"].append(info.uss / MIB)
        figures["pss"].append(info.pss / MIB)
        await learner.leave()
    return {"widgets": widgets, **{k: statistics.median(v) for k, v in figures.items()}, "n": learners}


async def run(ns: argparse.Namespace) -> None:
    lessons = ns.lessons or sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    load_before = os.getloadavg()
    with alledu_serve(*(["--no-fork"] if ns.no_fork else [])) as (proc, base, _lines):
        await asyncio.sleep(ns.settle)  # the preheated pool (one kernel per lesson) is ready
        rows = [(lesson, await measure(base, proc.pid, lesson, ns.learners)) for lesson in lessons]
        server = psutil.Process(proc.pid).children()[0].memory_full_info()
        templates = [
            p.memory_full_info()
            for p in psutil.Process(proc.pid).children(recursive=True)
            if "alledu kernel template" in " ".join(p.cmdline())
        ]
    load_after = os.getloadavg()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB; load average (1/5/15 min) "
        f"{load_before[0]:.1f}/{load_before[1]:.1f}/{load_before[2]:.1f} before, "
        f"{load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f} after; "
        f"median of {ns.learners} learner kernel(s) per lesson; "
        f"{'started from scratch (--no-fork)' if ns.no_fork else 'forked from the warm template'}\n"
    )
    print("| lesson | widgets | kernel RSS (MiB) | kernel USS, unique (MiB) | kernel PSS (MiB) |")
    print("|---|---|---|---|---|")
    for lesson, r in rows:
        print(f"| {lesson} | {r['widgets']} | {r['rss']:.0f} | {r['uss']:.0f} | {r['pss']:.0f} |")
    print(f"\nServer process (Voila): {server.rss / MIB:.0f} MiB RSS, {server.uss / MIB:.0f} MiB USS.")
    for t in templates:  # counted once per server, not per learner
        print(f"Kernel template (alledu/serve/forking.py): {t.rss / MIB:.0f} MiB RSS, {t.uss / MIB:.0f} MiB USS.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2, help="kernels measured per lesson (median)")
    parser.add_argument("--lessons", type=lambda t: t.split(","), default=None, help="default: every lesson")
    parser.add_argument("--no-fork", action="store_true", help="kernels started from scratch (alledu serve --no-fork)")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds for the preheated pool to fill")
    ns = parser.parse_args()
    asyncio.run(run(ns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
