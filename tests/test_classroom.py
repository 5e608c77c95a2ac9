"""A class on one served lesson: class mode, the kernel cap, culling, signals, kernel loss.

Real `alledu serve` processes (the CLI a teacher runs) or Voila started exactly as it starts it,
protocol-level learners (tests/learners.py) and, for the tab close and the lost kernel, a real
Chromium. Class sizes are small here (3); bench/classroom.py does the big ones.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from alledu.serve.kernels import ClassroomKernels
from tests.learners import Learner
from tests.server import alledu_serve, running_server

LESSON = "02_bsa_and_dosing"


def kernel_process(kernel_id: str) -> psutil.Process | None:
    """The kernel process whose connection file names this kernel id."""
    for proc in psutil.process_iter(["cmdline"]):
        if any(kernel_id in part for part in proc.info["cmdline"] or []):
            return proc
    return None


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def run_async(coro):
    """Run a coroutine to the end in a thread of its own: the run's shared Playwright (sync API)
    keeps an event loop in the main thread, where asyncio.run() is refused."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def command(proc: psutil.Process) -> str:
    """A process's command line; "" for one that exited meanwhile (a zombie not reaped yet)."""
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def niceness(proc: psutil.Process) -> tuple[int, int]:
    """(process nice, its autogroup's nice); the second equals the first without autogroups."""
    try:
        group = Path(f"/proc/{proc.pid}/autogroup").read_text().split()[-1]
    except OSError:
        return proc.nice(), proc.nice()
    return proc.nice(), int(group)


def gone(kernel_id: str) -> bool:
    proc = kernel_process(kernel_id)
    return proc is None or proc.status() == psutil.STATUS_ZOMBIE


@pytest.fixture
def odd_cwd(tmp_path: Path) -> Path:
    """A working directory holding a folder named `alledu` (it used to shadow the package)."""
    (tmp_path / "alledu").mkdir()
    (tmp_path / "alledu" / "__init__.py").write_text("raise ImportError('the wrong alledu')\n")
    return tmp_path


@pytest.mark.served
def test_class_mode_reports_ready_then_serves_the_class(odd_cwd: Path) -> None:
    args = ("--class", "3", "--lessons", LESSON)
    from alledu.content_loader import content

    others = len(content().lessons.lessons) - 1  # one preheated kernel for each other lesson
    ready = 3 + others
    with alledu_serve(*args, cwd=str(odd_cwd), ready="ready for 3 learners") as (proc, base, lines):
        progress = [line for line in lines if "warming up:" in line]
        # 3 kernels for the class's lesson + 1 for each of the other lessons
        assert progress[0].strip().endswith(f"1/{ready} lesson kernels ready"), progress
        assert progress[-1].strip().endswith(f"{ready}/{ready} lesson kernels ready"), progress
        assert lines.index(progress[-1]) < next(i for i, line in enumerate(lines) if "ready for 3 learners" in line)

        server = psutil.Process(proc.pid)

        def kernel_count() -> int:
            return sum("ipykernel" in command(p) for p in server.children(recursive=True))

        assert kernel_count() == ready
        # pooled kernels wait at low priority, their session's scheduling group too
        pooled = [p for p in server.children(recursive=True) if "ipykernel" in command(p)]
        pool_nice = ClassroomKernels.class_traits()["refill_nice"].default_value
        assert pool_nice > 0 and {niceness(p) for p in pooled} == {(pool_nice, pool_nice)}
        counts: list[int] = []

        async def class_of_three() -> tuple[list[Learner], list[int]]:
            learners = [Learner(base, LESSON) for _ in range(3)]
            await asyncio.gather(*(learner.open() for learner in learners))
            check_kernels(learners)
            # while the class is in, only one spare is started behind it (3 in use + 1 + the others)
            for _ in range(20):
                await asyncio.sleep(1)
                counts.append(kernel_count())
            # taken from the pool (at the pool's niceness): normal priority once their pages are up (5 s)
            assert [niceness(kernel_process(learner.kernel_id)) for learner in learners] == [(0, 0)] * 3
            return learners, [await learner.leave() for learner in learners]

        def check_kernels(learners: list[Learner]) -> None:
            assert [learner.error for learner in learners] == ["", "", ""]
            assert len({learner.kernel_id for learner in learners}) == 3
            assert len({learner.widgets for learner in learners}) == 1 and learners[0].widgets > 20
            for learner in learners:  # kernels talk over unix sockets: no TCP port race
                proc = kernel_process(learner.kernel_id)
                assert proc is not None
                connection = next(part for part in proc.cmdline() if part.endswith(".json"))
                assert json.loads(Path(connection).read_text())["transport"] == "ipc"

        learners, shutdowns = run_async(class_of_three())
        assert counts[-1] == ready + 1 and max(counts) == ready + 1, counts
        assert shutdowns == [204, 204, 204]  # the close-tab shutdown is accepted
        assert wait_until(lambda: all(gone(learner.kernel_id) for learner in learners), 20)
        # the learners left: the class's places are prepared again (3 pooled + the others)
        assert wait_until(lambda: kernel_count() == ready, 60), kernel_count()


@pytest.mark.served
def test_a_class_without_lessons_gets_in_on_any_lesson_and_the_pools_follow_it() -> None:
    """`--class N` without `--lessons` (issue 20): the ready line's N all get in on one lesson although
    each lesson has fewer kernels waiting (arrivals take idle pooled kernels' places, never a learner's),
    the cap holds, and while the class works the next lesson's pool fills for when it moves on."""
    cap, size = 10, 4
    with alledu_serve("--class", str(size), "--max-kernels", str(cap), ready="ready for") as (proc, base, lines):
        ready = next(line for line in lines if "ready for" in line)
        assert f"ready for {size} learners on any one lesson (1 kernels waiting on each of 8 lessons" in ready
        server = psutil.Process(proc.pid)
        counts: list[int] = []

        def kernels() -> list[psutil.Process]:
            found = [p for p in server.children(recursive=True) if "ipykernel" in command(p)]
            counts.append(len(found))
            return found

        assert len(kernels()) == 9  # one waiting per lesson: 8 learners' lessons and the teacher's page

        async def scenario() -> tuple[list[Learner], list[Learner], list[bool], float]:
            first = [Learner(base, LESSON) for _ in range(size)]
            await asyncio.gather(*(learner.open() for learner in first))
            for _ in range(30):  # the class works on lesson 02; the pools turn toward 02 and 03
                await asyncio.sleep(1)
                kernels()
            moved_at = time.time()
            second = [Learner(base, "03_schedule_timeline") for _ in range(size)]
            await asyncio.gather(*(learner.open() for learner in second))
            alive = [kernel_process(learner.kernel_id) is not None for learner in first]
            made = [proc.create_time() for learner in second if (proc := kernel_process(learner.kernel_id))]
            kernels()
            for learner in [*first, *second]:
                await learner.leave()
            return first, second, alive, moved_at, made

        first, second, alive, moved_at, made = run_async(scenario())
        assert [learner.error for learner in [*first, *second]] == [""] * (2 * size)  # nobody turned away
        assert len({learner.kernel_id for learner in [*first, *second]}) == 2 * size
        assert len({learner.widgets for learner in first}) == 1 and first[0].widgets > 20
        assert all(alive)  # room was made from idle pooled kernels, never from a learner's
        assert max(counts) <= cap, counts
        # lesson 03's kernels were waiting before the class moved there (pooled, not started on arrival)
        assert len(made) == size and sum(t < moved_at for t in made) >= size - 1, (made, moved_at)


@pytest.mark.served
def test_requests_for_lessons_that_do_not_exist_answer_404_and_lock_nobody_out() -> None:
    """Issue 24, high 1: 160 requests at once for lessons that do not exist used to reserve a kernel
    place each (held 30 s) and hand out queue tickets, so the next learners met "the class is full"
    with 8 of ~130 kernels running. Now each answers 404 before admission: the cap is untouched."""
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    with alledu_serve("--pool", "1", "--max-kernels", "12") as (_proc, base, lines):

        async def flood_then_learners() -> tuple[list[int], list[Learner]]:
            client = AsyncHTTPClient(max_clients=160)

            async def bogus(i: int) -> int:
                try:
                    return (await client.fetch(f"{base}voila/render/zz{i}.ipynb")).code
                except HTTPClientError as exc:
                    return exc.code

            codes = await asyncio.gather(*(bogus(i) for i in range(160)))
            learners = [Learner(base, LESSON) for _ in range(3)]
            await asyncio.gather(*(learner.open(max_retries=0) for learner in learners))
            for learner in learners:
                await learner.leave()
            return list(codes), learners

        codes, learners = run_async(flood_then_learners())
        assert set(codes) == {404}, sorted(set(codes))
        assert [(learner.status, learner.error) for learner in learners] == [(200, "")] * 3
        assert not any("Traceback" in line for line in lines), [line for line in lines if "Traceback" in line][:3]
        for path in ("voila/render/../../etc/passwd.ipynb", "voila/render/notebooks", "voila/render/x.txt"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(base + path, timeout=10)
            assert err.value.code == 404, path


@pytest.mark.served
def test_the_queue_keeps_places_for_those_waiting_only_and_its_ticket_cannot_be_forged() -> None:
    """Issue 24, medium 5: a newcomer used to get the wait page whenever anybody held a queue ticket
    (41 of 45 refused with 48 of 128 places used), and an unsigned `alledu_queue=1` cookie put a
    visitor first in line. Now the places are kept only for those waiting, and the ticket is signed."""
    with alledu_serve("--pool", "0", "--max-kernels", "3") as (_, base, _lines):

        async def scenario() -> dict[str, object]:
            seen: dict[str, object] = {}
            first = [Learner(base, LESSON) for _ in range(3)]
            await asyncio.gather(*(learner.open() for learner in first))
            waiting = Learner(base, LESSON)
            await waiting.open(max_retries=0)  # the class is full: a ticket
            seen["waiting"] = (waiting.status, "You are next." in waiting.wait_page)
            forger = Learner(base, LESSON)
            forger.cookies["alledu_queue"] = "1"  # made up: not signed by the server
            await forger.open(max_retries=0)
            seen["forger"] = (forger.status, "You are next." in forger.wait_page)
            for learner in first:
                await learner.leave()
            await asyncio.sleep(2)  # three places free; two are kept for the two learners waiting
            newcomer = Learner(base, LESSON)
            await newcomer.open(max_retries=0)
            seen["newcomer"] = (newcomer.status, newcomer.error)
            late = Learner(base, LESSON)
            await late.open(max_retries=0)  # the last two places are for the two waiting
            seen["late"] = late.status
            back = Learner(base, LESSON)
            back.cookies = dict(waiting.cookies)  # the waiting learner's page retries
            await back.open(max_retries=0)
            seen["back"] = (back.status, back.error)
            for learner in (newcomer, back):
                await learner.leave()
            return seen

        seen = run_async(scenario())
        assert seen["waiting"] == (503, True)
        assert seen["forger"] == (503, False)  # behind the real ticket, not first
        assert seen["newcomer"] == (200, "")  # room for them: let in although someone waits
        assert seen["late"] == 503
        assert seen["back"] == (200, "")


@pytest.mark.served
def test_full_class_page_appears_and_recovers() -> None:
    with alledu_serve("--pool", "0", "--max-kernels", "2") as (_, base, _lines):

        async def scenario() -> tuple[list[Learner], Learner, Learner]:
            first = [Learner(base, LESSON) for _ in range(2)]
            await asyncio.gather(*(learner.open() for learner in first))
            turned_away = Learner(base, LESSON)
            await turned_away.open(max_retries=0)
            later = Learner(base, LESSON)
            later.cookies = dict(turned_away.cookies)  # the same browser, retrying with its queue ticket
            retrying = asyncio.create_task(later.open(max_retries=12))
            await asyncio.sleep(2)  # it has met the full page again and waits to retry
            await first[0].leave()
            await retrying
            await first[1].leave()
            await later.leave()
            return first, turned_away, later

        first, turned_away, later = run_async(scenario())
        assert [learner.error for learner in first] == ["", ""]
        assert turned_away.status == 503 and turned_away.error == "class full" and not turned_away.kernel_id
        page = turned_away.wait_page
        assert "The class is full right now" in page and "You are next." in page
        assert '<meta http-equiv="refresh" content="5">' in page
        assert "Educational use only" in page  # every page carries the notice
        assert later.error == "" and later.widgets == first[1].widgets and later.retries >= 1


@pytest.mark.served
def test_unconnected_and_abandoned_kernels_are_culled() -> None:
    fast = (
        "--ClassroomKernels.connect_timeout=3",
        "--ClassroomKernels.disconnect_grace=3",
        "--ClassroomKernels.sweep_interval=1",
        "--VoilaConfiguration.default_pool_size=0",
    )
    with running_server(extra=fast) as base:

        async def scenario() -> tuple[str, Learner, Learner, bool]:
            with urllib.request.urlopen(f"{base}voila/render/{LESSON}.ipynb", timeout=120) as r:
                html = r.read().decode()  # a crawler: the page, never its websocket
            crawler_kernel = json.loads(html.split('type="application/json">', 1)[1].split("</script>", 1)[0])
            staying, dropping = Learner(base, LESSON), Learner(base, LESSON)
            await asyncio.gather(staying.open(), dropping.open())
            dropping.drop()  # no close-tab beacon: a crashed browser
            await asyncio.sleep(12)
            staying_alive = not gone(staying.kernel_id)  # checked while its websocket is open
            staying.drop()
            return crawler_kernel["kernelId"], staying, dropping, staying_alive

        crawler_kernel, staying, dropping, staying_alive = run_async(scenario())
        assert staying.error == "" and dropping.error == ""
        assert wait_until(lambda: gone(crawler_kernel), 10), "a kernel whose page never connected was kept"
        assert wait_until(lambda: gone(dropping.kernel_id), 10), "a kernel whose page went away was kept"
        assert staying_alive, "a connected learner's kernel was culled"


def test_default_culling_fits_the_issue() -> None:
    """Never-connected kernels go within 60 s with the shipped configuration."""
    from traitlets.config.loader import PyFileConfigLoader

    from alledu.serve import HERE
    from alledu.serve.kernels import ClassroomKernels

    config = PyFileConfigLoader("voila.py", path=str(HERE)).load_config()
    timeout = config.ClassroomKernels.connect_timeout
    assert timeout + ClassroomKernels.sweep_interval.default_value <= 60
    assert config.KernelManager.transport == "ipc"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--class", "0"], "alledu: class: '0' is not accepted; accepted: a whole number from 1 to 1000"),
        (["--class", "1e2"], "alledu: class: '1e2' is not accepted; accepted: a whole number from 1 to 1000"),
        (
            ["--max-kernels", "-3"],
            "alledu: max-kernels: '-3' is not accepted; accepted: a whole number from 1 to 1000",
        ),
        (["--class", "5", "--lessons", "02_bsa"], "alledu: lessons: '02_bsa' is not accepted; accepted: comma-sep"),
        (["--lessons", LESSON], f"alledu: lessons: '{LESSON}' is not accepted; accepted: only together with --class N"),
        # issue 24, low: these gave a server that never answered and grew ~110 MB/s, or a traceback
        (
            ["--pool", "99999999999"],
            "alledu: pool: '99999999999' is not accepted; accepted: a whole number from 0 to 1000",
        ),
        (["--port", "-1"], "alledu: port: '-1' is not accepted; accepted: a whole number from 1 to 65535"),
        (["--port", "70000"], "alledu: port: '70000' is not accepted; accepted: a whole number from 1 to 65535"),
    ],
)
def test_serve_class_options_refuse_bad_values(argv: list[str], message: str) -> None:
    import subprocess
    import sys

    script = Path(sys.executable).with_name("alledu")
    done = subprocess.run([str(script), "serve", "--no-browser", *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith(message) and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("euid", "rlimit_nice", "expected"),
    [(0, (0, 0), True), (1000, (0, 0), False), (1000, (20, 20), True), (1000, (-1, -1), True), (1000, (10, 10), False)],
)
def test_pooled_kernels_wait_at_low_priority_only_where_it_can_be_undone(
    monkeypatch: pytest.MonkeyPatch, euid: int, rlimit_nice: tuple[int, int], expected: bool
) -> None:
    """A teacher's laptop (not root, RLIMIT_NICE 0) cannot lower a niceness again: there pooled kernels
    keep normal priority, or a learner's kernel would stay at nice 19 all lesson and starve."""
    import resource

    from alledu.serve import kernels

    monkeypatch.setattr(kernels.os, "geteuid", lambda: euid)
    monkeypatch.setattr(resource, "getrlimit", lambda which: rlimit_nice)
    assert kernels.can_restore_priority() is expected


def test_memory_cap_leaves_room() -> None:
    from alledu.serve.kernels import FORKED_KERNEL_MIB, RESERVE_MIB, SPAWNED_KERNEL_MIB, memory_cap

    mib = 1024 * 1024
    assert memory_cap(24 * 1024 * mib) == (24 * 1024 - RESERVE_MIB) // FORKED_KERNEL_MIB
    assert memory_cap(24 * 1024 * mib, SPAWNED_KERNEL_MIB) == (24 * 1024 - RESERVE_MIB) // SPAWNED_KERNEL_MIB
    assert memory_cap(1024 * mib) == 2  # never below 2, even on a tiny machine
    assert memory_cap((RESERVE_MIB + 10 * FORKED_KERNEL_MIB) * mib) == 10
    assert FORKED_KERNEL_MIB < SPAWNED_KERNEL_MIB


@pytest.mark.served
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_alledu_serve_leaves_no_orphans(odd_cwd: Path, sig: signal.Signals) -> None:
    # started as a script's background job is (SIGINT ignored, passed on to children): Ctrl-C
    # or `kill -INT` must stop Voila all the same, not leave it to be killed 30 s later
    ignored = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sig == signal.SIGINT else None
    with alledu_serve("--pool", "1", cwd=str(odd_cwd), preexec_fn=ignored) as (proc, base, lines):
        # run from a folder holding `alledu/`: pages still answer 200, not 500
        with urllib.request.urlopen(f"{base}voila/render/{LESSON}.ipynb", timeout=120) as r:
            assert r.status == 200 and 'class="alledu-bar"' in r.read().decode()
        tree = psutil.Process(proc.pid).children(recursive=True)
        assert any("alledu.serve.app" in " ".join(p.cmdline()) for p in tree)
        assert sum("ipykernel" in command(p) for p in tree) >= 2
        os.kill(proc.pid, sig)
        code = proc.wait(timeout=40)
        assert code == 0, "".join(lines[-40:])
        assert wait_until(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in tree), 15)


@pytest.mark.served
def test_what_a_killed_server_left_is_removed_at_the_next_start() -> None:
    """Issue 24 (low): `kill -9` of Voila left its folder of kernel connection files and the fork
    template's folder in /tmp; the next `alledu serve` removes them (their owner is gone)."""
    import re
    import tempfile

    from alledu.serve.leftovers import MARK

    with alledu_serve("--pool", "1") as (proc, base, lines):
        with urllib.request.urlopen(f"{base}voila/render/{LESSON}.ipynb", timeout=120) as r:
            assert r.status == 200
        voila = next(p for p in psutil.Process(proc.pid).children() if "alledu.serve.app" in command(p))
        found = re.search(r"Storing connection files in (\S+?)\.?$", "".join(lines), re.M)
        assert found, "".join(lines[-20:])
        connections = Path(found.group(1))
        templates = [
            d
            for d in Path(tempfile.gettempdir()).glob("alledu-template-*")
            if (d / MARK).exists() and (d / MARK).read_text().split()[0] == str(voila.pid)
        ]
        assert connections.is_dir() and any(connections.glob("kernel-*.json")) and templates
        voila.kill()  # kill -9: no chance to clean up
        voila.wait(30)
        assert connections.is_dir() and all(d.is_dir() for d in templates)  # left behind
    with alledu_serve("--pool", "0") as (_, base, lines):
        with urllib.request.urlopen(base, timeout=60) as r:
            assert r.status == 200
        assert not connections.exists() and not any(d.exists() for d in templates)
        assert f"removed {connections}" in "".join(lines)


@pytest.mark.served
def test_stopping_during_the_warm_up_leaves_no_orphans(odd_cwd: Path) -> None:
    """Stopped while lesson kernels are still starting (16 to start, two at a time): the kernels
    are shut down and the server exits 0 (Voila removed their folder first and could exit 1)."""
    for _ in range(3):  # the moment a start writes its connection file varies: try a few
        with alledu_serve("--pool", "2", cwd=str(odd_cwd)) as (proc, _, lines):
            time.sleep(1.0)
            tree = psutil.Process(proc.pid).children(recursive=True)
            os.kill(proc.pid, signal.SIGTERM)
            code = proc.wait(timeout=40)
            assert code == 0, "".join(lines[-40:])
            assert wait_until(
                lambda tree=tree: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in tree), 15
            )


# ---- in a real browser -------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium(browser) -> object:
    """The run's one Chromium (tests/conftest.py): Playwright allows one instance per process."""
    return browser


@pytest.fixture(scope="module")
def class_server() -> Iterator[str]:
    fast = ("--ClassroomKernels.disconnect_grace=5", "--ClassroomKernels.sweep_interval=1")
    with running_server(extra=("--VoilaConfiguration.default_pool_size=0", *fast)) as base:
        yield base


def open_lesson(chromium, base: str):
    page = chromium.new_page(viewport={"width": 1280, "height": 2000})
    page.set_default_timeout(90_000)
    page.goto(f"{base}voila/render/{LESSON}.ipynb", wait_until="domcontentloaded")  # a direct link
    page.wait_for_selector(".jupyter-widgets")
    page.wait_for_selector("text=References")
    kernel_id = json.loads(page.locator("#jupyter-config-data").first.text_content() or "{}")["kernelId"]
    return page, kernel_id


@pytest.mark.browser
def test_closing_the_tab_shuts_its_kernel_down(chromium, class_server: str) -> None:
    page, kernel_id = open_lesson(chromium, class_server)
    assert not gone(kernel_id)
    page.goto("about:blank")  # the learner leaves: the page's unload beacon (accepted: it carries _xsrf)
    assert wait_until(lambda: gone(kernel_id), 10), "the kernel of a page left is still running"
    page.close()
    # Headless Chromium drops a closing tab's beacon; the server notices the closed websocket
    page, kernel_id = open_lesson(chromium, class_server)
    page.close(run_before_unload=True)
    assert wait_until(lambda: gone(kernel_id), 20), "the kernel of a closed tab is still running"


@pytest.mark.browser
def test_killed_kernel_shows_a_reload_message_and_no_stale_dose(chromium, class_server: str) -> None:
    page, kernel_id = open_lesson(chromium, class_server)
    assert page.locator(".jp-Cell").first.is_visible()
    kernel_process(kernel_id).kill()  # kill -9; the server's restarter brings it back empty
    message = page.locator("#alledu-kernel-gone")
    message.wait_for(state="visible", timeout=30_000)
    assert "This lesson has stopped" in message.inner_text()
    assert page.locator(".jp-Cell").first.is_hidden()  # no dose left beside inputs that no longer compute
    assert "Educational use only" in page.inner_text("body")
    page.get_by_role("button", name="Reload the lesson").click()
    page.wait_for_selector("text=References")
    page.wait_for_selector(".jupyter-widgets")
    assert page.locator("#alledu-kernel-gone").count() == 0
    new_kernel = json.loads(page.locator("#jupyter-config-data").first.text_content() or "{}")["kernelId"]
    assert new_kernel != kernel_id
    page.close(run_before_unload=True)


@pytest.mark.browser
def test_culled_kernel_shows_a_reload_message(chromium, class_server: str) -> None:
    page, kernel_id = open_lesson(chromium, class_server)
    xsrf = next(c["value"] for c in page.context.cookies() if c["name"] == "_xsrf")
    response = page.context.request.post(f"{class_server}voila/api/shutdown/{kernel_id}", form={"_xsrf": xsrf})
    assert response.status == 204
    message = page.locator("#alledu-kernel-gone")
    message.wait_for(state="visible", timeout=30_000)
    assert "Reload the lesson" in message.inner_text() and page.locator(".jp-Cell").first.is_hidden()
    page.close()


def test_lesson_renderers_share_compiled_templates() -> None:
    """Each pooled kernel's renderer reuses the page templates compiled once per server."""
    import nbformat
    from nbconvert.exporters import HTMLExporter

    from alledu.serve.app import TEMPLATE_CODE

    notebook = nbformat.read(Path(__file__).parent.parent / "alledu" / "lessons" / f"{LESSON}.ipynb", as_version=4)
    first = HTMLExporter(template_name="lab")
    html, _ = first.from_notebook_node(notebook)
    compiled = dict(TEMPLATE_CODE.store)
    assert compiled and first.environment.bytecode_cache is TEMPLATE_CODE
    again, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    assert TEMPLATE_CODE.store == compiled  # nothing compiled twice
    assert again.count("jp-Cell") == html.count("jp-Cell") > 0


def test_a_voila_that_ignores_the_stop_is_killed_after_the_timeout(tmp_path: Path) -> None:
    """`run_voila` waits `stop_timeout` s after SIGTERM, then kills the child and its children."""
    import subprocess
    import sys

    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(120)"
    )
    driver = (
        "import os, sys; from alledu.serve import run_voila; "
        f"sys.exit(run_voila([sys.executable, '-c', {stubborn!r}], dict(os.environ), stop_timeout=2.0))"
    )
    proc = subprocess.Popen([sys.executable, "-c", driver], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "up"
        child = psutil.Process(proc.pid).children()[0]
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        waited = time.monotonic() - started
        assert code == 128 + signal.SIGKILL  # the child was killed: we exit as it did
        assert waited >= 2.0  # it gave Voila its grace period first
        assert wait_until(lambda: not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, 5)
    finally:
        proc.kill()


# ---- kernels forked from a warm template (alledu/serve/forking.py) ------------------------------


def widget_fingerprint(states: dict) -> list[tuple[str, str]]:
    """What a page shows, without model ids: each widget's kind and its text or value."""
    seen = []
    for entry in states.values():
        state = entry.get("state", {})
        shown = {k: state[k] for k in ("value", "description", "options", "_options_labels") if k in state}
        seen.append((state.get("_model_name", ""), json.dumps(shown, sort_keys=True, default=str)))
    return sorted(seen)


def template_of(server_pid: int) -> psutil.Process | None:
    for proc in psutil.Process(server_pid).children(recursive=True):
        if "alledu kernel template" in " ".join(proc.cmdline()):
            return proc
    return None


def kernel_info_requests_seen(connection_files: dict[str, str], during: Callable[[], None]) -> dict[str, int]:
    """kernel_info requests each kernel answered while `during` ran, counted on its iopub."""
    from jupyter_client import BlockingKernelClient

    clients = {}
    for kid, path in connection_files.items():
        client = BlockingKernelClient()
        client.load_connection_file(path)
        client.start_channels(shell=False, stdin=False, hb=False, control=False)
        clients[kid] = client
    try:
        time.sleep(1.5)  # the subscriptions take hold
        during()
        time.sleep(1.5)
        asked: dict[str, set[str]] = {kid: set() for kid in clients}
        for kid, client in clients.items():
            while True:
                try:
                    msg = client.get_iopub_msg(timeout=0.2)
                except Exception:  # queue.Empty: nothing more
                    break
                if msg["msg_type"] == "status" and msg["parent_header"].get("msg_type") == "kernel_info_request":
                    asked[kid].add(msg["parent_header"]["msg_id"])
        return {kid: len(ids) for kid, ids in asked.items()}
    finally:
        for client in clients.values():
            client.stop_channels()


@pytest.mark.served
def test_an_arriving_learner_costs_the_kernel_no_extra_kernel_info() -> None:
    """A pooled kernel already told the server its info (asked during the quiet refill), and the
    new websocket is proved live by one request on the control channel: the learner's arrival
    asks their kernel twice (that nudge and the page's own), where jupyter_server asked 4 times."""
    with alledu_serve("--class", "2", "--lessons", LESSON, ready="ready for 2 learners") as (proc, base, _):
        server = psutil.Process(proc.pid)
        files = {}
        for kernel in server.children(recursive=True):
            connection = next((part for part in command(kernel).split() if part.endswith(".json")), None)
            if "ipykernel" in command(kernel) and connection:
                files[Path(connection).stem.removeprefix("kernel-")] = connection
        assert len(files) >= 3, files
        learner = Learner(base, LESSON)

        async def visit() -> None:
            await learner.open()
            await asyncio.sleep(1.0)  # as long as any nudge could go on asking
            await learner.leave()

        asked = kernel_info_requests_seen(files, lambda: run_async(visit()))
        assert learner.ok, learner.error
        assert asked.pop(learner.kernel_id) == 2
        assert set(asked.values()) == {0}  # no other kernel was asked anything


@pytest.mark.served
def test_forked_kernels_show_the_lesson_as_started_ones_do() -> None:
    """The default (fork) and `--no-fork` serve lesson 02 with the same widgets and values."""
    with (
        alledu_serve("--pool", "1") as (forked, fork_base, _),
        alledu_serve("--pool", "1", "--no-fork") as (
            spawned,
            spawn_base,
            _,
        ),
    ):

        async def visit() -> tuple[Learner, Learner]:
            a, b = Learner(fork_base, LESSON), Learner(spawn_base, LESSON)
            await asyncio.gather(a.open(), b.open())
            return a, b

        a, b = run_async(visit())
        assert a.ok and b.ok, (a.error, b.error)
        assert a.widgets == b.widgets > 20
        assert widget_fingerprint(a.states) == widget_fingerprint(b.states)
        assert any("mcg/day" in value or " mg" in value for _kind, value in widget_fingerprint(a.states))
        kernel_a, kernel_b = kernel_process(a.kernel_id), kernel_process(b.kernel_id)
        assert kernel_a is not None and kernel_b is not None
        template = template_of(forked.pid)
        assert template is not None and kernel_a.ppid() == template.pid  # forked from the template
        assert template_of(spawned.pid) is None  # --no-fork: no template ...
        assert "alledu.serve.app" in " ".join(kernel_b.parent().cmdline())  # ... Voila started it
        # a forked kernel holds far less memory of its own than a started one (shared pages)
        assert kernel_a.memory_full_info().uss < kernel_b.memory_full_info().uss


@pytest.mark.served
def test_a_dead_template_costs_no_learner_and_a_dead_server_leaves_no_kernel() -> None:
    with alledu_serve("--pool", "1") as (proc, base, _lines):
        voila = next(p for p in psutil.Process(proc.pid).children() if "alledu.serve.app" in " ".join(p.cmdline()))

        async def scenario() -> tuple[Learner, psutil.Process, float, list[Learner]]:
            first = await Learner(base, LESSON).open()
            assert first.ok, first.error
            template = template_of(proc.pid)
            assert template is not None
            template.kill()  # e.g. the OOM killer picked it
            template.wait(10)
            assert kernel_process(first.kernel_id) is not None  # the learner's kernel lives on ...
            model_id, value = first.numeric_widget() or ("", 0.0)
            assert model_id
            answered = await first.move(model_id, value)  # ... and still answers
            # more learners than the pool holds: new kernels are needed, from a new template
            later = [Learner(base, LESSON) for _ in range(3)]
            await asyncio.gather(*(learner.open() for learner in later))
            return first, template, answered, later

        first, template, answered, later = run_async(scenario())
        assert answered > 0
        # the update's time split by the kernel's own clock: each part real, together the whole
        to_kernel, in_kernel, back = first.update_parts[-1]
        assert min(to_kernel, in_kernel, back) > -2.0 and in_kernel > 0
        assert abs(to_kernel + in_kernel + back - answered) < 5.0
        assert [learner.error for learner in later] == ["", "", ""]
        new_template = template_of(proc.pid)
        assert new_template is not None and new_template.pid != template.pid
        kernels = [kernel_process(learner.kernel_id) for learner in [first, *later]]
        assert all(k is not None for k in kernels)
        # the server dies without a word (kill -9): no kernel and no template outlive it
        voila.kill()
        assert wait_until(lambda: all(not k.is_running() or k.status() == psutil.STATUS_ZOMBIE for k in kernels), 15)
        assert wait_until(lambda: not new_template.is_running() or new_template.status() == psutil.STATUS_ZOMBIE, 15)


@pytest.mark.served
def test_idle_cull_sees_a_working_learner_and_takes_an_idle_one() -> None:
    """The activity watcher (alledu's lighter copy of jupyter_server's) keeps culling right."""
    from tests.server import running_server

    cull = ("--MappingKernelManager.cull_idle_timeout=4", "--MappingKernelManager.cull_interval=1")
    with running_server(extra=cull) as base:

        async def scenario() -> tuple[bool, bool]:
            learner = await Learner(base, LESSON).open()
            assert learner.ok, learner.error
            model_id, value = learner.numeric_widget() or ("", 0.0)
            assert model_id
            for step in range(8):  # 8 s of work, twice the idle timeout
                await learner.move(model_id, value + step % 2)
                await asyncio.sleep(1.0)
            working_alive = not gone(learner.kernel_id)
            idle_culled = await asyncio.get_running_loop().run_in_executor(
                None, wait_until, lambda: gone(learner.kernel_id), 20
            )
            return working_alive, idle_culled

        working_alive, idle_culled = run_async(scenario())
        assert working_alive  # activity was recorded while the learner worked
        assert idle_culled  # its state went back to idle, so the culler took it


def test_arrivals_are_set_up_a_few_at_a_time_and_a_stuck_one_holds_no_one_for_long() -> None:
    """Kernel websocket set-ups take turns (at most `at_once` together), in arrival order; one
    that hangs keeps the others waiting only `patience` seconds."""
    from alledu.serve.kernels import Arrivals

    async def scenario() -> tuple[int, list[int], float]:
        arrivals = Arrivals(at_once=2, patience=0.5)
        inside, most, order = 0, 0, []

        async def learner(i: int) -> None:
            nonlocal inside, most
            async with arrivals.slot():
                inside += 1
                most = max(most, inside)
                order.append(i)
                await asyncio.sleep(0.01)
                inside -= 1

        await asyncio.gather(*(learner(i) for i in range(10)))
        stuck = asyncio.Event()

        async def hangs() -> None:
            async with arrivals.slot():
                await stuck.wait()

        holders = [asyncio.create_task(hangs()) for _ in range(2)]  # both places taken, forever
        await asyncio.sleep(0)
        start = time.monotonic()
        await learner(99)  # goes ahead after its patience
        waited = time.monotonic() - start
        stuck.set()
        await asyncio.gather(*holders)
        return most, order, waited

    most, order, waited = run_async(scenario())
    assert most == 2
    assert order[:10] == list(range(10)) and order[10] == 99
    assert 0.4 < waited < 5.0


@pytest.mark.served
def test_first_time_visitors_get_the_page_files_compressed(class_server: str) -> None:
    """A cold learner (the benchmark's first-visit class) fetches the page's scripts and styles over
    kept-alive connections; the second gets the same bytes (replayed), far fewer than the files'."""
    import re

    with urllib.request.urlopen(f"{class_server}voila/render/{LESSON}.ipynb", timeout=120) as answer:
        page = answer.read().decode()
    paths = tuple(dict.fromkeys(re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css)[^"]*)"', page)))
    assert len(paths) >= 3, paths
    raw = 0
    for path in paths:  # as a client that takes no gzip gets them
        with urllib.request.urlopen(class_server.rstrip("/") + path, timeout=60) as answer:
            raw += len(answer.read())
    learners = [Learner(class_server, LESSON, assets=paths) for _ in range(2)]

    async def visit(learner: Learner) -> str:
        await learner.open()
        await learner.leave()
        return learner.error

    assert [run_async(visit(learner)) for learner in learners] == ["", ""]
    assert all(learner.ok for learner in learners)
    assert learners[0].asset_bytes == learners[1].asset_bytes
    assert 0 < learners[0].asset_bytes < raw / 2


def test_stopping_shuts_the_kernels_down_before_removing_their_folder(tmp_path: Path) -> None:
    """`AlleduVoila.stop`: kernels first (a start may still write its connection file), then the
    folder, whatever is left in it; Voila's own order failed with "Directory not empty"."""
    from types import SimpleNamespace

    from alledu.serve.app import AlleduVoila

    folder = tmp_path / "connections"
    folder.mkdir()
    (folder / "kernel-a.json").write_text("{}")
    seen: list[bool] = []

    async def shutdown_all() -> None:
        seen.append(folder.exists())
        (folder / "kernel-b.json").write_text("{}")  # a start that finished meanwhile

    server = SimpleNamespace(kernel_manager=SimpleNamespace(shutdown_all=shutdown_all), connection_dir=str(folder))
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # away from the run's Playwright loop
        pool.submit(AlleduVoila.stop, server).result()
    assert seen == [True] and not folder.exists()
