"""Kernel lifecycle for a class: a memory-derived cap, a throttled pool refill, and culling.

Why: Voila's pool refills every kernel taken at once (60 learners -> 60 kernel starts that
compete with the learners), never reclaims kernels of pages that were fetched but never
opened, and has no limit, so a crawler or a class hopping through lessons fills memory.
`ClassroomKernels` sits on top of Voila's pooled kernel manager (see `alledu.serve.app`):

- a cap on live kernels (`max_kernels`, default from available memory); a learner over the
  cap gets the self-retrying "class is full" page instead of a kernel;
- the refill starts one kernel at a time (two when the server is quiet), waits for a quiet
  moment after pages were served, runs the new kernel at a lower CPU priority until a
  learner takes it, and never goes over the cap;
- a learner's kernel that never opens its websocket is shut down after `connect_timeout`
  seconds, and one whose last websocket closed after `disconnect_grace` seconds (the page
  also asks for a shutdown when its tab closes);
- a kernel that fails to start (dies at start, or during its lesson run) costs its learner
  a retry, never a broken page or a hung request: a pooled one is shut down and replaced
  before anyone gets it; a learner's own start is checked (kernel_info) before the page is
  rendered, and a failure gives them the self-retrying "could not start" page; a kernel
  that died and was restarted empty before its page connected is shut down (and a pooled
  one replaced), so it is never handed out;
- class mode (`class_size`, `class_lessons`): pools sized for the class, warm-up progress
  and a "ready for N learners" line on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import Any

import psutil
import tornado.web
from tornado.ioloop import PeriodicCallback
from traitlets import Float, Int, List, default
from traitlets.config import LoggingConfigurable

MIB = 1024 * 1024
# Memory one more learner costs: the unique memory (USS) of the heaviest lesson kernel after heavy
# use, plus a margin (bench/kernel_memory.py measures it; docs/performance.md keeps the figures).
FORKED_KERNEL_MIB = 64  # forked (the default): heaviest 50 MiB USS after 300 interactions (lesson 03), + ~28%
SPAWNED_KERNEL_MIB = 160  # started from scratch (`alledu serve --no-fork`): RSS of the heaviest (~150 MiB) + margin
RESERVE_MIB = 1536  # left for the server, the OS and the page cache


def memory_cap(available_bytes: int | None = None, kernel_mib: int = FORKED_KERNEL_MIB) -> int:
    """How many lesson kernels fit in the memory available now (at least 2)."""
    if available_bytes is None:
        available_bytes = psutil.virtual_memory().available
    return max(2, int((available_bytes / MIB - RESERVE_MIB) // kernel_mib))


RETRY_MAX_S = 60.0  # the longest wait between two tries of a failing kernel start


def retry_delay(failures: int) -> float:
    """Seconds before the next try after `failures` failed starts in a row: 1, 2, 4 ... 60."""
    return min(RETRY_MAX_S, 2.0 ** max(0, min(failures - 1, 6)))


def can_restore_priority() -> bool:
    """May this process give a kernel back normal priority after lowering it?

    Why: a pooled kernel waits at a low priority and gets normal priority when a learner takes
    it; lowering a niceness again needs root or an RLIMIT_NICE of 20 (Linux). A teacher's laptop
    has neither: there a lowered kernel would stay at nice 19 for its learner's whole lesson, and
    starve whenever anything else keeps a core busy. Then pooled kernels keep normal priority.
    """
    import resource

    if os.geteuid() == 0:
        return True
    try:
        limit = resource.getrlimit(resource.RLIMIT_NICE)[0]
    except (AttributeError, OSError, ValueError):
        return False
    return limit == resource.RLIM_INFINITY or limit >= 20


def raise_socket_limits(context: Any) -> int:
    """Let the server open the sockets a full class needs; returns the ZMQ socket limit set.

    Why: the server holds one ZMQ socket per kernel (its activity watch) and about five per open
    lesson page, all in one ZMQ context whose default limit is 1,023 sockets: with 336 kernels and
    100 learners arriving at once, 14 of the 100 met "Too many open files" (HTTP 500, a closed
    websocket). Each socket also uses file descriptors, so the process's soft limit is raised to
    its hard limit first. Must run before the context's first socket (ZMQ sizes it then).
    """
    import resource

    import zmq

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        if hard == resource.RLIM_INFINITY or hard > soft:
            soft = 1 << 20 if hard == resource.RLIM_INFINITY else hard
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    sockets = int(max(1024, min(65536, soft // 2)))
    with contextlib.suppress(zmq.ZMQError):
        context.set(zmq.MAX_SOCKETS, sockets)
    return int(context.get(zmq.MAX_SOCKETS))


def say(line: str) -> None:
    """A progress line for the teacher's terminal (stdout, flushed at once)."""
    print(f"alledu: {line}", flush=True)


class ClassFull(Exception):
    """No kernel may start now: the cap on live kernels is reached."""


class Arrivals:
    """At most `at_once` arrivals (lesson pages, or kernel websocket set-ups) handled at a time; a
    learner waits at most `patience` s for a place.

    Why: when a class arrives at once, 60 page renders, 60 websocket set-ups (5 ZMQ sockets and
    a kernel-info exchange each) and their kernels' first answers fill the server's one event
    loop, and the learners already working wait behind all of them. Taken a few at a time, the
    arrivals are served in order and the others' updates get through (60 at once, widget update
    p95 about 0.5-1.2 s unlimited, 0.17-0.2 s two at a time; docs/performance.md), while the class
    is no slower to arrive (the burst is CPU-bound either way). One that hangs (a kernel that
    never answers) holds its place only `patience` seconds before the next goes ahead anyway.
    """

    def __init__(self, at_once: int, patience: float) -> None:
        self._free = asyncio.Semaphore(max(1, at_once))
        self.patience = patience

    @contextlib.asynccontextmanager
    async def slot(self) -> Any:
        try:
            await asyncio.wait_for(self._free.acquire(), self.patience)
        except TimeoutError:
            yield  # waited long enough: go ahead without a place
            return
        try:
            yield
        finally:
            self._free.release()


class KernelStartFailed(Exception):
    """A learner's new kernel died (or never answered) at start: they get the retry page."""


class ClassroomKernels(LoggingConfigurable):
    """Mixin placed above Voila's `VoilaKernelManager` (MRO), configured as `ClassroomKernels`."""

    max_kernels = Int(0, config=True, help="Cap on live kernels; 0 = derive from available memory.")
    connect_timeout = Float(45.0, config=True, help="Seconds a learner's kernel may wait for its websocket.")
    disconnect_grace = Float(60.0, config=True, help="Seconds a kernel is kept after its last websocket closed.")
    sweep_interval = Float(5.0, config=True, help="Seconds between culling sweeps.")
    refill_quiet = Float(2.0, config=True, help="Seconds without a served page before the refill starts a kernel.")
    # The lowest priority: an arriving class's kernels (taken from the pool, still at this
    # niceness for `arrival_settle`) then weigh 15 each against the server's 1024 instead of
    # 110 at nice 10; 20 of them busy at once no longer outweigh the one event loop every
    # learner's page and update goes through (docs/performance.md, 2026-12-05).
    refill_nice = Int(19, config=True, help="CPU niceness of a pooled kernel until a learner takes it.")
    arrival_settle = Float(
        5.0,
        config=True,
        help="Seconds a taken pooled kernel keeps its pool niceness (while it sends its widgets), "
        "so learners already working keep quick answers during a class's arrival.",
    )
    arrivals_at_once = Int(2, config=True, help="Kernel websockets set up at the same time (see Arrivals).")
    pages_at_once = Int(2, config=True, help="Lesson pages (with a pooled kernel) rendered at the same time.")
    arrival_patience = Float(2.0, config=True, help="Longest wait, in seconds, for a page or websocket place.")
    refill_parallel = Int(2, config=True, help="Kernels started at once by the warm-up and the refill.")
    refill_max_wait = Float(20.0, config=True, help="Longest wait for a quiet moment before refilling anyway.")
    class_size = Int(0, config=True, help="Class mode: learners to prepare for (0 = off).")
    class_lessons = List(config=True, help="Class mode: lesson ids (empty = whichever lessons the class opens).")
    kernel_mib = Int(FORKED_KERNEL_MIB, config=True, help="Memory one more learner's kernel is budgeted (MiB).")
    follow_window = Float(
        120.0, config=True, help="Class mode without lessons: seconds a lesson stays 'in use' after its last page."
    )
    start_timeout = Float(120.0, config=True, help="Seconds a learner's new kernel may take to answer.")

    @default("max_kernels")
    def _max_kernels_default(self) -> int:
        return memory_cap(kernel_mib=self.kernel_mib)

    def __init__(self, **kwargs: Any) -> None:
        self._refill_slot: asyncio.Semaphore | None = None
        self._last_page = 0.0
        self._turned_away = -1e9  # when a learner last got the "class is full" page
        self._reservations: list[float] = []  # cold starts admitted, not yet begun
        self._starting = 0
        self._pools: dict[str, list[Any]] = {}
        self._pooled: set[str] = set()
        self._handed_out: dict[str, float] = {}  # kernel id -> when a learner got it
        self._connected_once: set[str] = set()
        self._disconnected_at: dict[str, float] = {}
        self._warmup_total = 0
        self._warmup_done = 0
        self._prepared = self.class_size  # learners per lesson actually prepared (cap permitting)
        self._class_sizes: dict[str, int] = {}  # class lesson -> kernels kept for it (pooled + in use)
        self._lesson_of: dict[str, str] = {}  # learner's kernel id -> its lesson
        self._running_lesson: set[str] = set()  # pooled kernels whose lesson run is not over
        self._lesson_process: dict[str, Any] = {}  # pooled kernel id -> process that ran the lesson
        self._tasks: set[asyncio.Future] = set()  # background shutdowns in flight
        self._claims: dict[str, list[float]] = {}  # lesson -> pooled kernels promised to pages being rendered
        self._evicting: set[str] = set()  # idle pooled kernels being shut down to make room for a learner
        self._follow = False  # class mode without --lessons: pools follow the lessons in use
        self._order: list[str] = []  # the class's lessons, in lesson order (notebook names)
        self._per_lesson = 0  # kernels each class lesson starts with (follow mode)
        self._demand: dict[str, float] = {}  # lesson -> when a page of it was last asked for
        self.evicted = 0  # idle pooled kernels given up for arriving learners (for the log and tests)
        self._stopping = False
        self._start_failures = 0  # kernel starts failed in a row (a full /tmp fails every one)
        super().__init__(**kwargs)
        self.max_sockets = raise_socket_limits(self.context)
        if self.max_kernels <= 0:
            self.max_kernels = memory_cap(kernel_mib=self.kernel_mib)
        self._sweeper = PeriodicCallback(self._sweep, self.sweep_interval * 1000)
        self._sweeper.start()
        self.arrivals = Arrivals(self.arrivals_at_once, self.arrival_patience)
        self.pages = Arrivals(self.pages_at_once, self.arrival_patience)

    # ---- pool sizing (class mode) -------------------------------------------------------

    @default("kernel_pools_config")
    def _class_pools(self) -> dict[str, Any]:
        default_size = max(self._voila_default_pool(), 0)
        pools: dict[str, Any] = {"default": {"pool_size": default_size}}
        if self.class_size > 0:
            every = [p.stem for p in self._lesson_paths()]
            if self.class_lessons:
                lessons = self.class_lessons
            else:  # whichever lesson the class opens: every learners' lesson, sized to follow the class
                self._follow = True
                teachers = self._teacher_lessons()
                lessons = [lesson for lesson in self._lesson_order(every) if lesson not in teachers]
                self._order = [f"{lesson}.ipynb" for lesson in lessons]
            others = default_size * (len(every) - len(lessons))
            per_lesson = min(self.class_size, max(1, (self.max_kernels - others) // len(lessons)))
            if per_lesson < self.class_size and not self._follow:
                say(
                    f"a class of {self.class_size} on {len(lessons)} lesson(s) needs "
                    f"{self.class_size * len(lessons) + others} kernels; the memory cap is {self.max_kernels}: "
                    f"preparing {per_lesson} per lesson (raise --max-kernels or name fewer --lessons)"
                )
            self._prepared = per_lesson
            self._per_lesson = per_lesson
            for lesson in lessons:
                pools[f"{lesson}.ipynb"] = {"pool_size": per_lesson}
                self._class_sizes[f"{lesson}.ipynb"] = per_lesson
            if self._follow:  # any one lesson: every arrival past its pool takes an idle kernel's place
                self._prepared = min(self.class_size, self.max_kernels - others)
        return pools

    @staticmethod
    def _teacher_lessons() -> set[str]:
        from alledu.content_loader import content

        return {lesson.id for lesson in content().lessons.lessons if lesson.for_teachers}

    @staticmethod
    def _lesson_order(stems: list[str]) -> list[str]:
        """The notebooks in the content's lesson order (any others after them, by name)."""
        from alledu.content_loader import content

        order = [lesson.id for lesson in content().lessons.lessons]
        return sorted(stems, key=lambda stem: (order.index(stem) if stem in order else len(order), stem))

    def ready_line(self) -> str:
        """What the teacher is told is ready: the number a class arriving at once gets in."""
        if self._follow:
            return (
                f"ready for {self._prepared} learners on any one lesson ({self._per_lesson} kernels waiting on "
                f"each of {len(self._order)} lessons; more start as a class arrives, cap {self.max_kernels})"
            )
        return f"ready for {self._prepared} learners ({self._warmup_total} kernels, cap {self.max_kernels})"

    # ---- following the class (class mode without --lessons) ---------------------------------

    def _wanted(self) -> list[str]:
        """Lessons in use (a page asked for within `follow_window` s, or learners in them), most
        recent first, each followed by the next lesson in order: where the class is and goes next."""
        now = time.monotonic()
        active = [
            name
            for name in self._order
            if now - self._demand.get(name, -1e9) < self.follow_window or self._in_use(name) > 0
        ]
        active.sort(key=lambda name: -self._demand.get(name, 0.0))
        wanted: list[str] = []
        for name in active:
            following = self._order[self._order.index(name) + 1 : self._order.index(name) + 2]
            for lesson in [name, *following]:
                if lesson not in wanted:
                    wanted.append(lesson)
        return wanted

    def _retarget(self) -> None:
        """Give the lessons in use (and the next ones) the class's size; the others share what is left.

        Targets count a lesson's kernels in all (in use + pooled). Lowering a target shuts nothing
        down by itself: an idle lesson's pooled kernels are given up only when the cap needs room
        (`_evict`), so a class that comes back soon still finds them.
        """
        if not self._follow:
            return
        budget = self.max_kernels - sum(
            self.kernel_pools_config.get("default", {}).get("pool_size", 0) for _ in self._teacher_lessons()
        )
        wanted = self._wanted()
        targets: dict[str, int] = {}
        for name in wanted:
            targets[name] = max(0, min(self.class_size, budget))
            budget -= targets[name]
        rest = [name for name in self._order if name not in targets]
        for name in rest:
            targets[name] = min(self._per_lesson, max(0, budget) // max(1, len(rest)))
        for name, target in targets.items():
            grew = target > self._class_sizes.get(name, 0)
            self._class_sizes[name] = target
            if grew and not self._stopping:
                self.fill_if_needed(delay=None, notebook_name=name)

    def _evict(self, for_lesson: str, surplus_only: bool) -> bool:
        """Shut down one idle pooled kernel of another lesson to make room; True if one was found.

        Only kernels waiting in a pool (never one a learner has); first from lessons nobody uses,
        the one with the most kernels waiting above its target. `surplus_only`: only above target
        (the refill rebalancing); otherwise any idle one (a learner is at the door).
        """
        wanted = set(self._wanted()) if self._follow else set()
        best: tuple[tuple[int, int], str, asyncio.Task] | None = None
        for name in list(self._pools):
            if name == for_lesson:
                continue
            ready = [t for t in self._started(name) if t.result()["kernel_id"] not in self._evicting]
            if not ready:
                continue
            target = self._class_sizes.get(name, 0)
            above = len(ready) + self._in_use(name) - target
            if surplus_only and above <= 0:
                continue
            rank = (0 if name in wanted else 1, above)
            if best is None or rank > best[0]:
                best = (rank, name, ready[-1])
        if best is None:
            return False
        _, name, task = best
        kid = task.result()["kernel_id"]
        self._pools[name].remove(task)
        self._evicting.add(kid)
        self.evicted += 1
        self.log.info("giving up an idle %s kernel (%s) to make room for %s", name, kid, for_lesson)

        async def shut() -> None:
            try:
                await self.shutdown_kernel(kid, now=True)
            except Exception as exc:
                self.log.info("an idle kernel given up was already gone (%s)", exc)
            finally:
                self._evicting.discard(kid)

        self._background(shut())
        return True

    def _voila_default_pool(self) -> int:
        return int(self.parent.voila_configuration.default_pool_size)

    def _lesson_paths(self) -> list[Any]:
        from pathlib import Path

        return sorted(Path(self.parent.root_dir).glob("*.ipynb"))

    def fill_if_needed(self, delay: float | None = None, notebook_name: str | None = None, **kwargs: Any) -> None:
        """Voila's refill, queued behind the refill slots (see `_initialize`) instead of a timer.

        A class lesson keeps N kernels in all (pooled + in use, and at least one spare): while
        the class is in, nothing is refilled behind it; as learners leave, the pool grows back.
        """
        if self._stopping:
            return
        if notebook_name in self._class_sizes:
            target = max(1, self._class_sizes[notebook_name] - self._in_use(notebook_name))
            self.kernel_pools_config[notebook_name]["pool_size"] = target
        before = len(self._pools.get(notebook_name, []))
        super().fill_if_needed(delay=0, notebook_name=notebook_name, **kwargs)
        added = len(self._pools.get(notebook_name, [])) - before
        if delay == 0 and added > 0:  # Voila's start-up fill: the warm-up the teacher waits for
            self._warmup_total += added

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs: Any) -> Any:
        """Start (or re-run after a restart) a lesson kernel; new pool kernels are throttled."""
        if kernel_id is not None:  # Voila re-running a restarted kernel: not a pool start
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        if self._refill_slot is None:
            self._refill_slot = asyncio.Semaphore(self.refill_parallel)
        async with self._refill_slot:
            if self._warmup_done >= self._warmup_total:  # after warm-up: learners go first
                since = time.monotonic()
                while (
                    time.monotonic() - self._last_page < self.refill_quiet
                    and time.monotonic() - since < self.refill_max_wait
                ):
                    await asyncio.sleep(0.25)
            # under the cap, and never taking a place a turned-away learner is retrying for; a
            # lesson the class uses takes the place of another lesson's surplus idle kernel
            while self._live_count() >= self.max_kernels or time.monotonic() - self._turned_away < 15:
                if self._live_count() >= self.max_kernels and self._follow and self._wants_more(notebook_path):
                    self._evict(notebook_path, surplus_only=True)
                await asyncio.sleep(1.0)
            self._starting += 1
            try:
                result = await super()._initialize(notebook_path, None, **kwargs)
            except Exception as exc:  # e.g. a kernel that died at start: retry, never stall
                self._failed_start(notebook_path, "failed to start", exc)
                raise
            finally:
                self._starting -= 1
            kid = result["kernel_id"]
            self._pooled.add(kid)
            if can_restore_priority():  # else it would stay at the pool's priority after a learner takes it
                self._renice(kid, self.refill_nice)
            self._watch_restarts(kid)
            process = self._process_of(kid)
            # hold the slot until the lesson has run, so starts never pile up
            self._running_lesson.add(kid)
            try:
                await self._run_lesson(kid, process, result["task"])
                await self._ask_kernel_info(kid)
                self._lesson_process[kid] = process
            except Exception as exc:  # the lesson did not run (kernel died): never hand it out
                if self._stopping:  # the server is stopping and shut it down itself
                    raise
                with contextlib.suppress(Exception):
                    await self.shutdown_kernel(kid)
                self._failed_start(notebook_path, "failed to run the lesson", exc)
                raise
            finally:
                self._running_lesson.discard(kid)
        if self._start_failures:
            self.log.info("lesson kernels start again, after %d failed starts", self._start_failures)
            self._start_failures = 0
        self._count_warmup()
        return result

    def _failed_start(self, notebook_path: str, what: str, exc: BaseException) -> None:
        """Retry a failed pool start later and later (1, 2, 4 ... 60 s), saying so once per run of
        failures: with /tmp full every start fails, and a retry each second wrote 204 empty
        connection files and ~1.7 kB/s of log in 2.5 min (issue 24)."""
        self._start_failures += 1
        delay = retry_delay(self._start_failures)
        if self._start_failures == 1:
            self.log.warning(
                "a %s kernel %s (%s); retrying, waiting longer after each failure (up to %.0f s)",
                notebook_path,
                what,
                exc,
                RETRY_MAX_S,
            )
        else:
            self.log.debug(
                "kernel start %d in a row %s (%s); next try in %.0f s", self._start_failures, what, exc, delay
            )
        asyncio.get_running_loop().call_later(delay, self._retry_pool, notebook_path)

    async def _run_lesson(self, kid: str, process: Any, task: asyncio.Task) -> None:
        """Wait for a pooled kernel's lesson run; raise if the kernel died meanwhile.

        nbclient reports a kernel that died mid-lesson as an error cell and goes on with the
        next cells, which can wait forever on a kernel the restarter brought back (no cell
        timeout): the kernel's process is watched every second instead.
        """
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # retrieved, even if left
        started = time.monotonic()
        while True:
            done, _ = await asyncio.wait({task}, timeout=1.0)
            if self._process_of(kid) != process or not await self.get_kernel(kid).is_alive():
                raise KernelStartFailed("the kernel died while running the lesson")
            if done:
                task.result()  # raises if the lesson run failed
                return
            if time.monotonic() - started > self.start_timeout:
                raise KernelStartFailed(f"the lesson did not run within {self.start_timeout:.0f} s")

    async def _ask_kernel_info(self, kid: str) -> None:
        """Ask a pooled kernel for its info now, during the quiet refill, for its first websocket.

        Why: jupyter_server asks every kernel once for its protocol version when the first
        websocket to it opens (a ZMQ socket of its own, a request and two status messages),
        and the first websocket of a pooled kernel opens just when the whole class arrives.
        The answer is kept where jupyter_server looks for it (`_kernel_info_future`). A kernel
        that does not answer within 10 s (it has just run its lesson: it answers in
        milliseconds unless it died) is dropped as a failed start, and the refill goes on.
        """
        kernel = self.get_kernel(kid)
        client = kernel.client()
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        try:
            reply = await client.kernel_info(reply=True, timeout=min(10.0, self.start_timeout))
        except TimeoutError:
            raise KernelStartFailed("the kernel did not answer kernel_info after its lesson") from None
        finally:
            client.stop_channels()
        answer: asyncio.Future = asyncio.get_running_loop().create_future()
        answer.set_result(reply["content"])
        kernel._kernel_info_future = answer

    def _retry_pool(self, notebook_path: str) -> None:
        """Drop failed starts from a pool and top it up again."""
        self._drop_failed()
        self.fill_if_needed(delay=None, notebook_name=notebook_path)

    def _drop_failed(self) -> None:
        """Remove failed starts from every pool.

        Why at once, and not only when a pool is used: Voila's own `shutdown_kernel` reads the
        result of every finished pooled start, so while one failed start sits in any pool every
        shutdown raises: the close-tab shutdown answers 500 and culling cannot stop a kernel.
        """
        for pool in self._pools.values():
            for task in [t for t in pool if t.done() and (t.cancelled() or t.exception() is not None)]:
                pool.remove(task)

    def _count_warmup(self) -> None:
        if self._warmup_done < self._warmup_total:
            self._warmup_done += 1
            if self.class_size > 0:
                say(f"warming up: {self._warmup_done}/{self._warmup_total} lesson kernels ready")
                if self._warmup_done == self._warmup_total:
                    say(self.ready_line())

    # ---- handing kernels to learners ------------------------------------------------------

    def get_pool_size(self, notebook_name: str) -> int:
        """Ready pooled kernels; 0 unless one of them is healthy (a learner never queues behind
        a kernel still starting, nor gets a dead one). Voila and `admit` only test for > 0, so
        health is checked up to the first healthy kernel: one check per page, not per kernel.
        """
        started = self._started(notebook_name)
        return len(started) if any(self._healthy(t.result()["kernel_id"]) for t in started) else 0

    def _started(self, notebook_name: str) -> list[asyncio.Task]:
        """Pooled starts that have run the lesson."""
        return [
            task
            for task in self._pools.get(notebook_name, [])
            if task.done() and not task.cancelled() and task.exception() is None
        ]

    def _healthy(self, kid: str) -> bool:
        """Alive and not restarted since its lesson ran.

        The restarter looks every 3 s: a pooled kernel killed just now still looks pooled, and
        one it restarted is alive but empty. Either would give a learner a page that never works.
        """
        pid = self._process_of(kid)
        if pid is None or pid != self._lesson_process.get(kid, pid):
            return False
        try:  # not Popen.poll(): it says None while another waiter holds the process's lock
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    async def get_rendered_notebook(self, notebook_name: str, *args: Any, **kwargs: Any) -> Any:
        """Take the first healthy pooled kernel (dropping failed and dead ones), at normal priority."""
        self._drop_failed()
        pool = self._pools.get(notebook_name, [])
        for task in self._started(notebook_name):
            kid = task.result()["kernel_id"]
            if self._healthy(kid):  # Voila pops index 0; put it there
                pool.remove(task)
                pool.insert(0, task)
                self._lesson_of[kid] = notebook_name  # before Voila's refill
                break
            pool.remove(task)  # died in the pool: never handed out; shut down and replaced
            self.log.warning("pooled kernel %s died; replacing it", kid)
            self._background(self._drop(kid, notebook_name))
        claims = self._claims.get(notebook_name)
        if claims:
            claims.pop(0)  # the pooled kernel `admit` promised this page
        render_task, cache, kid = await super().get_rendered_notebook(notebook_name, *args, **kwargs)
        self._pooled.discard(kid)
        self._handed_out[kid] = time.monotonic()
        # normal priority once its page is up: during a burst, the kernels of the learners
        # already at work win the 2 cores over the arriving ones (whose work is one-off)
        asyncio.get_running_loop().call_later(self.arrival_settle, self._renice, kid, 0)
        return render_task, cache, kid

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        """A learner's cold start (no ready pooled kernel): admitted under the cap only."""
        script = (kwargs.get("env") or {}).get("SCRIPT_NAME", "")  # the lesson page's path
        lesson = script.rsplit("/render/", 1)[1] if "/render/" in script else ""
        if self._reserved() > 0:
            self._reservations.pop(0)  # the handler reserved this start in `admit`
        elif self._live_count() >= self.max_kernels and not self._evict(lesson, surplus_only=False):
            raise ClassFull(f"{self._live_count()} live kernels, cap {self.max_kernels}")
        self._starting += 1  # counted until listed: concurrent cold starts never pass the cap together
        try:
            kid = await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1
        self._handed_out[kid] = time.monotonic()
        if lesson:
            self._lesson_of[kid] = lesson
        self._watch_restarts(kid)
        try:
            await self._wait_ready(kid)
        except Exception as exc:
            # Voila would render the page head, then wait forever for a lesson that cannot run
            self.log.warning("a learner's kernel %s failed to start (%r); they get the retry page", kid, exc)
            with contextlib.suppress(Exception):
                await self.shutdown_kernel(kid)
            raise KernelStartFailed(repr(exc)) from exc
        return kid

    async def _wait_ready(self, kid: str) -> None:
        """Until the new kernel answers kernel_info; raises if it died or was restarted first."""
        kernel = self.get_kernel(kid)
        process = self._process_of(kid)
        client = kernel.client()
        client.start_channels()
        deadline = time.monotonic() + self.start_timeout
        try:
            while True:
                try:
                    await client.wait_for_ready(timeout=2)
                    return
                except RuntimeError:  # died, or no answer within 2 s
                    if self._process_of(kid) != process or not await kernel.is_alive():
                        raise RuntimeError("the kernel died at start") from None
                    if time.monotonic() > deadline:
                        raise
        finally:
            client.stop_channels()

    def _process_of(self, kid: str) -> Any:
        """The kernel's process id (a restart gives it a new one); None if unknown."""
        try:
            return getattr(self.get_kernel(kid).provisioner, "pid", None)
        except (KeyError, tornado.web.HTTPError):  # jupyter_server says 404 for an unknown id
            return None

    def _watch_restarts(self, kid: str) -> None:
        with contextlib.suppress(Exception):
            self.add_restart_callback(kid, lambda: self._kernel_restarted(kid), "restart")

    def _kernel_restarted(self, kid: str) -> None:
        """The restarter is bringing a dead kernel back, empty (Voila does not run the lesson again).

        A learner whose page is connected is told by the page itself (alledu-session.js). A
        kernel nobody connected to yet (pooled, or a page still loading) would be handed out or
        left with a page whose widgets do not exist: shut it down, and replace a pooled one.
        """
        if kid in self._connected_once or kid in self._running_lesson or self._stopping:
            return  # the page says so; or `_initialize` drops it when the lesson run is over
        self.log.warning("kernel %s died before its page connected; shutting it down", kid)
        asyncio.get_running_loop().call_later(1.0, lambda: self._background(self._drop(kid)))

    def _background(self, work: Any) -> None:
        """Run a coroutine on the loop, keeping a reference until it is done."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drop(self, kid: str, lesson: str | None = None) -> None:
        """Shut down a kernel that restarted empty; top its pool up again if it was pooled."""
        for name, pool in self._pools.items():
            for task in pool:
                ready = task.done() and not task.cancelled() and task.exception() is None
                if ready and task.result()["kernel_id"] == kid:
                    lesson = name
        if kid in self:
            with contextlib.suppress(Exception):
                await self.shutdown_kernel(kid)
        if lesson is not None and not self._stopping:
            self.fill_if_needed(delay=None, notebook_name=lesson)

    def _in_use(self, notebook_name: str) -> int:
        """Learners' kernels running for this lesson."""
        return sum(1 for kid, name in self._lesson_of.items() if name == notebook_name and kid in self)

    def page_served(self, notebook_name: str | None = None) -> None:
        """A lesson page was requested: the refill waits for a quiet moment, and (class mode
        without --lessons) the pools turn toward this lesson and the next."""
        self._last_page = time.monotonic()
        if notebook_name in self._class_sizes and self._follow:
            before = self._wanted()
            self._demand[notebook_name] = self._last_page
            if self._wanted()[:2] != before[:2]:
                self._retarget()

    def _wants_more(self, notebook_name: str) -> bool:
        """Is this lesson below its target (kernels in use + pooled + starting)?"""
        pool = self._pools.get(notebook_name, [])
        return len(pool) + self._in_use(notebook_name) <= self._class_sizes.get(notebook_name, 0)

    def spare(self, notebook_name: str) -> int:
        """Learners this lesson could take now: its unpromised pooled kernels, room under the cap,
        and other lessons' idle pooled kernels (each can make way for one)."""
        claims = len(self._claims.get(notebook_name, []))
        mine = max(0, self.get_pool_size(notebook_name) - claims)
        idle = sum(
            1
            for name in self._pools
            if name != notebook_name
            for t in self._started(name)
            if t.result()["kernel_id"] not in self._evicting
        )
        return mine + max(0, self.max_kernels - self._live_count()) + idle

    def admit(self, notebook_name: str, keep: int = 0) -> bool:
        """May this request have a kernel? Reserves a cold start when it needs one; at the cap, a
        learner takes the place of another lesson's idle pooled kernel (never a learner's).
        `keep`: places left for the learners ahead in the queue (they go first)."""
        if keep > 0 and self.spare(notebook_name) <= keep:
            self._turned_away = time.monotonic()
            return False
        self.page_served(notebook_name)
        claims = self._claims.setdefault(notebook_name, [])
        now = time.monotonic()
        claims[:] = [t for t in claims if now - t < 30]  # a page that never took its kernel
        if self.get_pool_size(notebook_name) > len(claims):  # a pooled kernel nobody has been promised
            claims.append(now)
            return True
        if self._live_count() >= self.max_kernels and not self._evict(notebook_name, surplus_only=False):
            self._turned_away = time.monotonic()
            return False
        self._reservations.append(time.monotonic())
        return True

    def _reserved(self) -> int:
        """Reservations younger than 30 s (a request that never started its kernel expires)."""
        now = time.monotonic()
        self._reservations = [t for t in self._reservations if now - t < 30]
        return len(self._reservations)

    def _live_count(self) -> int:
        """Kernels running or starting, and cold starts reserved (not those being given up)."""
        ids = self.list_kernel_ids()
        return len(ids) - len(self._evicting.intersection(ids)) + self._starting + self._reserved()

    # ---- culling -------------------------------------------------------------------------

    def notify_connect(self, kernel_id: str) -> None:
        self._connected_once.add(kernel_id)
        self._disconnected_at.pop(kernel_id, None)
        super().notify_connect(kernel_id)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        if self._kernel_connections.get(kernel_id, 0) <= 0:
            self._disconnected_at[kernel_id] = time.monotonic()

    async def _sweep(self) -> None:
        """Shut down learners' kernels that never connected, or whose page went away; let the
        pools of lessons the class has left shrink (class mode without --lessons)."""
        if self._follow and not self._stopping:
            self._retarget()
        now = time.monotonic()
        for kid in list(self._handed_out):
            if kid not in self:
                self._forget(kid)
                continue
            if self._kernel_connections.get(kid, 0) > 0:
                continue
            if kid not in self._connected_once:
                reason, age, limit = "never connected", now - self._handed_out[kid], self.connect_timeout
            else:
                reason, age, limit = "page gone", now - self._disconnected_at.get(kid, now), self.disconnect_grace
            if age >= limit:
                self.log.info("culling kernel %s: %s for %.0f s", kid, reason, age)
                self._forget(kid)
                with contextlib.suppress(Exception):
                    await self.shutdown_kernel(kid)

    def _forget(self, kid: str) -> None:
        self._handed_out.pop(kid, None)
        self._connected_once.discard(kid)
        self._disconnected_at.pop(kid, None)

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> Any:
        self._forget(kernel_id)
        self._pooled.discard(kernel_id)
        self._lesson_process.pop(kernel_id, None)
        lesson = self._lesson_of.pop(kernel_id, None)
        self._drop_failed()
        result = await super().shutdown_kernel(kernel_id, *args, **kwargs)
        self._close_websockets(kernel_id)
        if lesson in self._class_sizes:  # a learner left a class lesson: its place is prepared again
            self.fill_if_needed(delay=None, notebook_name=lesson)
        return result

    async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:
        """Stop every kernel; one that vanished meanwhile (a start failing) never fails the stop.

        A kernel still starting when the server is stopped can be gone between being listed
        and being shut down (404 'Kernel does not exist'); that used to make Voila exit 1.
        """
        self._stopping = True
        self._sweeper.stop()
        for _ in range(3):
            try:
                await super().shutdown_all(*args, **kwargs)
            except Exception as exc:  # stopping goes on whatever one kernel did
                self.log.info("while stopping, a kernel was already gone (%s); stopping the rest", exc)
                await asyncio.sleep(0.2)
            else:
                if not self.list_kernel_ids():
                    break
        from alledu.serve.forking import Template

        Template.stop()  # the warm template kernels were forked from (alledu/serve/forking.py)

    @staticmethod
    def _close_websockets(kernel_id: str) -> None:
        """Close the pages' websockets of a kernel that is gone, so each page can say so.

        jupyter_server leaves them open on a dead kernel; the page would keep showing widgets
        that no longer compute (alledu-session.js shows the reload message on close).
        """
        from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

        for handler in list(ZMQChannelsWebsocketConnection._open_sessions.values()):
            if getattr(handler, "kernel_id", None) == kernel_id:
                with contextlib.suppress(Exception):
                    handler.close(1000, "kernel shut down")

    def start_watching_activity(self, kernel_id: str) -> None:
        """jupyter_server's activity watcher (culling, execution state), reading only what it uses.

        Why: the original runs `Session.deserialize` (JSON and date parsing of the header, parent
        header and metadata) on every IOPub message of every kernel, on the server's event loop:
        23% of that loop's time while 60 learners arrived at once (py-spy, lesson 02), time the
        learners already at work waited for. Same bookkeeping as jupyter_server 2's; it reads
        the header and parent header (and a status message's content) with plain `json.loads`.
        The messages come from the kernel's own local socket; they are not forwarded from here.
        """
        import json

        from jupyter_server._tz import utcnow

        kernel = self._kernels[kernel_id]
        kernel.reason = ""
        kernel.last_activity = utcnow()
        kernel._activity_stream = kernel.connect_iopub()
        session = kernel.session

        def record_activity(msg_list: list[bytes]) -> None:
            try:
                _idents, frames = session.feed_identities(msg_list)
                msg_type = json.loads(frames[1]).get("msg_type")  # [signature, header, parent, ...]
                parent_type = json.loads(frames[2]).get("msg_type")
            except (ValueError, IndexError, AttributeError):
                return
            if (
                self.track_message_type(msg_type)
                or self.track_message_type(parent_type)
                or kernel.execution_state == "busy"
            ):
                self.last_kernel_activity = kernel.last_activity = utcnow()
            if msg_type == "status":
                try:
                    state = json.loads(frames[4])["execution_state"]
                except (ValueError, IndexError, KeyError, TypeError):
                    return
                if self.track_message_type(parent_type):
                    kernel.execution_state = state
                elif kernel.execution_state == "starting" and state != "starting":
                    kernel.execution_state = "idle"  # as jupyter_server normalises it

        kernel._activity_stream.on_recv(record_activity)

    def _renice(self, kernel_id: str, nice: int) -> None:
        """Set a kernel's CPU niceness (lowering it back needs root; otherwise it stays).

        Each kernel leads its own session, and with Linux's autogroup scheduling (on by default
        on desktops and here) a process's nice only counts inside its session's group: the
        group's own nice (/proc/PID/autogroup) is what weighs against the other kernels.
        """
        try:
            pid = self.get_kernel(kernel_id).provisioner.pid
            os.setpriority(os.PRIO_PROCESS, pid, nice)
        except (AttributeError, KeyError, OSError, TypeError, tornado.web.HTTPError):  # gone: 404 from jupyter_server
            return
        with contextlib.suppress(OSError), open(f"/proc/{pid}/autogroup", "w") as group:
            group.write(str(nice))
