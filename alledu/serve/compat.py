"""What alledu borrows from its upstreams' internals, named in one table and checked at start.

Why: serving a class leans on names Voila, jupyter_server, nbconvert, tornado and ipywidgets do not
promise to keep (a kernel pool's `_pools`, a handler's `_reason`, a template exporter's
`_create_environment`...). An upgrade that drops one would not fail loudly: a pool would stop
refilling, a page would lose its headers. `require()` runs when `alledu serve` starts and stops it
with the missing name, the module, the upstream package and its installed version, and the file
of alledu that uses it (the one to re-check, docs/architecture.md). Versions written against: the
pins in requirements-serve.txt.

Two kinds of entry: `attr` (the dotted name must exist on the module) and `source` (an instance
attribute, set in upstream code rather than on a class: the name must appear in that code).

This is the first step of the seam (issue 23, item 2): the table lists every private name; the
patches themselves still live in the files named here, to be folded into this module next.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import inspect
from typing import Any


@dataclasses.dataclass(frozen=True)
class Borrowed:
    package: str  # the distribution, for its version
    module: str
    name: str  # dotted from the module
    kind: str  # "attr" or "source"
    used_in: str  # alledu's file that relies on it


BORROWED: tuple[Borrowed, ...] = (
    Borrowed("voila", "voila.app", "voila_kernel_manager_factory", "attr", "alledu/serve/app.py"),
    Borrowed("voila", "voila.app", "Voila.init_handlers", "attr", "alledu/serve/app.py"),
    Borrowed("voila", "voila.app", "Voila.stop", "attr", "alledu/serve/app.py"),
    Borrowed("voila", "voila.voila_kernel_manager", "_pools", "source", "alledu/serve/kernels.py"),
    Borrowed("voila", "voila.voila_kernel_manager", "_initialize", "source", "alledu/serve/kernels.py"),
    Borrowed("voila", "voila.voila_kernel_manager", "kernel_pools_config", "source", "alledu/serve/kernels.py"),
    Borrowed(
        "nbconvert",
        "nbconvert.exporters.templateexporter",
        "TemplateExporter._create_environment",
        "attr",
        "alledu/serve/app.py",
    ),
    Borrowed(
        "jupyter_server",
        "jupyter_server.services.kernels.connection.channels",
        "ZMQChannelsWebsocketConnection._open_sessions",
        "attr",
        "alledu/serve/kernels.py",
    ),
    Borrowed(
        "jupyter_server",
        "jupyter_server.services.kernels.connection.channels",
        "_kernel_info_future",
        "source",
        "alledu/serve/kernels.py",
    ),
    Borrowed(
        "jupyter_server",
        "jupyter_server.services.kernels.kernelmanager",
        "_kernel_connections",
        "source",
        "alledu/serve/kernels.py",
    ),
    Borrowed(
        "jupyter_server",
        "jupyter_server.services.kernels.kernelmanager",
        "_activity_stream",
        "source",
        "alledu/serve/kernels.py",
    ),
    Borrowed("jupyter_server", "jupyter_server._tz", "utcnow", "attr", "alledu/serve/kernels.py"),
    Borrowed("tornado", "tornado.web", "StaticFileHandler.set_headers", "attr", "alledu/serve/compression.py"),
    Borrowed("tornado", "tornado.web", "GZipContentEncoding._compressible_type", "attr", "alledu/serve/compression.py"),
    Borrowed("tornado", "tornado.web", "_gzipping", "source", "alledu/serve/compression.py"),
    Borrowed("tornado", "tornado.web", "_finished", "source", "alledu/serve/compression.py"),
    Borrowed("tornado", "tornado.web", "_reason", "source", "alledu/serve/hardening.py"),
    Borrowed(
        "ipywidgets", "ipywidgets.widgets.widget", "Widget._handle_control_comm_msg", "attr", "alledu/widgets/states.py"
    ),
)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _present(b: Borrowed) -> bool:
    try:
        module = importlib.import_module(b.module)
    except ImportError:
        return False
    if b.kind == "source":
        try:
            return b.name in inspect.getsource(module)
        except (OSError, TypeError):  # no source shipped: cannot tell, so do not block the start
            return True
    node: Any = module
    for part in b.name.split("."):
        if not hasattr(node, part):
            return False
        node = getattr(node, part)
    return True


def missing() -> list[str]:
    """Each borrowed name an installed upstream no longer has, said with what to re-check."""
    return [
        f"{b.module}.{b.name} ({b.package} {_version(b.package)}): used by {b.used_in}"
        for b in BORROWED
        if not _present(b)
    ]


class UpstreamChanged(RuntimeError):
    """An upgrade removed a name alledu relies on: serving stops rather than misbehaving later."""

    def __init__(self, gone: list[str]) -> None:
        self.gone = gone
        super().__init__(
            "alledu: an upstream package changed under alledu/serve; these names are gone:\n  "
            + "\n  ".join(gone)
            + "\nInstall the versions in requirements-serve.txt, or adapt the files named (docs/architecture.md)."
        )


def require() -> None:
    """Raise UpstreamChanged with every missing name (`alledu serve` and the hub's learner servers
    check before they start Voila)."""
    if gone := missing():
        raise UpstreamChanged(gone)
