"""`alledu serve`: the lessons as Voila apps, with the configuration kept in this folder.

Why: a teacher runs one command and hands out a link; a host on a hospital network gets a
server that makes no request to the internet and lets no learner run code. The landing page
and each lesson's header/footer are filled from the same content files as the lessons.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from alledu.serve.links import join_links, learner_link, qr_text

HERE = Path(__file__).resolve().parent


def notebooks_dir() -> Path:
    """The lessons: ALLEDU_NOTEBOOKS, else the ones shipped inside the package (alledu/lessons;
    the repository's notebooks/ is a link to it), so an installed alledu serves from any folder."""
    path = Path(os.environ.get("ALLEDU_NOTEBOOKS") or HERE.parent / "lessons")
    if not (path / "00_start_here.ipynb").is_file():
        raise FileNotFoundError(f"no lessons in {path}: set ALLEDU_NOTEBOOKS to the notebooks folder")
    return path


def suite_info() -> dict[str, Any]:
    """What the landing page and the shared header/footer show, from the content files."""
    from alledu.content_loader import content

    c = content()
    return {
        "title": c.meta.title,
        "notice": c.meta.notice,
        "core_date": c.meta.core_review.date.isoformat(),
        "checked": c.meta.content_checked.isoformat(),
        "lessons": [
            {"id": lesson.id, "title": lesson.title, "purpose": lesson.purpose, "minutes": lesson.minutes}
            for lesson in c.lessons.lessons
        ],
    }


# JupyterLab extensions installed in the environment that no lesson uses: each would be
# downloaded by every learner's browser on a first visit (jupyterlab-plotly alone is 4.8 MB).
UNUSED_EXTENSIONS = frozenset({"jupyterlab-plotly"})


def page_config_hook(page_config: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Voila hook: give the templates the suite's title, notice, dates and lesson list, and
    leave out lab extensions the lessons do not use."""
    page_config["alledu"] = suite_info()
    extensions = page_config.get("federated_extensions")
    if isinstance(extensions, list):
        page_config["federated_extensions"] = [e for e in extensions if e.get("name") not in UNUSED_EXTENSIONS]
    return page_config


def voila_command(
    *,
    port: int,
    host: str,
    open_browser: bool,
    token: str,
    base_url: str,
    pool: int | None = None,
    class_size: int | None = None,
    lessons: list[str] | None = None,
    max_kernels: int | None = None,
    fork: bool = True,
) -> tuple[list[str], dict[str, str]]:
    """The Voila command line and environment `alledu serve` runs (also used by tests).

    `-P`: the working directory is not put on sys.path, so `alledu serve` run from a folder that
    holds a folder named `alledu` still imports this package, not that folder.
    """
    if not base_url.startswith("/"):
        base_url = "/" + base_url
    if not base_url.endswith("/"):
        base_url += "/"
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(HERE / "jupyter"), env.get("JUPYTER_PATH")]))
    cmd = [
        sys.executable,
        "-P",
        "-m",
        "alledu.serve.app",
        str(notebooks_dir()),
        f"--port={port}",
        f"--Voila.ip={host}",
        f"--Voila.base_url={base_url}",
        f"--token={token}",
        "--Voila.config_file_paths",
        str(HERE),
        "--Voila.port_retries=0",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    if not fork:
        from alledu.serve.kernels import SPAWNED_KERNEL_MIB

        cmd.append("--KernelProvisionerFactory.default_provisioner_name=local-provisioner")
        cmd.append(f"--ClassroomKernels.kernel_mib={SPAWNED_KERNEL_MIB}")  # a kernel of its own costs more
    if pool is not None:
        if pool < 0:
            raise ValueError(f"pool: {pool} is not accepted; accepted: 0 or more kernels per lesson")
        cmd.append(f"--VoilaConfiguration.default_pool_size={pool}")
    if class_size is not None:
        if class_size < 1:
            raise ValueError(f"class: {class_size} is not accepted; accepted: 1 or more learners")
        cmd.append(f"--ClassroomKernels.class_size={class_size}")
        for lesson in lessons or []:
            cmd.append(f"--ClassroomKernels.class_lessons={lesson}")
    if max_kernels is not None:
        if max_kernels < 1:
            raise ValueError(f"max-kernels: {max_kernels} is not accepted; accepted: 1 or more kernels")
        cmd.append(f"--ClassroomKernels.max_kernels={max_kernels}")
    return cmd, env


def join_message(host: str, port: int, base_url: str, token: str) -> str:
    """What the teacher's terminal shows: a link per reachable address, and a QR code of the one
    learners on the network open (none when the server listens on this computer only)."""
    links = join_links(host, port, base_url, token)
    handout = learner_link(links)
    if handout.where == "this computer only":
        lines = ["alledu: serving the lessons on this computer only:"]
        lines += [f"  {link.url}" for link in links]
        lines.append("alledu: for a class on this network use --host 0.0.0.0 --token <secret>")
        return "\n".join(lines)
    lines = ["alledu: serving the lessons. Learners open this link (or scan the QR code):"]
    lines += [f"  {link.url}   ({link.where})" for link in links]
    lines.append(qr_text(handout.url).rstrip("\n"))
    return "\n".join(lines)


def _die_with_parent() -> None:
    """In the Voila child: get SIGTERM if `alledu serve` itself is killed (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_voila(cmd: list[str], env: dict[str, str], stop_timeout: float = 30.0) -> int:
    """Run Voila until it exits; SIGTERM/SIGINT are passed on to it and we exit with it.

    Voila runs in its own session, so a terminal's Ctrl-C reaches it once (from us), and it
    shuts its kernels down before exiting. Both are passed on as SIGTERM, which Voila handles
    by stopping its event loop: a SIGINT would raise KeyboardInterrupt wherever Voila happens to
    be (landing inside a kernel start, Voila's own shutdown raised it again and exited 130), and
    is ignored outright by a Voila started with SIGINT ignored (a script's background job). If
    it has not exited `stop_timeout` s after the signal, it and its kernels are killed: nothing
    is left holding the port or memory.
    """
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, preexec_fn=_die_with_parent)
    stop_asked: list[float] = []

    def forward(_signum: int, _frame: object) -> None:
        stop_asked.append(time.monotonic())
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while (code := proc.poll()) is None:  # a blocking wait() would never see the deadline
            if stop_asked and time.monotonic() - stop_asked[0] > stop_timeout:
                _kill_tree(proc.pid)
                code = proc.wait()
                break
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code


def _kill_tree(pid: int) -> None:
    """SIGKILL a process and every process below it (Voila and its kernels)."""
    import psutil

    with contextlib.suppress(psutil.Error):
        parent = psutil.Process(pid)
        for child in parent.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
        parent.kill()


def serve(
    *,
    port: int = 8866,
    host: str = "127.0.0.1",
    open_browser: bool = True,
    token: str = "",
    base_url: str = "/",
    pool: int | None = None,
    class_size: int | None = None,
    lessons: list[str] | None = None,
    max_kernels: int | None = None,
    fork: bool = True,
) -> int:
    """Run Voila in the foreground until it exits or is signalled; returns its exit status."""
    from alledu.serve.compat import UpstreamChanged, missing

    if gone := missing():  # an upgrade removed a name alledu/serve relies on: say which, serve nothing
        print(str(UpstreamChanged(gone)), file=sys.stderr)
        return 2
    cmd, env = voila_command(
        port=port,
        host=host,
        open_browser=open_browser,
        token=token,
        base_url=base_url,
        pool=pool,
        class_size=class_size,
        lessons=lessons,
        max_kernels=max_kernels,
        fork=fork,
    )
    print(join_message(host, port, base_url, token), flush=True)
    env["ALLEDU_JOIN_URL"] = learner_link(join_links(host, port, base_url, token)).url  # the dashboard's QR
    if class_size:
        print(f"alledu: class mode: preparing for {class_size} learners; wait for the 'ready' line", flush=True)
    return run_voila(cmd, env)
