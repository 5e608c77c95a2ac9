"""One learner's server in JupyterHub: `alledu serve`'s Voila, behind the hub's login.

Why a script and not `jupyterhub-singleuser`: the single-user Jupyter server would give every
learner the kernel API, the contents API and JupyterLab, i.e. a place to run code and read
the lesson sources. Standalone Voila, started by `alledu.serve.voila_command` with the same
configuration, template and settings as `alledu serve` (no sources, no tracebacks, only widget
messages on a kernel's websocket, nothing loaded from the internet), admits none of that. The
only addition is JupyterHub's own identity provider and authorizer (the classes
`jupyterhub-singleuser` uses; voila_hub_auth.py), so each request must carry an OAuth cookie that the hub issued
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
from urllib.parse import urlsplit

from alledu.serve import voila_command

HERE = Path(__file__).resolve().parent
HUB_AUTH = [
    "--Voila.identity_provider_class=voila_hub_auth.VoilaHubIdentityProvider",
    "--Voila.authorizer_class=jupyterhub.singleuser.extension.JupyterHubAuthorizer",
]


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
    # the Voila process imports the identity provider from voila_hub_auth.py beside this file
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
    from alledu.serve.compat import UpstreamChanged, require

    try:
        require()  # an upgrade removed a name alledu/serve relies on: say which, start nothing
        cmd, env = learner_command(os.environ, args.pool)
    except UpstreamChanged as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"alledu learner server: {exc}", file=sys.stderr)
        return 2
    os.execve(cmd[0], cmd, env)
    return 0  # not reached: execve replaces this process


if __name__ == "__main__":
    sys.exit(main())
