"""Lesson kernels forked from a warm template process instead of started from scratch.

Why: a new Python kernel spends most of its start importing ipykernel, pandas, pydantic,
ipywidgets and alledu and validating the content, before the lesson even runs. On a 2-core
classroom server that is what a class's refill is made of. A template process does all of it
once; each kernel is then a `fork()` of it (the imported modules' memory pages are shared
copy-on-write, so each kernel also costs less unique memory).

`ForkingProvisioner` is a jupyter_client kernel provisioner (the extension point for how kernels
are launched). It behaves exactly like the local one, except that a plain ipykernel of this
same interpreter is forked from the template; anything else, or a template that is not ready
or died, falls back to the usual start, so a class never waits for the template.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import pathlib
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import setproctitle
from jupyter_client.provisioning import LocalProvisioner

from alledu.serve import leftovers

# what the template imports once; every forked kernel starts with them loaded
# fpdf: the handouts (lessons 03, 08) - imported on first use it cost each such kernel ~30 MiB of its own
WARM_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipywidgets", "pandas", "alledu", "alledu.widgets", "fpdf")
# environment variables that shape the Python start itself: a kernel asking for other values
# than the template has cannot be a fork of it
_STARTUP_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH", "PYTHONNOUSERSITE", "VIRTUAL_ENV")
READY = "alledu-template ready"


class ForkedProcess:
    """The part of `subprocess.Popen` the local provisioner uses, for a kernel the template forked.

    The template reaps its children, so the exit status is not known here: a kernel that is gone
    reads as -signal when we signalled it, else 1 (jupyter_client only asks whether it lives).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._signalled: int | None = None
        self._fd: int | None = None
        self._proc: Any = None
        try:
            # a pidfd names this process, never a later one given the same pid, and asking it whether
            # the process lives is one poll(2): the restarter asks every kernel every 3 s, ~340 of them
            # in a class (psutil read /proc twice per ask: 5% of the server's loop during a burst)
            self._fd = os.pidfd_open(pid)
        except (AttributeError, OSError):  # no pidfd (not Linux 5.3+): psutil, which also fixes identity
            import psutil

            try:
                self._proc = psutil.Process(pid)
                self._proc.create_time()
            except psutil.Error:
                self.returncode = 1

    def poll(self) -> int | None:
        if self.returncode is None and self._gone():
            self.returncode = -self._signalled if self._signalled else 1
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        return self.returncode

    def _gone(self) -> bool:
        """Exited (a zombie counts: the pidfd is readable once the process has ended)."""
        if self._fd is not None:  # poll(2), not select(2): a server with 340 kernels has fds above 1024
            ask = select.poll()
            ask.register(self._fd, select.POLLIN)
            return bool(ask.poll(0))
        import psutil

        try:
            return not self._proc.is_running() or self._proc.status() == psutil.STATUS_ZOMBIE
        except psutil.Error:
            return True

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # type: ignore[arg-type]

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.05)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            self._signalled = signum
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Template:
    """The warm process kernels are forked from: one per server, started on the first launch.

    A template that dies is replaced; after `MAX_FAILURES` templates died before they were
    ready, kernels are started the usual way for the rest of the server's life.
    """

    MAX_FAILURES = 3
    _lock = threading.Lock()
    _current: Template | None = None
    _failures = 0

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="alledu-template-")
        leftovers.mark(self.dir)  # removed at the next start if this server is killed (leftovers.py)
        self.socket_path = os.path.join(self.dir, "fork.sock")
        # one thread per kernel for maths libraries: a pool of threads would not survive the fork
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "alledu.serve.forking", self.socket_path],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.ready = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            if line.strip() == READY:
                self.ready.set()
            else:
                sys.stdout.write(line)
        if not self.ready.is_set():
            Template._failures += 1

    @classmethod
    def get(cls) -> Template | None:
        """The template (maybe still warming up); None once forking has been given up."""
        with cls._lock:
            if cls._current is None or cls._current.proc.poll() is not None:
                if cls._failures >= cls.MAX_FAILURES:
                    return None
                cls._current = cls()
            return cls._current

    async def wait_ready(self, timeout: float) -> bool:
        """True when ready to fork; False if it died or is not ready within `timeout` s."""
        deadline = time.monotonic() + timeout
        while not self.ready.is_set():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return self.proc.poll() is None

    @classmethod
    def stop(cls) -> None:
        with cls._lock:
            if cls._current is not None:
                with contextlib.suppress(ProcessLookupError):
                    cls._current.proc.kill()
                cls._current.proc.wait()
                shutil.rmtree(cls._current.dir, ignore_errors=True)
                cls._current = None

    @staticmethod
    def can_fork(cmd: list[str], env: dict[str, str]) -> bool:
        """Only an ipykernel of this same interpreter with the same start-up environment."""
        same_python = bool(cmd) and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
        same_env = all(env.get(k) == os.environ.get(k) for k in _STARTUP_ENV)
        return same_python and cmd[1:3] == ["-m", "ipykernel_launcher"] and same_env

    def fork(self, cmd: list[str], env: dict[str, str], cwd: str) -> int:
        """Ask the template for a kernel running `cmd`; returns its pid (blocking, short)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(self.socket_path)
            request = json.dumps({"argv": cmd[3:], "env": env, "cwd": cwd}).encode()
            # the kernel writes to our stdout/stderr, as a kernel we started would; no stdin
            devnull = os.open(os.devnull, os.O_RDONLY)
            try:
                socket.send_fds(sock, [request], [devnull, 1, 2])
            finally:
                os.close(devnull)
            sock.shutdown(socket.SHUT_WR)
            answer = b"".join(iter(lambda: sock.recv(4096), b""))
        return int(json.loads(answer)["pid"])


class ForkingProvisioner(LocalProvisioner):  # type: ignore[misc]
    """The local provisioner, launching lesson kernels as forks of a warm template."""

    template_wait = 60.0  # s a launch waits for the template to warm up (it takes ~1-3 s)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
        cwd = str(kwargs.get("cwd") or pathlib.Path.cwd())
        template = Template.get() if Template.can_fork(cmd, env) else None
        if template is None or not await template.wait_ready(self.template_wait):
            return await super().launch_kernel(cmd, **kwargs)
        try:
            pid = await asyncio.get_running_loop().run_in_executor(None, template.fork, cmd, env, cwd)
        except (OSError, ValueError, KeyError) as exc:  # template died meanwhile: start it the usual way
            self.log.warning("alledu: forking a kernel failed (%r); starting it the usual way", exc)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid)
        self.pid = self.pgid = pid  # the kernel leads its own session, as a started one does
        self.cwd = cwd
        return self.connection_info


def _die_with_parent() -> None:
    """Get SIGTERM when the parent dies (Linux), so no template or kernel outlives the server."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _exit_with_server(server_fd: int) -> None:
    """In a kernel: exit when the server (Voila) exits - not when the template does.

    `server_fd` is a pidfd on Voila the template opened while Voila was its parent; it becomes
    readable when Voila exits. A kernel must outlive a crashed template (its learner is still
    working) but never the server (it would hold memory with nobody to shut it down).
    """
    import select

    def watch() -> None:
        if server_fd < 0:
            return
        select.select([server_fd], [], [])
        os._exit(1)  # what ipykernel's own parent poller does

    threading.Thread(target=watch, name="alledu-server-watch", daemon=True).start()


def _run_kernel(request: dict[str, Any], fds: list[int], server_fd: int) -> None:
    """In the forked child: become the kernel the request asks for; never returns."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setsid()
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        _exit_with_server(server_fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        argv = list(request["argv"])
        # ipykernel reads its parent from the environment at import (in the template) and would
        # exit when the template exits; 1 turns its poller off (and its console banner), as
        # `_exit_with_server` watches the server itself. Without a pidfd: its own poller.
        parent = 1 if server_fd >= 0 else int(request["env"].get("JPY_PARENT_PID") or 0)
        argv.append(f"--IPKernelApp.parent_handle={parent}")
        # ipywidgets registers its comm targets when imported inside a kernel; the template
        # imported it before there was one, so the kernel loads it as an extension (same call)
        argv.append('--IPKernelApp.extensions=["ipywidgets"]')
        sys.argv = [sys.executable, *argv]
        # `ps`, `top` and the benchmark see a kernel as what it is, not as the template
        setproctitle.setproctitle(" ".join([sys.executable, "-m", "ipykernel_launcher", *request["argv"]]))
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # the kernel's own error goes where a kernel's stderr goes
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def main(socket_path: str) -> None:
    """The template: import once, then fork a kernel for each request on the socket."""
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)
    from alledu.content_loader import content

    content()  # validated once, inherited by every kernel
    setproctitle.setproctitle(f"{sys.executable} -m alledu.serve.forking (alledu kernel template) {socket_path}")
    gc.collect()
    gc.freeze()  # keep the collector from touching (and so un-sharing) the template's objects
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped by the system
    try:  # Voila, watched by every kernel (see _exit_with_server)
        server_fd = os.pidfd_open(os.getppid()) if os.getppid() != 1 else -1
    except (AttributeError, OSError):  # not Linux >= 5.3: kernels rely on ipykernel's own poller
        server_fd = -1
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    os.chmod(socket_path, 0o600)
    server.listen(64)
    print(READY, flush=True)
    while True:
        conn, _ = server.accept()
        with conn:
            try:
                msg, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
                while chunk := conn.recv(1 << 20):
                    msg += chunk
                request = json.loads(msg)
            except (OSError, ValueError):
                continue
            pid = os.fork()
            if pid == 0:
                server.close()
                conn.close()
                _run_kernel(request, fds, server_fd)
            for fd in fds:
                os.close(fd)
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    main(sys.argv[1])
