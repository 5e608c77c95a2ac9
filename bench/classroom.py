"""A class arriving at one served lesson: time to interactive, errors, memory, widget latency.

`make bench-class` (or `.venv/bin/python bench/classroom.py --help`). For each server mode
(`default`: `alledu serve` as shipped; `class`: `alledu serve --class N --lessons LESSON`;
`class-nofork`: the same with `--no-fork`, kernels started from scratch, for comparison) and
each class size, protocol-level learners (tests/learners.py: GET, kernel websocket,
kernel_info, comm_info, every widget's state through ipywidgets' control comm) arrive all at
once, then a few late arrivals right after; one real Chromium page (cold cache) is timed
during each burst; three learners who were already in the lesson type a new number every 0.25 s
throughout (`--movers`, `--move-every`), timing the kernel's answer; each update is classed by
when it was sent: "burst" from the first GET to the last learner interactive, "refill" from
the class leaving until the server holds its idle kernel count again. Learners then
leave (the close-tab shutdown) and the time until the server is back to its idle kernel
count is recorded. The class mode also runs a class spread over `--spread` seconds, and a
class of first-time visitors (`--cold-sizes`): each learner also fetches what a real browser
with an empty cache fetched from the server for this lesson (recorded once with Chromium before
the bursts), as a class's first visit does. `--repeat K` runs each at-once class K times and
pools their burst updates (one burst of 60 gives only 12-17, so its p95 is nearly its slowest).

Times are from the start of the GET to the last widget state (the page's "interactive"),
server-side; the Chromium figure includes the browser's own work. The box is shared: each burst
waits until the cores are quiet, and how busy they were is recorded with every figure.
Writes bench/results/classroom.{json,md,svg}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from tests.learners import V1_PROTOCOL, Learner  # noqa: E402
from tests.server import alledu_serve  # noqa: E402

OUT = ROOT / "bench" / "results"
MIB = 2**20
WS_PROTOCOL = V1_PROTOCOL  # the learners' websocket protocol (`--ws`)
PROFILER: str | None = None  # `--profile`: a py-spy executable, run on the server during each burst
QUIET_BELOW = 0.25  # share of both cores busy under which a burst starts (`--hog` keeps one busy: 0.75)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of the values; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def kernels_of(server_pid: int) -> dict[str, psutil.Process]:
    """kernel id -> process, for every kernel below the `alledu serve` process."""
    found = {}
    for proc in psutil.Process(server_pid).children(recursive=True):
        try:
            cmd = proc.cmdline()
        except psutil.Error:
            continue
        for part in " ".join(cmd).split():  # a forked kernel's title is one string (setproctitle)
            if part.endswith(".json") and "kernel-" in part:
                found[Path(part).stem.removeprefix("kernel-")] = proc
    return found


def memory(procs: list[psutil.Process]) -> dict[str, float]:
    """Median and max RSS and USS (MiB) of these processes."""
    rss, uss = [], []
    for proc in procs:
        try:
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        rss.append(info.rss / MIB)
        uss.append(info.uss / MIB)
    if not rss:
        return {}
    return {
        "rss_median": statistics.median(rss),
        "rss_max": max(rss),
        "uss_median": statistics.median(uss),
        "uss_max": max(uss),
        "n": len(rss),
    }


async def wait_settled(server_pid: int, kernel_ids: list[str], timeout: float) -> bool:
    """Until the movers' kernels run at normal CPU priority, as a working learner's kernel does.

    Why: a kernel taken from the pool keeps the pool's lower priority for its first seconds
    (`ClassroomKernels.arrival_settle`); the learners already working when a class arrives have
    been there longer, and a burst begun before that would time their updates at the pool's
    priority. False if they did not within `timeout` (a server without the right to lower a
    niceness again leaves every learner's kernel at the pool's).
    """
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        kernels = kernels_of(server_pid)
        with contextlib.suppress(psutil.Error):
            if all(kid in kernels and kernels[kid].nice() == 0 for kid in kernel_ids):
                return True
        await asyncio.sleep(0.5)
    return False


async def wait_quiet(busy_below: float | None = None, timeout: float = 120.0) -> float:
    """The share of both cores busy over the last second, once it is below `busy_below` (or at timeout).

    Why: after the kernel count is back, the server's warm-up or refill, and the last burst's
    leavers, can keep the cores busy a while longer; a burst started then would measure that
    work too (the 1-minute load average lags far behind, so it cannot tell). The movers alone
    keep the box about 10 % busy.
    """
    busy_below = QUIET_BELOW if busy_below is None else busy_below
    deadline = time.perf_counter() + timeout
    while True:
        busy = await asyncio.get_running_loop().run_in_executor(None, psutil.cpu_percent, 1.0) / 100
        if busy < busy_below or time.perf_counter() > deadline:
            return busy


async def wait_idle(server_pid: int, idle_count: int | None, timeout: float) -> float:
    """Seconds until the server holds its idle kernel count again (nan if not within timeout).

    `None`: a server whose pools follow the class has no fixed idle count; wait until the count
    has not changed for 5 s.
    """
    start = time.perf_counter()
    if idle_count is None:
        seen, since_change = -1, time.perf_counter()
        while time.perf_counter() - start < timeout:
            count = len(kernels_of(server_pid))
            if count != seen:
                seen, since_change = count, time.perf_counter()
            elif time.perf_counter() - since_change >= 5:
                return time.perf_counter() - start
            await asyncio.sleep(1.0)
        return float("nan")
    while time.perf_counter() - start < timeout:
        kernels = kernels_of(server_pid)
        if len(kernels) == idle_count:
            await asyncio.sleep(1.0)
            if len(kernels_of(server_pid)) == idle_count:
                return time.perf_counter() - start
        await asyncio.sleep(1.0)
    return float("nan")


def runqueue_wait(pid: int) -> dict[str, float]:
    """Seconds each of the process's threads (by name) spent ready to run but waiting for a core.

    Why: on 2 cores shared with 60 kernels, a late update may be the server's event loop busy
    with other learners' work, or the server not even getting a core; the two need different
    levers, and the split of CPU time alone cannot tell them apart. From /proc's schedstat.
    """
    waits: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                name = "main" if task.name == str(pid) else (task / "comm").read_text().strip()
                waits[name] = waits.get(name, 0.0) + int((task / "schedstat").read_text().split()[1]) / 1e9
    return waits


def since(now: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {name: now[name] - before.get(name, 0.0) for name in now}


def browser_cpu() -> float:
    """CPU seconds so far of Playwright's driver and Chromium (children of this process)."""
    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "chrom" in proc.name() or "node" in proc.name():
                total += sum(proc.cpu_times()[:4])  # with its reaped children (renderers)
    return total


def yield_cpu(nice: int) -> None:
    """Chromium (which Playwright starts in a session of its own) at a lower CPU priority.

    Why: the page stands for a learner's own laptop or phone; on this box it would otherwise take
    2 cores' worth of the server's CPU during the burst (its cold load costs 3-4 CPU-seconds). With
    Linux's autogroup scheduling the session group's nice is the one that counts. Its time is still
    measured and reported; `--browser-nice 0` measures it as an equal.
    """
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error, OSError):
            if "chrom" in proc.name():
                proc.nice(nice)
                if os.getsid(proc.pid) == proc.pid:  # the session leader: its group's nice
                    Path(f"/proc/{proc.pid}/autogroup").write_text(str(nice))


class Sentinels:
    """Learners already in the lesson, moving a number control all along: widget update latency.

    Each types a new number every `every` seconds (Height: 130 <-> 131 cm), one update in flight at
    a time as ipywidgets' own manager does (when the kernel is slower than that, the next goes
    as soon as the answer is in). Every sample is kept with the moment it was *sent*, so the
    burst and the refill are classed by when the learner acted, not by when the kernel answered.
    """

    def __init__(self, base: str, lesson: str, n: int = 3, every: float = 0.25, protocol: str = V1_PROTOCOL) -> None:
        self.learners = [Learner(base, lesson, protocol=protocol) for _ in range(n)]
        self.every = every
        self.samples: list[tuple[float, float, tuple[float, float, float]]] = []  # (sent at, ms, parts)
        self.errors: list[str] = []
        self._stop = False
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        await asyncio.gather(*(learner.open(max_retries=20) for learner in self.learners))
        failed = [learner.error for learner in self.learners if not learner.ok]
        if failed:
            raise RuntimeError(f"learners moving controls could not open the lesson: {failed}")
        controls = [learner.numeric_widget() for learner in self.learners]
        if None in controls:  # would leave the update latency without a sample, silently
            raise RuntimeError(f"no number control to move on {self.learners[0].lesson}")
        self._tasks = [
            asyncio.create_task(self._move(learner, control, i))
            for i, (learner, control) in enumerate(zip(self.learners, controls, strict=True))
        ]

    async def _move(self, learner: Learner, control: tuple[str, float], i: int) -> None:
        model_id, value = control
        await asyncio.sleep(self.every * i / len(self.learners))  # staggered, not in lockstep
        step = 0
        try:
            while not self._stop:
                step += 1
                sent = time.perf_counter()
                ms = await learner.move(model_id, value + step % 2)
                self.samples.append((sent, ms, learner.update_parts[-1]))
                await asyncio.sleep(max(0.0, sent + self.every - time.perf_counter()))
        except Exception as exc:  # a lost kernel: say so in the results, never a silent n = 0
            self.errors.append(repr(exc))

    def between(self, start: float, end: float) -> dict[str, Any]:
        """p50, p95 and n of the updates sent between start and end, and where their time went."""
        kept = [(ms, parts) for sent, ms, parts in self.samples if start <= sent <= end]
        ms = [m for m, _ in kept]
        # where the time went: to the kernel (server in), in it, and back (server out), p50 and p95
        names = ("to_kernel", "in_kernel", "back")
        parts = {f"p{q}": {n: pct([p[i] for _, p in kept], q) for i, n in enumerate(names)} for q in (50, 95)}
        return {"p50": pct(ms, 50), "p95": pct(ms, 95), "n": len(ms), "parts_ms": parts}

    async def stop(self) -> None:
        self._stop = True
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for learner in self.learners:
            await learner.leave()


def _movers_main(base: str, lesson: str, n: int, every: float, protocol: str, conn: Any) -> None:
    """The movers' own process: start, say so, move until told to stop, send the samples back."""

    async def run() -> None:
        movers = Sentinels(base, lesson, n, every, protocol)
        try:
            await movers.start()
        except Exception as exc:
            conn.send(("error", repr(exc)))
            return
        conn.send(("started", [learner.kernel_id for learner in movers.learners]))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        await movers.stop()
        conn.send(("done", (movers.samples, movers.errors)))

    asyncio.run(run())


class MoversElsewhere:
    """The learners moving controls (`Sentinels`), in a process of their own.

    Why: a learner's browser is not shared with the 60 who arrive; in the harness's own event loop
    their updates would also wait behind the harness parsing 60 pages' widget states, and the
    latency measured would partly be the harness's. perf_counter is the system's monotonic clock,
    so the samples' send times compare with the burst's start and end taken here.
    """

    def __init__(self, base: str, lesson: str, n: int = 3, every: float = 0.25) -> None:
        self.n = n
        self.samples: list[tuple[float, float, tuple[float, float, float]]] = []
        self.errors: list[str] = []
        self.kernel_ids: list[str] = []
        self._conn, child = multiprocessing.get_context("spawn").Pipe()
        self._proc = multiprocessing.get_context("spawn").Process(
            target=_movers_main, args=(base, lesson, n, every, WS_PROTOCOL, child), daemon=True
        )

    @property
    def pid(self) -> int:
        return self._proc.pid or 0

    async def _recv(self) -> tuple[str, Any]:
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)

    async def start(self) -> None:
        self._proc.start()
        kind, detail = await self._recv()
        if kind == "error":
            raise RuntimeError(detail)
        self.kernel_ids = detail

    async def stop(self) -> None:
        self._conn.send("stop")
        _, (self.samples, self.errors) = await self._recv()
        self._proc.join(30)

    between = Sentinels.between


async def cold_assets(browser: Any, url: str) -> tuple[str, ...]:
    """The paths a real browser with an empty cache fetches from the server for this lesson.

    Everything it GETs from the server but the page itself and its own kernel's requests (for
    lesson 02: 99 scripts and styles, 1.45 MB compressed): protocol-level learners then fetch
    the same list, as a class of first-time visitors would. It also stands
    for the teacher opening the lesson before the class (the server's compressed copies are
    made then).
    """
    origin = "/".join(url.split("/")[:3])
    seen: list[str] = []
    context = await browser.new_context()
    page = await context.new_page()
    page.on("request", lambda r: seen.append(r.url) if r.method == "GET" and r.url.startswith(origin) else None)
    try:
        await page.goto(url, wait_until="commit", timeout=180_000)
        await page.wait_for_selector(".jupyter-widgets", timeout=180_000)
        await page.wait_for_selector("text=References", timeout=180_000)
        await page.wait_for_load_state("networkidle", timeout=60_000)
    finally:
        await context.close()
    paths = [u.removeprefix(origin) for u in seen if u.split("?")[0] != url and "/api/kernels" not in u]
    return tuple(dict.fromkeys(paths))


async def chromium_page(browser: Any, url: str) -> float:
    """Seconds until one real page (cold cache) shows its widgets and references."""
    context = await browser.new_context(viewport={"width": 1280, "height": 1600})
    page = await context.new_page()
    start = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=180_000)
        await page.wait_for_selector(".jupyter-widgets", timeout=180_000)
        await page.wait_for_selector("text=References", timeout=180_000)
        return time.perf_counter() - start
    except Exception:
        return float("nan")
    finally:
        await context.close()


def summary(learners: list[Learner]) -> dict[str, Any]:
    times = [learner.interactive_s for learner in learners if learner.ok]
    return {
        "n": len(learners),
        "errors": sum(not learner.ok for learner in learners),
        "turned_away": sum(learner.retries > 0 for learner in learners),  # met the "class is full" page
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "max": max(times) if times else float("nan"),
        "first_errors": sorted({learner.error for learner in learners if learner.error})[:3],
    }


async def burst(
    base: str,
    server_pid: int,
    lesson: str,
    size: int,
    spread: float,
    late: int,
    idle_count: int | None,
    browser: Any,
    class_mode: bool,
    movers: MoversElsewhere,
    assets: tuple[str, ...] = (),
) -> tuple[dict[str, Any], list[float]]:
    """One class: arrive (at once or spread), late arrivals, memory, leave, idle restored."""
    url = f"{base}voila/render/{lesson}.ipynb"
    sentinels = movers
    await sentinels.start()
    # default serve refills a pooled kernel behind each sentinel; class mode counts them in the class
    expected = None if idle_count is None else idle_count + (sentinels.n if not class_mode else 0)
    await wait_idle(server_pid, expected, 300)
    settled = await wait_settled(server_pid, sentinels.kernel_ids, 30)
    busy_before = await wait_quiet()
    load_before = os.getloadavg()[0]
    learners = [Learner(base, lesson, protocol=WS_PROTOCOL, assets=assets) for _ in range(size)]

    async def arrive(i: int, learner: Learner) -> None:
        if spread:
            await asyncio.sleep(spread * i / size)
        await learner.open(max_retries=20)

    voila = psutil.Process(server_pid).children()[0]
    server_cpu0, server_wait0 = sum(voila.cpu_times()[:2]), runqueue_wait(voila.pid)
    movers_wait0 = runqueue_wait(movers.pid)
    harness_cpu0, browser_cpu0 = sum(psutil.Process().cpu_times()[:2]), browser_cpu()
    kernel_cpu0 = {kid: sum(p.cpu_times()[:2]) for kid, p in kernels_of(server_pid).items()}
    spy = profile_server(voila.pid, f"{'cold-' if assets else ''}{size}")
    t0 = time.perf_counter()
    page_task = asyncio.create_task(chromium_page(browser, url)) if browser else None
    await asyncio.gather(*(arrive(i, learner) for i, learner in enumerate(learners)))
    t_burst = time.perf_counter()
    if spy is not None:
        spy.send_signal(2)  # py-spy writes its profile on SIGINT
        await asyncio.to_thread(spy.wait, 60)
    server_cpu = sum(voila.cpu_times()[:2]) - server_cpu0
    server_wait, movers_wait = (
        since(runqueue_wait(voila.pid), server_wait0),
        since(runqueue_wait(movers.pid), movers_wait0),
    )
    harness_cpu = sum(psutil.Process().cpu_times()[:2]) - harness_cpu0
    browser_cpu_s = browser_cpu() - browser_cpu0
    kernel_cpu = 0.0
    for kid, proc in kernels_of(server_pid).items():
        with contextlib.suppress(psutil.Error):
            kernel_cpu += sum(proc.cpu_times()[:2]) - kernel_cpu0.get(kid, 0.0)
    latecomers = [Learner(base, lesson, protocol=WS_PROTOCOL) for _ in range(late)]
    for learner in latecomers:
        await learner.open(max_retries=20)
        await asyncio.sleep(0.2)
    chromium_s = await page_task if page_task else float("nan")
    load_after = os.getloadavg()[0]
    kernels = kernels_of(server_pid)
    mine = [kernels[learner.kernel_id] for learner in learners if learner.kernel_id in kernels]
    per_kernel = memory(mine)
    server = memory([psutil.Process(server_pid), *psutil.Process(server_pid).children()])
    total_uss = sum(p.memory_full_info().uss for p in mine if p.is_running()) / MIB
    # leave: every learner closes the tab
    t_leave = time.perf_counter()
    await asyncio.gather(*(learner.leave() for learner in [*learners, *latecomers]))
    restored = await wait_idle(server_pid, expected, 240)
    t_idle = time.perf_counter()
    await sentinels.stop()
    result = {
        "size": size,
        "spread_s": spread,
        "cold_browsers": bool(assets),
        "asset_mb_per_learner": statistics.mean(learner.asset_bytes for learner in learners) / 1e6,
        "all": summary(learners),
        "late": summary(latecomers),
        "chromium_s": chromium_s,
        "update_ms_burst": sentinels.between(t0, t_burst),
        "update_ms_refill": sentinels.between(t_leave, t_idle),
        "update_errors": sentinels.errors[:3],
        "kernel_mib": per_kernel,
        "learner_kernels_uss_total_mib": total_uss,
        "server_and_children": server.get("n", 0),
        "idle_restored_s": restored,
        "burst_wall_s": t_burst - t0,
        "burst_cpu_s": {
            "server": server_cpu,
            "kernels": kernel_cpu,
            "learners (harness)": harness_cpu,
            "chromium": browser_cpu_s,
        },
        "burst_runqueue_wait_s": {"server": server_wait, "movers": movers_wait},
        "cpu_busy_before": busy_before,
        "movers_at_normal_priority": settled,
        "load_before": load_before,
        "load_after": load_after,
    }
    print(json.dumps(result), flush=True)
    return result, [ms for sent, ms, _ in sentinels.samples if t0 <= sent <= t_burst]


def profile_server(pid: int, name: str) -> Any:
    """With `--profile`: sample the Voila server's Python stacks (py-spy, 100 Hz, idle frames left out)
    for the burst; the folded stacks go to bench/results/profile-<name>.txt (where the time goes)."""
    if not PROFILER:
        return None
    import subprocess

    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"profile-{name}.txt"
    return subprocess.Popen(
        [PROFILER, "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def class_moves_on(
    base: str, server_pid: int, lessons: tuple[str, ...], size: int, within: float
) -> dict[str, Any]:
    """A class going from lesson to lesson: `size` learners open the first lesson at once, then each
    closes it and opens the next within `within` seconds (the teacher says "now lesson 03"), and so on.
    Per lesson: time to interactive (p50/p95/max) and how many were turned away."""
    await wait_idle(server_pid, None, 600)
    await wait_quiet()
    steps = []
    learners = [Learner(base, lessons[0], protocol=WS_PROTOCOL) for _ in range(size)]
    start = time.perf_counter()
    await asyncio.gather(*(learner.open(max_retries=20) for learner in learners))
    steps.append({"lesson": lessons[0], "wall_s": time.perf_counter() - start, **summary(learners)})
    for lesson in lessons[1:]:
        await asyncio.sleep(20)  # the class works on the lesson a while; the next one's pool fills
        moved = [Learner(base, lesson, protocol=WS_PROTOCOL) for _ in range(size)]

        async def move(i: int, old: Learner, new: Learner) -> None:
            await asyncio.sleep(within * i / size)
            await old.leave()
            await new.open(max_retries=20)

        start = time.perf_counter()
        await asyncio.gather(*(move(i, old, new) for i, (old, new) in enumerate(zip(learners, moved, strict=True))))
        steps.append({"lesson": lesson, "wall_s": time.perf_counter() - start, **summary(moved)})
        learners = moved
    await asyncio.gather(*(learner.leave() for learner in learners))
    result = {"size": size, "within_s": within, "steps": steps}
    print(json.dumps(result), flush=True)
    return result


async def run_mode(
    mode: str,
    lesson: str,
    sizes: list[int],
    spread: float,
    late: int,
    browser: Any,
    movers: int,
    every: float,
    cold_sizes: tuple[int, ...] = (),
    repeat: int = 1,
    move_on: tuple[str, ...] = (),
) -> dict:
    args = ["--lessons", lesson]
    is_class = mode.startswith("class")
    teacher = mode.startswith("teacher")
    if teacher:  # the README's command as a teacher types it: `alledu serve --class N`, nothing else
        args = ["--class", str(max(sizes))]
        ready = "ready for"
    elif is_class:
        # the class includes its late arrivals, the Chromium page and the learners moving controls
        prepared = max(sizes) + late + 1 + movers
        # the cap from memory counts 160 MiB RSS per kernel; the box is shared, so name it here
        args = ["--class", str(prepared), "--max-kernels", str(prepared + 10), *args]
        ready = f"ready for {prepared} learners"
        if mode == "class-nofork":  # kernels started from scratch, as before the forking template
            args.append("--no-fork")
    else:
        args = []
        ready = None
    start = time.perf_counter()
    with alledu_serve(*args, ready=ready, timeout=900) as (proc, base, lines):
        ready_s = time.perf_counter() - start
        lessons = len(list((ROOT / "alledu" / "lessons").glob("*.ipynb")))
        idle_count: int | None = lessons if mode == "default" else max(sizes) + late + 1 + movers + lessons - 1
        if teacher:
            idle_count = None  # the pools follow the class: no fixed count at rest
        await wait_idle(proc.pid, idle_count, 600 if teacher else 300)
        idle_memory = memory(list(kernels_of(proc.pid).values()))
        runs = []
        plan = [(size, 0.0, False) for size in sizes for _ in range(repeat)]
        if mode in ("class", "teacher"):
            plan += [(max(sizes), spread, False)] if spread and mode == "class" else []
            plan += [(size, 0.0, True) for size in cold_sizes if size <= max(sizes)] if browser else []
        assets: tuple[str, ...] = ()
        if any(cold for *_, cold in plan):
            assets = await cold_assets(browser, f"{base}voila/render/{lesson}.ipynb")
        pooled: dict[tuple[int, float, bool], list[float]] = {}
        for size, over, cold in plan:
            sentinels = MoversElsewhere(base, lesson, movers, every)
            run, burst_ms = await burst(
                base,
                proc.pid,
                lesson,
                size,
                over,
                late,
                idle_count,
                browser,
                is_class,
                sentinels,
                assets if cold else (),
            )
            runs.append(run)
            pooled.setdefault((size, over, cold), []).extend(burst_ms)
        moves = []
        if teacher and move_on:
            moves.append(await class_moves_on(base, proc.pid, move_on, max(sizes), within=10.0))
        warmup = [line.strip() for line in lines if "ready for" in line]
    # a burst of 60 gives some 12-17 updates, so its p95 is nearly its slowest: repeated bursts pooled
    repeated = [
        {"size": size, "bursts": repeat, "n": len(ms), "p50": pct(ms, 50), "p95": pct(ms, 95)}
        for (size, over, cold), ms in pooled.items()
        if repeat > 1 and not over and not cold
    ]
    return {
        "mode": mode,
        "ready_s": ready_s,
        "ready_line": warmup,
        "idle_kernels": idle_memory,
        "runs": runs,
        "burst_updates_pooled": repeated,
        "moves": moves,
    }


def arrival(r: dict[str, Any]) -> str:
    """How a run's class arrived: at once or spread, and as cold browsers or not."""
    how = "at once" if not r["spread_s"] else f"over {r['spread_s']:.0f} s"
    if r.get("cold_browsers"):
        how += f", cold browsers ({r['asset_mb_per_learner']:.2f} MB each)"
    return how


def updates(u: dict[str, float]) -> str:
    """Widget update latency cell: p50 / p95 (n)."""
    return f"{u['p50']:.0f} / {u['p95']:.0f} ({u['n']})"


def markdown(results: list[dict], lesson: str, setting: str = "") -> str:
    lines = [
        f"Lesson `{lesson}`; {setting}; each burst starts once the cores are under {QUIET_BELOW:.0%} busy "
        "(share busy in the second before it, and the 1-min load average before/after, shown); "
        f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB.",
        "",
        "| mode | class | arrival | p50 s | p95 s | max s | errors / turned away | late p95 s | Chromium s "
        "| update ms burst p50 / p95 (n) | update ms refill p50 / p95 (n) "
        "| kernel RSS / USS MiB (median) | burst CPU s (server / kernels / learners / Chromium) "
        "| idle restored s | busy before | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode in results:
        for r in mode["runs"]:
            a, k = r["all"], r["kernel_mib"]
            lines.append(
                f"| {mode['mode']} | {r['size']} | {arrival(r)} | {a['p50']:.2f} | {a['p95']:.2f} | {a['max']:.2f} "
                f"| {a['errors']} / {a.get('turned_away', 0)} | {r['late']['p95']:.2f} | {r['chromium_s']:.2f} "
                f"| {updates(r['update_ms_burst'])} | {updates(r['update_ms_refill'])} "
                f"| {k.get('rss_median', float('nan')):.0f} / {k.get('uss_median', float('nan')):.0f} "
                f"| {' / '.join(f'{v:.1f}' for v in r['burst_cpu_s'].values())} "
                f"| {r['idle_restored_s']:.0f} | {r['cpu_busy_before']:.0%} "
                f"| {r['load_before']:.1f}/{r['load_after']:.1f} |"
            )
    lines.append("")
    lines.append("Burst widget updates, where the time went (ms, p50 / p95; by the kernel's clock):")
    lines.append("")
    for mode in results:
        for r in mode["runs"]:
            parts = r["update_ms_burst"]["parts_ms"]
            split = ", ".join(
                f"{name.replace('_', ' ')} {parts['p50'][name]:.0f} / {parts['p95'][name]:.0f}" for name in parts["p50"]
            )
            wait = r.get("burst_runqueue_wait_s", {}).get("server", {})
            waited = ", ".join(f"{name} {secs:.2f}" for name, secs in wait.items() if secs >= 0.005)
            lines.append(
                f"- {mode['mode']} {r['size']} {arrival(r)}: {split}; the server's threads waited for a core "
                f"(s of the {r['burst_wall_s']:.1f} s burst): {waited or 'none'}"
            )
    lines.append("")
    for mode in results:
        for pooled in mode.get("burst_updates_pooled", []):
            lines.append(
                f"- {mode['mode']} {pooled['size']} at once, {pooled['bursts']} bursts pooled: burst updates "
                f"p50 / p95 {pooled['p50']:.0f} / {pooled['p95']:.0f} ms (n {pooled['n']})"
            )
        lines.append(f"- {mode['mode']}: server ready after {mode['ready_s']:.0f} s {mode['ready_line']}")
        for move in mode.get("moves", []):
            lines.append(
                f"- {mode['mode']}: a class of {move['size']} moving on (each closes the lesson and opens the next "
                f"within {move['within_s']:.0f} s): "
                + "; ".join(
                    f"{step['lesson']} p50 / p95 / max {step['p50']:.2f} / {step['p95']:.2f} / {step['max']:.2f} s, "
                    f"errors {step['errors']}, turned away {step['turned_away']}"
                    for step in move["steps"]
                )
            )
        for r in mode["runs"]:
            if r.get("update_errors"):
                lines.append(f"- {mode['mode']} {r['size']}: a learner moving a control failed: {r['update_errors']}")
    return "\n".join(lines) + "\n"


def svg(results: list[dict]) -> str:
    """Time to interactive (p50 and p95, at once) against class size, per mode: a small SVG."""
    width, height, pad = 560, 320, 50
    points = [
        (m["mode"] + (", cold browsers" if r.get("cold_browsers") else ""), r["size"], r["all"])
        for m in results
        for r in m["runs"]
        if not r["spread_s"]
    ]
    if not points:
        return ""
    xmax = max(size for _, size, _ in points) * 1.1
    ymax = max(max(a["p95"] for _, _, a in points if a["p95"] == a["p95"]), 2.5) * 1.1

    def xy(size: float, t: float) -> tuple[float, float]:
        return pad + size / xmax * (width - 2 * pad), height - pad - t / ymax * (height - 2 * pad)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="black"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="black"/>',
        f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">learners arriving at once</text>',
        f'<text x="14" y="{height / 2}" transform="rotate(-90 14 {height / 2})" text-anchor="middle">'
        "seconds to interactive</text>",
    ]
    x0, y2 = xy(0, 2.0)
    parts.append(f'<line x1="{x0}" y1="{y2}" x2="{width - pad}" y2="{y2}" stroke="#999" stroke-dasharray="4"/>')
    parts.append(f'<text x="{width - pad}" y="{y2 - 4}" text-anchor="end" fill="#666">target p95 2 s</text>')
    for t in range(0, int(ymax) + 1, max(1, int(ymax) // 6 or 1)):
        x, y = xy(0, t)
        parts.append(f'<text x="{x - 6}" y="{y + 4}" text-anchor="end">{t}</text>')
    colours = {"default": "#c0392b", "class": "#1f618d", "class-nofork": "#7d3c98", "class, cold browsers": "#117a65"}
    for mode in dict.fromkeys(m for m, _, _ in points):
        for q, dash in (("p50", ""), ("p95", ' stroke-dasharray="6 3"')):
            series = sorted((size, a[q]) for m, size, a in points if m == mode and a[q] == a[q])
            path = " ".join(f"{xy(s, t)[0]:.1f},{xy(s, t)[1]:.1f}" for s, t in series)
            colour = colours.get(mode, "black")
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            for s, t in series:
                x, y = xy(s, t)
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
            if series and q == "p95":
                x, y = xy(*series[-1])
                label = f"{mode}: p50 (solid), p95 (dashed)" if len(series) > 1 else f"{mode}: p50, p95"
                # a line's label ends above its last point; a lone point's ends left of it
                lx, ly = (x - 6, y - 10) if len(series) > 1 else (x - 8, y + 4)
                parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="end" fill="{colour}">{label}</text>')
    for size in sorted({s for _, s, _ in points}):
        x, y = xy(size, 0)
        parts.append(f'<text x="{x}" y="{y + 16}" text-anchor="middle">{size}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _hog() -> None:
    """Keep one core busy at normal priority, as a teacher's laptop is never idle (a browser, a
    projector's screen share, a video call)."""
    while True:
        pass


async def main_async(ns: argparse.Namespace) -> list[dict]:
    hog = None
    if ns.hog:
        hog = multiprocessing.Process(target=_hog, daemon=True)
        hog.start()
    browser = None
    pw = None
    if not ns.no_browser:
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        if ns.browser_nice:
            yield_cpu(ns.browser_nice)
    results = []
    try:
        for mode in ns.modes:
            sizes = {
                "default": ns.default_sizes,
                "class-nofork": ns.nofork_sizes,
                "teacher": ns.teacher_sizes,
                "teacher100": [100],
            }.get(mode, ns.sizes)
            results.append(
                await run_mode(
                    mode,
                    ns.lesson,
                    sizes,
                    ns.spread,
                    ns.late,
                    browser,
                    ns.movers,
                    ns.move_every,
                    tuple(ns.cold_sizes),
                    ns.repeat,
                    tuple(ns.move_on),
                )
            )
    finally:
        if browser:
            await browser.close()
        if pw:
            await pw.stop()
        if hog is not None:
            hog.terminate()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ints = lambda text: [int(x) for x in text.split(",") if x]  # noqa: E731
    parser.add_argument("--sizes", type=ints, default=[30, 60, 100], help="class sizes for class mode")
    parser.add_argument("--default-sizes", type=ints, default=[30, 60], help="class sizes for default serve")
    parser.add_argument(
        "--cold-sizes",
        type=ints,
        default=[60],
        help="class mode: also these classes at once with every learner fetching a cold browser's scripts and styles",
    )
    parser.add_argument("--nofork-sizes", type=ints, default=[60], help="class sizes for class mode with --no-fork")
    parser.add_argument(
        "--modes",
        type=lambda t: t.split(","),
        default=["teacher", "teacher100", "default", "class"],
        help="teacher (alledu serve --class N, as the README says), teacher100 (--class 100), default "
        "(alledu serve), class (--class N --lessons L --max-kernels M), class-nofork (the same, --no-fork)",
    )
    parser.add_argument("--lesson", default="02_bsa_and_dosing")
    parser.add_argument(
        "--teacher-sizes", type=ints, default=[30, 60], help="teacher mode: `alledu serve --class MAX` (README)"
    )
    parser.add_argument(
        "--move-on",
        type=lambda t: [x for x in t.split(",") if x],
        default=["02_bsa_and_dosing", "03_schedule_timeline", "04_eligibility_tree"],
        help="teacher mode: the class then moves through these lessons (empty: skip)",
    )
    parser.add_argument("--spread", type=float, default=30.0, help="class mode: also arrive over this many s")
    parser.add_argument("--late", type=int, default=5, help="learners arriving one by one after the burst")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium page")
    parser.add_argument(
        "--browser-nice", type=int, default=19, help="Chromium's CPU niceness (it stands for a learner's own device)"
    )
    parser.add_argument("--movers", type=int, default=3, help="learners moving a control throughout")
    parser.add_argument(
        "--ws", choices=["v1", "legacy"], default="v1", help="learners' websocket protocol (browsers: v1)"
    )
    parser.add_argument("--move-every", type=float, default=0.25, help="seconds between one mover's updates")
    parser.add_argument("--hog", action="store_true", help="keep one core busy throughout (another program)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="each at-once class this many times; burst updates pooled over them"
    )
    parser.add_argument(
        "--profile", metavar="PY_SPY", help="py-spy executable: profile the server in each burst (bench/results)"
    )
    ns = parser.parse_args()
    global WS_PROTOCOL, QUIET_BELOW, PROFILER
    PROFILER = ns.profile
    WS_PROTOCOL = V1_PROTOCOL if ns.ws == "v1" else ""
    QUIET_BELOW = 0.75 if ns.hog else 0.25
    print(f"load average before: {os.getloadavg()}", flush=True)
    results = asyncio.run(main_async(ns))
    OUT.mkdir(parents=True, exist_ok=True)
    setting = f"learners' websocket protocol {ns.ws}, Chromium at nice {ns.browser_nice}"
    if ns.hog:
        setting += "; another process keeps one core busy throughout"
    (OUT / "classroom.json").write_text(json.dumps(results, indent=1))
    (OUT / "classroom.md").write_text(markdown(results, ns.lesson, setting))
    (OUT / "classroom.svg").write_text(svg(results))
    print(markdown(results, ns.lesson, setting))
    return 0


if __name__ == "__main__":
    sys.exit(main())
