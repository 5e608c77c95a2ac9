"""Live class: a burst of learners answering at once, and how fast the dashboard shows an answer.

    .venv/bin/python bench/live.py [--learners 100] [--runs 3] [--answers 20]

Burst: N forked processes (one per simulated learner, each opening its own store) wait for
one start signal and answer the same question. Measured: seconds from the signal until the
last answer is stored (median of runs) and rows stored, for the SQLite store (WAL, busy
timeout, one transaction per answer), the PostgreSQL store (Debian's server started in a
temp dir), and a baseline in the same run: the same processes each inserting one row into a
bare SQLite file with Python's sqlite3 defaults (rollback journal, no explicit transaction
mode). Ratios are against that baseline; seconds depend on the machine and its load.

Dashboard: answers stored one at a time (random gaps); seconds from the store write until
the dashboard's polling thread has redrawn with it (median and max).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alledu.live import location, open_store  # noqa: E402
from alledu.widgets.live import Dashboard  # noqa: E402
from tests.live_support import Postgres, pg_bindir  # noqa: E402


def _store_learner(url: str, code: str, n: int, go, out) -> None:
    store = open_store(url)
    go.wait(60)
    try:
        store.record(
            code,
            learner=f"learner-{n:04d}",
            lesson="06_self_check_quiz",
            question="blin_target",
            answer="cd19",
            correct=True,
        )
        out.put(("ok", time.monotonic()))
    except Exception as exc:
        out.put((repr(exc), time.monotonic()))


def _bare_learner(path: str, _code: str, n: int, go, out) -> None:
    go.wait(60)
    try:
        conn = sqlite3.connect(path)
        conn.execute("INSERT INTO answers (learner) VALUES (?)", (f"learner-{n:04d}",))
        conn.commit()
        conn.close()
        out.put(("ok", time.monotonic()))
    except Exception as exc:
        out.put((repr(exc), time.monotonic()))


def burst(target, where: str, code: str, learners: int) -> tuple[float, int]:
    ctx = multiprocessing.get_context("fork")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(where, code, n, go, out)) for n in range(learners)]
    for p in procs:
        p.start()
    time.sleep(1)  # let every process reach the start line
    start = time.monotonic()
    go.set()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(30)
    return max(t for _, t in results) - start, sum(1 for r, _ in results if r == "ok")


def store_burst(url: str, learners: int) -> tuple[float, int]:
    store = open_store(url)
    info, _ = store.create_class("bench")
    seconds, ok = burst(_store_learner, url, info.code, learners)
    stored = len(store.answers(info.code))
    store.close()
    assert stored == ok
    return seconds, stored


def bare_burst(folder: Path, learners: int) -> tuple[float, int]:
    path = folder / f"bare-{time.monotonic_ns()}.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, learner TEXT)")
    conn.commit()
    seconds, _ = burst(_bare_learner, str(path), "", learners)
    stored = conn.execute("SELECT count(*) FROM answers").fetchone()[0]
    conn.close()
    return seconds, stored


def dashboard_latency(url: str, answers: int) -> list[float]:
    store = open_store(url)
    info, key = store.create_class("latency")
    board = Dashboard(url=url)
    board.code_box.value, board.key_box.value = info.code, key
    seen = []
    for n in range(answers):
        time.sleep(random.uniform(0.2, 1.2))
        store.record(
            info.code,
            learner=f"learner-{n:04d}",
            lesson="06_self_check_quiz",
            question="blin_target",
            answer="cd22",
            correct=False,
        )
        wrote = time.monotonic()
        while f"{n + 1} answer(s)" not in board.status.value:
            time.sleep(0.01)
        seen.append(time.monotonic() - wrote)
    board.stop()
    store.close()
    return seen


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--learners", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--answers", type=int, default=20)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="alledu-bench-live-"))
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    pg = Postgres(pg_bindir()) if pg_bindir() else None
    try:
        kinds = {
            "baseline: bare SQLite, sqlite3 defaults": lambda: bare_burst(folder, args.learners),
            "SQLite store (WAL, busy timeout)": lambda: store_burst(location(folder / "store"), args.learners),
        }
        if pg is not None:
            pg_url = pg.new_database()
            kinds["PostgreSQL store"] = lambda: store_burst(pg_url, args.learners)
        rows = []
        for name, run in kinds.items():
            results = [run() for _ in range(args.runs)]
            rows.append((name, statistics.median(s for s, _ in results), min(n for _, n in results)))
        base = rows[0][1]
        print(
            f"{os.cpu_count()} cores, load average at start {load_before}; {args.learners} learners, "
            f"median of {args.runs} runs"
        )
        print("| store | seconds to store all (median) | ratio to baseline | fewest rows stored in a run |")
        print("|---|---|---|---|")
        for name, seconds, stored in rows:
            print(f"| {name} | {seconds:.2f} | {seconds / base:.2f} | {stored} of {args.learners} |")
        for name, url in [("SQLite", location(folder / "store"))] + ([("PostgreSQL", pg_url)] if pg else []):
            lat = dashboard_latency(url, args.answers)
            print(
                f"dashboard, {name}: new answer shown after median {statistics.median(lat):.2f} s, "
                f"max {max(lat):.2f} s ({args.answers} answers)"
            )
        print("load average at end:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        if pg is not None:
            pg.close()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
