"""One learner's server in JupyterHub: `alledu serve`'s Voila, behind the hub's login.

Why a script and not `jupyterhub-singleuser`: the single-user Jupyter server would give every
learner the kernel API, the contents API and JupyterLab, i.e. a place to run code and read
the lesson sources. Standalone Voila, started by `alledu.serve.voila_command` with the same
configuration, template and settings as `alledu serve` (no sources, no tracebacks, only widget
messages on a kernel's websocket, nothing loaded from the internet), admits none of that. The
only addition is JupyterHub's own identity provider and authorizer (the classes
`jupyterhub-singleuser` uses), so each request must carry an OAuth cookie that the hub issued
for this very server: another learner's cookies are refused.

The hub (a local spawner, or KubeSpawner in a pod) tells the server where to listen and under
which prefix through its standard environment variables; extra arguments JupyterHub may pass
are ignored. Used by deploy/jupyterhub/jupyterhub_config.py and by the learner image
(deploy/learner/Dockerfile, z2jh `singleuser.cmd`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jupyterhub.singleuser.extension import JupyterHubIdentityProvider
from jupyterhub.utils import url_path_join

from alledu.serve import voila_command

HERE = Path(__file__).resolve().parent
HUB_AUTH = [
    "--Voila.identity_provider_class=learner_server.VoilaHubIdentityProvider",
    "--Voila.authorizer_class=jupyterhub.singleuser.extension.JupyterHubAuthorizer",
]


class VoilaHubIdentityProvider(JupyterHubIdentityProvider):
    """JupyterHub's identity provider, fitted to standalone Voila (0.5).

    Voila mounts an identity provider's handlers (the OAuth callback, logout) at the server
    root instead of under its base URL, so the hub's redirect to /user/<name>/oauth_callback
    would find nothing; and it passes a `token` argument this provider has no use for.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("token", None)  # Voila's password token; the hub's OAuth replaces it
        super().__init__(**kwargs)

    def get_handlers(self) -> list[tuple[Any, ...]]:
        return [(url_path_join(self.hub_auth.base_url, path), *rest) for path, *rest in super().get_handlers()]


def learner_command(environ: Mapping[str, str], pool: int) -> tuple[list[str], dict[str, str]]:
    """The Voila command and environment for the server JupyterHub asked for in `environ`."""
    missing = [k for k in ("JUPYTERHUB_SERVICE_URL", "JUPYTERHUB_SERVICE_PREFIX") if not environ.get(k)]
    if missing:
        raise ValueError(f"{missing[0]}: not set; this script is started by JupyterHub, not by hand")
    bind = urlsplit(environ["JUPYTERHUB_SERVICE_URL"])
    cmd, env = voila_command(
        port=bind.port or 8888,
        host=bind.hostname or "0.0.0.0",
        open_browser=False,
        token="",
        base_url=environ["JUPYTERHUB_SERVICE_PREFIX"],
        pool=pool,
    )
    # the Voila process imports VoilaHubIdentityProvider from this file
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    return [*cmd, *HUB_AUTH], env


def main(argv: list[str] | None = None) -> int:
    """Replace this process with the learner's Voila server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pool",
        type=int,
        default=0,
        help="preheated kernels per lesson (default 0: one learner opens one lesson at a time)",
    )
    args, _ignored = parser.parse_known_args(argv)
    try:
        cmd, env = learner_command(os.environ, args.pool)
    except ValueError as exc:
        print(f"alledu learner server: {exc}", file=sys.stderr)
        return 2
    os.execve(cmd[0], cmd, env)
    return 0  # not reached: execve replaces this process


if __name__ == "__main__":
    sys.exit(main())
