"""Bytes on the wire per lesson: a first visit with an empty cache, then the next lesson warm.

    .venv/bin/python bench/weight.py [--out bench/results/weight.md]

A classroom shares one access point: what each learner's browser downloads is what the room
waits for. For every lesson, a fresh Chromium context (empty cache) opens the lesson served
exactly as `alledu serve` serves it and waits until it is interactive; the bytes counted are
what crossed the network (compressed when the server compressed them: Chrome's
encodedDataLength), plus the kernel websocket's frames, which carry every widget's state.
Then, in the same context, the next lesson is opened (warm cache). The
ratio is against a bare one-slider page measured in the same run (the Voila front end itself).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BARE, bare_notebook, lesson_ids  # noqa: E402
from tests.browser_support import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from tests.server import running_server  # noqa: E402

MB = 1_000_000


def wire_bytes(page, url: str, ready: str) -> tuple[int, int]:
    """(bytes on the wire, requests) for one navigation, counted by the DevTools protocol: every
    HTTP response as transferred, plus the kernel websocket's frames (the widgets' state)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    frames: list[int] = []
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    cdp.on("Network.webSocketFrameReceived", lambda e: frames.append(len(e["response"]["payloadData"])))
    page.goto(url, wait_until="commit")
    page.wait_for_selector(".jupyter-widgets", timeout=120_000)
    page.wait_for_selector(ready, timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    page.wait_for_timeout(1000)  # the last widget messages
    cdp.detach()
    return sum(sizes.values()) + sum(frames), len(sizes)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "weight.md"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        notebooks = Path(tmp)
        for nb in (ROOT / "alledu" / "lessons").glob("*.ipynb"):
            (notebooks / nb.name).write_bytes(nb.read_bytes())
        bare_notebook(notebooks / f"{BARE}.ipynb")
        import os

        os.environ["ALLEDU_NOTEBOOKS"] = str(notebooks)
        pages = [BARE, *lesson_ids()]
        rows = []
        with running_server() as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            for i, page_id in enumerate(pages):
                context = browser.new_context(viewport={"width": 1280, "height": 1600})
                page = context.new_page()
                ready = ".widget-slider" if page_id == BARE else "text=References"
                cold, n = wire_bytes(page, f"{base}voila/render/{page_id}.ipynb", ready)
                nxt = pages[(i + 1) % len(pages)] if page_id != BARE else pages[1]
                warm, _ = wire_bytes(
                    page, f"{base}voila/render/{nxt}.ipynb", ".widget-slider" if nxt == BARE else "text=References"
                )
                rows.append((page_id, cold, n, nxt, warm))
                context.close()
            browser.close()
    bare = rows[0][1]
    lines = [
        "| page | first visit (MB) | requests | ratio to bare | next page | next page, warm cache (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for page_id, cold, n, nxt, warm in rows:
        lines.append(f"| {page_id} | {cold / MB:.2f} | {n} | {cold / bare:.2f} | {nxt} | {warm / MB:.3f} |")
    text = "\n".join(lines)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
