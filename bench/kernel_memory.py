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
import random
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alledu.serve.kernels import FORKED_KERNEL_MIB as KERNEL_MIB  # noqa: E402
from bench.classroom import kernels_of  # noqa: E402
from tests.learners import Learner  # noqa: E402
from tests.server import alledu_serve  # noqa: E402

MIB = 2**20


NUMBERS = ("FloatText", "BoundedFloatText", "FloatSlider", "IntSlider", "BoundedIntText", "IntText")
CHOOSERS = ("Dropdown", "ToggleButtons", "RadioButtons", "Select")
SWITCHES = ("Checkbox", "ToggleButton")


def _change(state: dict, rng: random.Random) -> dict | str | None:
    """What a learner could do to this control: a state change, 'click', or None (not a control)."""
    name = state.get("_model_name", "").removesuffix("Model")
    if state.get("disabled"):
        return None
    if name == "Button":
        return "click"
    if name in NUMBERS and "min" in state and "max" in state:
        low, high = state["min"], state["max"]
        return {"value": rng.randint(low, high) if name.startswith("Int") else round(rng.uniform(low, high), 1)}
    if name == "Text":
        try:
            number = float(state.get("value"))
        except (TypeError, ValueError):
            return None  # a class code or a name box: typing there reaches the class store, not the lesson
        return {"value": f"{number * rng.uniform(0.6, 1.4):.1f}"}
    if name in CHOOSERS and state.get("_options_labels"):
        return {"index": rng.randrange(len(state["_options_labels"]))}
    if name == "SelectMultiple" and state.get("_options_labels"):
        count = len(state["_options_labels"])
        return {"index": sorted(rng.sample(range(count), rng.randint(0, count)))}
    if name in SWITCHES:
        return {"value": not state.get("value")}
    return None


async def heavy_use(learner: Learner, interactions: int, seed: int) -> int:
    """`interactions` things a learner does on the page (type numbers, choose, tick, press buttons:
    Check, Next, Prepare downloads...), picked at random among the controls showing now.
    Returns how many different controls were used."""
    rng = random.Random(seed)
    used: set[str] = set()
    for _ in range(interactions):
        controls = [(mid, ch) for mid, e in learner.states.items() if (ch := _change(e.get("state", {}), rng))]
        if not controls:
            break
        model_id, change = rng.choice(controls)
        used.add(model_id)
        if change == "click":
            await learner.click(model_id)
        else:
            await learner.update(model_id, change)
    return len(used)


def _memory(server_pid: int, kernel_id: str) -> dict[str, float]:
    info = kernels_of(server_pid)[kernel_id].memory_full_info()
    return {"rss": info.rss / MIB, "uss": info.uss / MIB, "pss": info.pss / MIB}


async def measure(base: str, server_pid: int, lesson: str, learners: int, interactions: int) -> dict[str, float]:
    """Median RSS/USS/PSS (MiB) of `learners` kernels of this lesson, one learner at a time: once the
    page is up, and again after `interactions` interactions on it."""
    figures: dict[str, list[float]] = {}
    widgets = used = 0
    for n in range(learners):
        learner = Learner(base, lesson)
        await learner.open(max_retries=10)
        if not learner.ok:
            raise RuntimeError(f"{lesson}: {learner.error}")
        widgets = learner.widgets
        await asyncio.sleep(1.0)  # let the kernel settle after sending the states
        for key, value in _memory(server_pid, learner.kernel_id).items():
            figures.setdefault(key, []).append(value)
        if interactions:
            used = await heavy_use(learner, interactions, seed=n)
            await asyncio.sleep(1.0)
            for key, value in _memory(server_pid, learner.kernel_id).items():
                figures.setdefault(f"{key}_used", []).append(value)
        await learner.leave()
    return {"widgets": widgets, "used": used, **{k: statistics.median(v) for k, v in figures.items()}, "n": learners}


async def run(ns: argparse.Namespace) -> None:
    lessons = ns.lessons or sorted(p.stem for p in (ROOT / "alledu" / "lessons").glob("*.ipynb"))
    load_before = os.getloadavg()
    with alledu_serve(*(["--no-fork"] if ns.no_fork else [])) as (proc, base, _lines):
        await asyncio.sleep(ns.settle)  # the preheated pool (one kernel per lesson) is ready
        rows = [(lesson, await measure(base, proc.pid, lesson, ns.learners, ns.interactions)) for lesson in lessons]
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
    print(
        "| lesson | widgets | controls used | kernel RSS (MiB) | USS, unique (MiB) | PSS (MiB) "
        f"| after {ns.interactions} interactions: RSS | USS | PSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for lesson, r in rows:
        used = f"{r['rss_used']:.0f} | {r['uss_used']:.0f} | {r['pss_used']:.0f}" if "uss_used" in r else "- | - | -"
        print(
            f"| {lesson} | {r['widgets']} | {r['used']} | {r['rss']:.0f} | {r['uss']:.0f} | {r['pss']:.0f} | {used} |"
        )
    heaviest = max(r.get("uss_used", r["uss"]) for _, r in rows)
    print(
        f"\nHeaviest kernel after use: {heaviest:.0f} MiB USS. alledu.serve.kernels budgets "
        f"{KERNEL_MIB} MiB per forked kernel ({heaviest / KERNEL_MIB:.0%} of it used)."
    )
    print(f"\nServer process (Voila): {server.rss / MIB:.0f} MiB RSS, {server.uss / MIB:.0f} MiB USS.")
    for t in templates:  # counted once per server, not per learner
        print(f"Kernel template (alledu/serve/forking.py): {t.rss / MIB:.0f} MiB RSS, {t.uss / MIB:.0f} MiB USS.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2, help="kernels measured per lesson (median)")
    parser.add_argument("--lessons", type=lambda t: t.split(","), default=None, help="default: every lesson")
    parser.add_argument("--no-fork", action="store_true", help="kernels started from scratch (alledu serve --no-fork)")
    parser.add_argument("--interactions", type=int, default=300, help="interactions per learner before the 2nd look")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds for the preheated pool to fill")
    ns = parser.parse_args()
    asyncio.run(run(ns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
