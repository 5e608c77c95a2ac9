"""Kernels that really fail to start cost a learner a retry, never the server (issue 8, item 1).

A real Voila (started as `alledu serve` starts it) runs lesson kernels through a kernelspec
that wraps ipykernel: while a "fail" token is left in its folder, a starting kernel takes one
and exits at once (what a port race or a crash at start does). Pool kernels take `fail-pool-*`
tokens, a learner's own start takes `fail-cold-*` (Voila tells them apart by VOILA_PREHEAT).
The test also kill -9s a warm pooled kernel just before learners arrive, and a pooled kernel
in the middle of its lesson run. Learners are
protocol-level (tests/learners.py); each one must end with a working lesson that computes.
"""

from __future__ import annotations

import asyncio
import json
import math
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.learners import Learner
from tests.server import answers, running_server
from tests.test_classroom import run_async, wait_until

LESSON = "02_bsa_and_dosing"
FAILED = f"a {LESSON}.ipynb kernel failed to"  # the server's log line for a pooled start that failed

WRAPPER = """\
import os, sys
from pathlib import Path

kind = "pool" if os.environ.get("VOILA_PREHEAT") == "True" else "cold"
for token in sorted(Path(__file__).parent.glob(f"fail-{kind}-*")):
    try:
        token.unlink()  # one token, one failed start, even with kernels starting at once
    except FileNotFoundError:
        continue
    sys.stderr.write(f"test kernel: dying at start ({token.name})\\n")
    os._exit(1)
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[1:]])
"""


def failing_kernels(folder: Path) -> Path:
    """A JUPYTER_PATH folder whose `python3` kernelspec dies at start while tokens are left."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    (folder / "start.py").write_text(WRAPPER)
    argv = [sys.executable, str(folder / "start.py"), "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"}))
    return folder


def voila_process(base: str) -> psutil.Process:
    port = base.split(":")[2].split("/")[0]
    for proc in psutil.process_iter(["cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if "alledu.serve.app" in cmd and f"--port={port}" in cmd:
            return proc
    raise AssertionError(f"no Voila on port {port}")


def kernels(server: psutil.Process) -> dict[str, psutil.Process]:
    """Live lesson kernels below the server: kernel id (from the connection file) -> process."""
    found = {}
    for proc in server.children(recursive=True):
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            cmd = proc.cmdline()
        except psutil.Error:
            continue
        if "ipykernel_launcher" in " ".join(cmd):
            connection = next(part for part in cmd if part.endswith(".json"))
            found[Path(connection).stem.removeprefix("kernel-")] = proc
    return found


def exited(proc: psutil.Process) -> bool:
    """Dead: a zombie until its parent reaps it, or gone (an exiting process is neither yet)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def running_lesson(proc: psutil.Process) -> bool:
    """The kernel is running its lesson: pandas (imported by the lesson, not by ipykernel) is loaded."""
    try:
        return "pandas" in Path(f"/proc/{proc.pid}/maps").read_text()
    except OSError:
        return False


def bsa_shown(learner: Learner, value: str) -> bool:
    return any(
        entry.get("state", {}).get("_model_name") == "HTMLModel" and value in (entry["state"].get("value") or "")
        for entry in learner.states.values()
    )


async def computes(learner: Learner) -> bool:
    """Type height 131 cm (weight 30 kg): the lesson shows Mosteller's BSA, sqrt(131 * 30 / 3600)."""
    expected = f"{math.sqrt(131 * 30 / 3600):.4f}"  # 1.0448
    height = next(
        model_id
        for model_id, entry in learner.states.items()
        if entry.get("state", {}).get("description") == "Height (cm)"
    )
    before = bsa_shown(learner, expected)
    await learner.move(height, 131)
    return not before and bsa_shown(learner, expected)


async def wait_for(check, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(step)
    return check()


@pytest.mark.served
def test_kernels_that_fail_to_start_cost_a_retry_never_the_server(tmp_path: Path, monkeypatch) -> None:
    folder = failing_kernels(tmp_path / "jupyter")
    for i in range(2):  # both warm-up starts of the class's pool die at start
        (folder / f"fail-pool-{i}").touch()
    monkeypatch.setenv("JUPYTER_PATH", str(folder))  # after alledu's own folder (voila_command)
    log = tmp_path / "voila.log"
    args = (
        "--VoilaConfiguration.default_pool_size=0",  # no kernels for the other lessons: a fast test
        "--ClassroomKernels.class_size=2",
        f"--ClassroomKernels.class_lessons={LESSON}",
    )
    with running_server(extra=args, log=log) as base:
        server = voila_process(base)

        async def scenario() -> dict:
            seen: dict = {}
            assert await wait_for(lambda: "ready for 2 learners" in log.read_text(), 150), log.read_text()[-3000:]
            seen["pool tokens left"] = sorted(p.name for p in folder.glob("fail-*"))
            seen["warm-up failures"] = log.read_text().count(FAILED)

            # a warm pooled kernel dies (kill -9) just before two learners arrive: neither gets it
            warm = set(kernels(server))
            dead = sorted(warm)[0]
            victim = kernels(server)[dead]
            victim.send_signal(signal.SIGKILL)
            assert await wait_for(lambda: exited(victim), 5)
            first = [Learner(base, LESSON), Learner(base, LESSON)]
            await asyncio.gather(*(learner.open() for learner in first))
            seen["dead one handed out"] = dead in {learner.kernel_id for learner in first}

            # a pooled kernel is killed while it runs the lesson: the spare started behind them
            killed: list[str] = []

            def kill_one() -> bool:
                taken = warm | {learner.kernel_id for learner in first}
                for kid, proc in kernels(server).items():
                    if kid not in taken and running_lesson(proc):
                        proc.send_signal(signal.SIGKILL)
                        killed.append(kid)
                        return True
                return False

            seen["killed one"] = await wait_for(kill_one, 60, step=0.05)
            seen["answers after the kill"] = await asyncio.to_thread(answers, base)
            # said again: a start succeeded since the warm-up's failures, so this is a new run of them
            seen["kill noticed"] = await wait_for(lambda: log.read_text().count(FAILED) > 1, 30, step=0.05)
            # a tab closes while that failed start is still in its pool (it is dropped 1 s later)
            await asyncio.sleep(0.3)
            seen["shutdown beside a failed start"] = await first[0].leave()

            # the next learner never gets the killed kernel
            third = Learner(base, LESSON)
            await third.open(max_retries=3)
            seen["third computes"] = third.ok and await computes(third)

            # a learner's own start dies at start: the "could not start" page, then a working
            # lesson. Two arrive at once: at most one pooled kernel is ready behind a class that
            # is in, so at least one of them starts a kernel of their own.
            (folder / "fail-cold-0").touch()
            pair = [Learner(base, LESSON), Learner(base, LESSON)]
            await asyncio.gather(*(learner.open(max_retries=3) for learner in pair))
            seen["cold token used"] = not (folder / "fail-cold-0").exists()
            seen["pair computes"] = [learner.ok and await computes(learner) for learner in pair]
            seen["answers at the end"] = await asyncio.to_thread(answers, base)

            everyone = [*first, third, *pair]
            seen["shutdowns"] = [await learner.leave() for learner in everyone[1:]]
            # the class left: its two places are prepared again, and nothing else is running
            seen["back to two"] = await wait_for(lambda: len(kernels(server)) == 2, 60, step=0.5)
            await asyncio.sleep(3)  # and it stays so (no restarted or orphaned kernel appears)
            seen["left"] = sorted(kernels(server))
            return {"learners": everyone, "killed": killed, **seen}

        seen = run_async(scenario())
        tree = server.children(recursive=True)
    log_tail = log.read_text()[-4000:]
    learners, killed = seen.pop("learners"), seen.pop("killed")
    # both warm-up starts failed (their tokens are used) and the log said so once, not per failure
    assert seen["pool tokens left"] == [] and seen["warm-up failures"] == 1, seen
    assert "lesson kernels start again, after 2 failed starts" in log.read_text()
    assert seen["killed one"] and seen["answers after the kill"], seen
    assert seen["kill noticed"], (seen, log_tail)
    first, pair = learners[:2], learners[3:]
    assert [learner.error for learner in learners] == ["", "", "", "", ""], log_tail
    assert all(learner.widgets == first[0].widgets > 20 for learner in learners)
    assert not seen["dead one handed out"], seen
    assert killed[0] not in {learner.kernel_id for learner in learners}  # never handed out
    assert seen["shutdown beside a failed start"] == 204, seen  # was 500: Voila read the failed start
    assert seen["third computes"], seen
    retried = [learner for learner in pair if learner.retries >= 1]
    assert seen["cold token used"] and len(retried) >= 1, (seen, [learner.retries for learner in pair])
    assert "Your lesson could not start" in retried[0].wait_page and "Educational use only" in retried[0].wait_page
    assert seen["pair computes"] == [True, True] and seen["answers at the end"], seen
    assert seen["shutdowns"] == [204, 204, 204, 204], seen
    assert seen["back to two"] and len(seen["left"]) == 2, seen
    assert not set(seen["left"]) & {*killed, *(learner.kernel_id for learner in learners)}
    # stopped: no kernel process of this server is left, failed ones included
    assert wait_until(lambda: all(not p.is_running() or p.status() == psutil.STATUS_ZOMBIE for p in tree), 15)
