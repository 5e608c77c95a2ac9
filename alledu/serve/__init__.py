"""`alledu serve`: the lessons as Voila apps, with the configuration kept in this folder.

Why: a teacher runs one command and hands out a link; a host on a hospital network gets a
server that makes no request to the internet and lets no learner run code. The landing page
and each lesson's header/footer are filled from the same content files as the lessons.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def notebooks_dir() -> Path:
    """The lessons: ALLEDU_NOTEBOOKS, else the repository's notebooks/ beside the package."""
    path = Path(os.environ.get("ALLEDU_NOTEBOOKS", HERE.parent.parent / "notebooks"))
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


def page_config_hook(page_config: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Voila hook: give the templates the suite's title, notice, dates and lesson list."""
    page_config["alledu"] = suite_info()
    return page_config


def plotly_bundle_dir() -> tuple[Path, str]:
    """A Jupyter data dir offering plotly's widget bundle as a template static file.

    Returns the dir (for JUPYTER_PATH) and the file's path below the base URL. The file name
    carries plotly's version, so an upgrade is never served from a stale browser cache.
    """
    import tempfile

    import plotly

    bundle = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
    name = f"plotly-widget-{plotly.__version__}.js"
    root = Path(tempfile.gettempdir()) / f"alledu-voila-{os.getuid()}"
    static = root / "voila" / "templates" / "alledu" / "static"
    static.mkdir(parents=True, exist_ok=True)
    target = static / name
    if not target.exists() or target.stat().st_size != bundle.stat().st_size:
        # a copy, not a symlink: tornado refuses static files that link outside their root
        tmp = static / f".{name}.{os.getpid()}"
        shutil.copyfile(bundle, tmp)
        tmp.replace(target)
    return root, f"voila/templates/alledu/static/{name}"


def voila_command(
    *, port: int, host: str, open_browser: bool, token: str, base_url: str, pool: int | None = None
) -> tuple[list[str], dict[str, str]]:
    """The Voila command line and environment `alledu serve` runs (also used by tests)."""
    if not base_url.startswith("/"):
        base_url = "/" + base_url
    if not base_url.endswith("/"):
        base_url += "/"
    env = dict(os.environ)
    bundle_root, bundle_path = plotly_bundle_dir()
    env["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [str(HERE / "jupyter"), str(bundle_root), env.get("JUPYTER_PATH")])
    )
    env["ALLEDU_PLOTLY_BUNDLE"] = bundle_path  # read by alledu.widgets.plot in lesson kernels
    cmd = [
        sys.executable,
        "-m",
        "voila",
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
    if pool is not None:
        if pool < 0:
            raise ValueError(f"pool: {pool} is not accepted; accepted: 0 or more kernels per lesson")
        cmd.append(f"--VoilaConfiguration.default_pool_size={pool}")
    return cmd, env


def serve(
    *,
    port: int = 8866,
    host: str = "127.0.0.1",
    open_browser: bool = True,
    token: str = "",
    base_url: str = "/",
    pool: int | None = None,
) -> int:
    """Run Voila in the foreground until interrupted; returns its exit status."""
    cmd, env = voila_command(port=port, host=host, open_browser=open_browser, token=token, base_url=base_url, pool=pool)
    print(f"alledu: serving the lessons on http://{host}:{port}{base_url if base_url.startswith('/') else '/'}")
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0
