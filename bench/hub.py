"""A class arriving together at the JupyterHub (`make hub`'s configuration): time to a ready server.

    .venv/bin/python bench/hub.py [--sizes 30,60] [--starts-at-once N]

For each class size, a fresh hub is started from deploy/jupyterhub/jupyterhub_config.py on a
free loopback port, and that many browser-less learners open it at the same moment (each its
own cookies, as a browser would: hub -> temporary login -> spawn -> "server starting" -> the
learner's landing page). Reported: how many got their landing page, any HTTP 429 or error on
the way, and the time to the landing page (p50 / p95 / max). Learners beyond the hub's
`ALLEDU_HUB_MAX_SERVERS` (raised here to the class size) would be told the hub is full.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import free_port  # noqa: E402
from tests.test_hub import CONFIG, Hub, landing_lessons  # noqa: E402

OUT = ROOT / "bench" / "results"


def arrive(hub: Hub, statuses: list[int]) -> float:
    """One learner: seconds until their landing page lists the lessons (raises on failure)."""
    start = time.monotonic()
    session = requests.Session()
    session.hooks["response"].append(lambda r, *a, **k: statuses.append(r.status_code))
    r = session.get(hub.url, timeout=300)
    while "/user/" not in r.url or not landing_lessons(r.text):
        if time.monotonic() - start > 900:
            raise TimeoutError("no landing page after 900 s")
        time.sleep(1)
        r = session.get(r.url, timeout=300)
    return time.monotonic() - start


def run(size: int, starts: int | None, tmp: Path) -> dict:
    state = tmp / f"hub-{size}"
    port = free_port()
    env = {
        **os.environ,
        "HUB_PORT": str(port),
        "ALLEDU_HUB_STATE": str(state),
        "ALLEDU_HUB_MAX_SERVERS": str(size),
    }
    if starts:
        env["ALLEDU_HUB_STARTS_AT_ONCE"] = str(starts)
    hub = Hub([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], env, port, state)
    statuses: list[int] = []
    try:
        with ThreadPoolExecutor(size) as pool:
            futures = [pool.submit(arrive, hub, statuses) for _ in range(size)]
            times, errors = [], []
            for f in futures:
                try:
                    times.append(f.result())
                except Exception as exc:
                    errors.append(repr(exc))
    finally:
        hub.stop()
    times.sort()
    q = statistics.quantiles(times, n=20) if len(times) > 1 else times * 19
    return {
        "class": size,
        "starts_at_once": starts or f"hub default ({4 * (os.cpu_count() or 1)})",
        "ready": len(times),
        "errors": errors[:3],
        "http_429": statuses.count(429),
        "p50_s": statistics.median(times) if times else float("nan"),
        "p95_s": q[18] if times else float("nan"),
        "max_s": times[-1] if times else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda t: [int(x) for x in t.split(",")], default=[30])
    parser.add_argument("--starts-at-once", type=int, default=None, help="default: the hub's own (4 per core)")
    ns = parser.parse_args()
    import tempfile

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in ns.sizes:
            results.append(run(size, ns.starts_at_once, Path(tmp)))
            print(json.dumps(results[-1]), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "hub.json").write_text(json.dumps(results, indent=1))
    return 0 if all(r["ready"] == r["class"] and not r["http_429"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
