"""JupyterHub for a class on one machine (`make hub`): each new browser gets its own learner server.

Why each setting (docs/deploy.md walks a host through them; deploy/z2jh/values.yaml holds the
same login, culling and limits for Kubernetes):
- login: tmpauthenticator. Opening the hub URL logs the browser in as a new random user; there
  are no accounts, passwords or admin users, so the admin page is open to nobody.
- learner server: deploy/jupyterhub/learner_server.py, i.e. `alledu serve`'s Voila (same
  configuration, template, no sources, no tracebacks, offline) behind the hub's OAuth, opening
  on the lesson landing page. One local process per learner (no Docker on this machine): see
  docs/deploy.md for what that isolates and what it does not.
- culling: jupyterhub-idle-culler stops a learner server idle for ALLEDU_HUB_CULL_TIMEOUT seconds
  and deletes the temporary user, whose state is worthless once the server is gone.
- limits: ALLEDU_HUB_MAX_SERVERS servers at once (enforced by the hub), at most 20 starting at once
  (a 2-core box that starts dozens of Python servers at once answers nobody); memory and CPU
  limits are declared here for the record, but only Kubernetes enforces them.

Environment (all optional): HUB_IP (127.0.0.1), HUB_PORT (8000), ALLEDU_HUB_STATE (state folder:
database, cookie secret, learners' working folders; default .hub in the repository),
ALLEDU_HUB_CULL_TIMEOUT (1800 s), ALLEDU_HUB_CULL_EVERY (60 s), ALLEDU_HUB_MAX_SERVERS (40),
ALLEDU_HUB_API_PORT and ALLEDU_HUB_PROXY_API_PORT (internal; a free port each when unset).
"""

# ruff: noqa: F821  (`c` is injected by traitlets when it loads this file)
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

from jupyterhub.spawner import SimpleLocalProcessSpawner
from jupyterhub.utils import wait_for_http_server
from traitlets import default

from alledu.serve import suite_info

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"

# Limits (one place for this machine; the z2jh values file repeats them for Kubernetes).
MEM_LIMIT = "700M"  # the learner server (~186 MiB) and up to three lessons open (110-148 MiB each)
MEM_GUARANTEE = "350M"  # the server and one plot lesson kernel: 186 + 148 MiB, docs/deploy.md
CPU_LIMIT = 1.0
CPU_GUARANTEE = 0.05
QUEUE_TIMEOUT = 600  # seconds a learner may wait for a start place plus the start itself


def _setting(name: str, default: int, low: int, high: int, unit: str) -> int:
    """An integer from the environment, or a one-line message and exit status 2."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        print(f"alledu hub: {name} = {raw!r} is not accepted; accepted: {low} to {high} {unit}", file=sys.stderr)
        sys.exit(2)
    return value


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if not os.access(PROXY, os.X_OK):
    print(f"alledu hub: {PROXY} is missing; run `make hub-deps` (npm ci in deploy/jupyterhub)", file=sys.stderr)
    sys.exit(2)

STATE = Path(os.environ.get("ALLEDU_HUB_STATE") or REPO / ".hub").resolve()
(STATE / "learners").mkdir(parents=True, exist_ok=True)


def _teacher_content() -> None:
    """ALLEDU_CONTENT (a teacher's folder, docs/authoring.md): checked now, like `alledu serve
    --content`; a folder with problems stops the hub with every problem listed, exit status 2."""
    from alledu.authoring.cli import serve_content
    from alledu.authoring.problems import ContentProblems
    from alledu.errors import InvalidInput

    folder = os.environ.get("ALLEDU_CONTENT") or None
    try:
        serve_content(folder, os.environ.get("ALLEDU_CONTENT_ONLY") == "1")
    except ContentProblems as exc:
        print(f"{exc}\nalledu hub: ALLEDU_CONTENT={folder}: {len(exc.problems)} problem(s)", file=sys.stderr)
        sys.exit(2)
    except InvalidInput as exc:  # ALLEDU_CONTENT_ONLY=1 without a folder
        print(f"alledu hub: {exc} (ALLEDU_CONTENT, ALLEDU_CONTENT_ONLY)", file=sys.stderr)
        sys.exit(2)


_teacher_content()
HUB_IP = os.environ.get("HUB_IP", "127.0.0.1")
HUB_PORT = _setting("HUB_PORT", 8000, 1, 65535, "(TCP port)")
CULL_TIMEOUT = _setting("ALLEDU_HUB_CULL_TIMEOUT", 1800, 10, 7 * 86400, "seconds")
CULL_EVERY = _setting("ALLEDU_HUB_CULL_EVERY", 60, 1, 3600, "seconds")
MAX_SERVERS = _setting("ALLEDU_HUB_MAX_SERVERS", 40, 1, 10000, "servers")
# learner servers starting at once; the rest of a class arriving together waits its turn (LearnerSpawner)
# (4 per core: 60 arriving on 2 cores with 20 at a time starved the proxy, whose API then timed
# out, and the hub stopped 24 servers it could not route, bench/hub.py 2026-12-08)
CONCURRENT_STARTS = _setting("ALLEDU_HUB_STARTS_AT_ONCE", 4 * (os.cpu_count() or 1), 1, 1000, "servers")

# --- the hub and its proxy, on this machine only ---
c.JupyterHub.bind_url = f"http://{HUB_IP}:{HUB_PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = _setting("ALLEDU_HUB_API_PORT", 0, 0, 65535, "(TCP port)") or _free_port()
c.ConfigurableHTTPProxy.api_url = (
    f"http://127.0.0.1:{_setting('ALLEDU_HUB_PROXY_API_PORT', 0, 0, 65535, '(TCP port)') or _free_port()}"
)
c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
# how often the hub reads the proxy's per-route activity, which the culler judges by
c.JupyterHub.last_activity_interval = max(2, min(300, CULL_TIMEOUT // 4))

# --- login: a temporary user per browser, nobody is admin ---
c.JupyterHub.authenticator_class = "tmp"
c.Authenticator.allow_all = True
c.Authenticator.admin_users = set()
info = suite_info()
c.JupyterHub.template_vars = {
    "announcement": f"{info['title']}: {info['notice']} Content checked {info['checked']}.",
}


# --- one learner server per user: a local process running deploy/jupyterhub/learner_server.py ---
class LearnerSpawner(SimpleLocalProcessSpawner):
    """A local learner server with its own working folder, removed when the server stops.

    Starts wait their turn here, CONCURRENT_STARTS at a time: JupyterHub's own
    `concurrent_spawn_limit` answers everyone beyond it "429 Too many users trying to log in"
    (10 of a class of 30 were turned away, issue 24); here they see the usual "your server is
    starting" page a little longer instead.
    """

    _turns: asyncio.Semaphore | None = None

    async def start(self) -> Any:
        if LearnerSpawner._turns is None:  # made on the hub's event loop, once
            LearnerSpawner._turns = asyncio.Semaphore(CONCURRENT_STARTS)
        async with LearnerSpawner._turns:
            ip, port = await super().start()
            # the turn is held until the server answers: a process launched is not yet a server
            # started, and 30 booting at once on 2 cores is what made the hub turn learners away
            base = self.server.base_url if self.server else "/"
            with contextlib.suppress(TimeoutError):  # the hub's own wait reports a server that never came up
                await wait_for_http_server(f"http://{ip}:{port}{base}", timeout=self.http_timeout)
            return ip, port

    @default("env_keep")
    def _env_keep_default(self) -> list[str]:
        # a host may serve other lessons, and a teacher's own questions and cases (docs/authoring.md)
        return [*super()._env_keep_default(), "ALLEDU_NOTEBOOKS", "ALLEDU_CONTENT", "ALLEDU_CONTENT_ONLY"]

    def run_post_stop_hook(self) -> None:
        shutil.rmtree(self.home_dir, ignore_errors=True)
        super().run_post_stop_hook()


c.JupyterHub.spawner_class = LearnerSpawner
c.LearnerSpawner.home_dir_template = str(STATE / "learners" / "{username}")
# learner servers below the hub and the proxy, which every learner's requests go through: a class
# starting its servers and lesson kernels at once must never starve the proxy's API
c.Spawner.cmd = ["nice", "-n", "5", sys.executable, str(HERE / "learner_server.py")]
c.Spawner.start_timeout = QUEUE_TIMEOUT  # the wait for a start place counts: a class queues
c.Spawner.http_timeout = 90
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.mem_guarantee = MEM_GUARANTEE
c.Spawner.cpu_limit = CPU_LIMIT
c.Spawner.cpu_guarantee = CPU_GUARANTEE
c.JupyterHub.active_server_limit = MAX_SERVERS
c.JupyterHub.concurrent_spawn_limit = 0  # never 429: LearnerSpawner queues the starts instead
c.JupyterHub.allow_named_servers = False

# --- culling idle learner servers, and their temporary users with them ---
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={CULL_TIMEOUT}",
            f"--cull-every={CULL_EVERY}",
            "--cull-users=true",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers", "admin:users"],
        "services": ["idle-culler"],
    }
]
