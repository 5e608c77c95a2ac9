"""Served-app tests against a real Voila server started as `alledu serve` starts it."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import websocket

from alledu.content_loader import content

pytestmark = pytest.mark.served
LESSONS = [lesson.id for lesson in content().lessons.lessons]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""


def test_landing_page_lists_every_lesson(served: str) -> None:
    status, html = get(served)
    assert status == 200
    assert "Educational use only" in html and "2021 review 2021-07-02 · US labels as checked" in html
    for lesson in content().lessons.lessons:
        assert f'href="/voila/render/{lesson.id}.ipynb"' in html
        assert lesson.title in html and lesson.purpose in html and f"({lesson.minutes} min)" in html


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_every_lesson_answers_200_with_shared_header(served: str, lesson_id: str) -> None:
    status, html = get(f"{served}voila/render/{lesson_id}.ipynb")
    assert status == 200
    assert 'class="alledu-bar"' in html and 'class="alledu-foot"' in html
    # no stylesheet, script or module import from another host
    assert not re.search(r"""(href|src)=["']https?://""", html)
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html
    # sources stripped: the notebook's code is not in the page
    assert "page.header(" not in html and "import DoseCalculator" not in html


@pytest.mark.parametrize(
    "path",
    [
        "voila/files/02_bsa_and_dosing.ipynb",
        "voila/files/00_start_here.ipynb",
        "voila/files/../alledu/cli.py",
        "voila/files/..%2Falledu%2Fcli.py",
        "voila/files/../tools/notebooks.py",
        "api/contents/02_bsa_and_dosing.ipynb",
        "files/02_bsa_and_dosing.ipynb",
    ],
)
def test_sources_cannot_be_downloaded(served: str, path: str) -> None:
    status, body = get(served + path)
    assert status in (403, 404), (path, status)
    assert "NBVAL" not in body and "import" not in body


@pytest.mark.parametrize(
    "path",
    ["voila/api/contents", "voila/api/contents/", "voila/api/contents/02_bsa_and_dosing.ipynb?content=1"],
)
def test_contents_api_gives_no_source_and_no_listing(served: str, path: str) -> None:
    """Issue 24: the listing showed every notebook with its size, date and "writable": true."""
    status, body = get(served + path)
    assert status == 404
    assert '"cells"' not in body and "writable" not in body and ".ipynb" not in body


def _kernel_id(served: str, lesson_id: str) -> str:
    status, html = get(f"{served}voila/render/{lesson_id}.ipynb")
    assert status == 200
    config = re.search(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', html, re.S)
    assert config, "no page config"
    return json.loads(config.group(1))["kernelId"]


def _message(msg_type: str, content: dict) -> str:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "t",
        "session": uuid.uuid4().hex,
        "date": "2026-01-01T00:00:00Z",
        "version": "5.3",
    }
    return json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"})


def test_execute_request_over_kernel_websocket_runs_no_code(served: str, tmp_path: Path) -> None:
    kernel = _kernel_id(served, "02_bsa_and_dosing")
    marker = tmp_path / "executed.txt"
    ws = websocket.create_connection(
        served.replace("http", "ws") + f"api/kernels/{kernel}/channels",
        origin=served.rstrip("/"),
        timeout=5,
    )
    try:
        ws.send(
            _message(
                "execute_request",
                {
                    "code": f"open({str(marker)!r}, 'w').write('ran')",
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                },
            )
        )
        ws.send(_message("kernel_info_request", {}))  # positive control: the channel itself works
        seen: list[str] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "kernel_info_reply" not in seen:
            try:
                seen.append(json.loads(ws.recv())["header"]["msg_type"])
            except websocket.WebSocketTimeoutException:
                break
        time.sleep(1.0)
    finally:
        ws.close()
    assert "kernel_info_reply" in seen
    assert "execute_reply" not in seen and "execute_input" not in seen
    assert not marker.exists()


def test_base_url_prefix_is_respected() -> None:
    """A host behind a reverse proxy serves the suite under a prefix (`alledu serve --base-url`)."""
    from tests.server import running_server

    with running_server(base_url="/alledu/", extra=("--VoilaConfiguration.preheat_kernel=False",)) as base:
        assert base.endswith("/alledu/")
        status, html = get(base)
        assert status == 200 and 'href="/alledu/voila/render/02_bsa_and_dosing.ipynb"' in html
        status, page = get(base + "voila/render/00_start_here.ipynb")
        assert status == 200 and 'class="alledu-bar"' in page and '"baseUrl": "/alledu/"' in page


def test_serve_options_reach_voila() -> None:
    from alledu.serve import HERE, voila_command

    cmd, env = voila_command(port=9001, host="0.0.0.0", open_browser=False, token="s3cret", base_url="course")
    assert "--port=9001" in cmd and "--Voila.ip=0.0.0.0" in cmd and "--token=s3cret" in cmd
    assert "--Voila.base_url=/course/" in cmd and "--no-browser" in cmd
    i = cmd.index("--Voila.config_file_paths")
    assert cmd[i + 1] == str(HERE)
    assert env["JUPYTER_PATH"].split(":")[0] == str(HERE / "jupyter")
    cmd, _ = voila_command(port=8866, host="127.0.0.1", open_browser=True, token="", base_url="/")
    assert "--no-browser" not in cmd and "--Voila.base_url=/" in cmd
    assert not any("pool_size" in part for part in cmd)  # the default lives in voila.py
    cmd, _ = voila_command(port=8866, host="127.0.0.1", open_browser=False, token="", base_url="/", pool=4)
    assert "--VoilaConfiguration.default_pool_size=4" in cmd
    assert not any("provisioner" in part for part in cmd)  # forking is the default, set in voila.py
    cmd, _ = voila_command(port=8866, host="127.0.0.1", open_browser=False, token="", base_url="/", fork=False)
    assert "--KernelProvisionerFactory.default_provisioner_name=local-provisioner" in cmd


def test_cli_serve_defaults() -> None:
    from alledu.cli import build_parser

    ns = build_parser().parse_args(["serve"])
    assert (ns.port, ns.host, ns.no_browser, ns.token, ns.base_url) == (8866, "127.0.0.1", False, "", "/")


def test_cli_serve_passes_every_option(monkeypatch: pytest.MonkeyPatch) -> None:
    import alledu.serve
    from alledu.cli import main

    seen: dict = {}
    monkeypatch.setattr(alledu.serve, "serve", lambda **kw: seen.update(kw) or 0)
    argv = ["serve", "--port", "9002", "--host", "0.0.0.0", "--no-browser", "--token", "t", "--base-url", "/x/"]
    assert main([*argv, "--pool", "3"]) == 0
    assert seen == {
        "port": 9002,
        "host": "0.0.0.0",
        "open_browser": False,
        "token": "t",
        "base_url": "/x/",
        "pool": 3,
        "class_size": None,
        "lessons": None,
        "max_kernels": None,
        "fork": True,
    }
    seen.clear()
    assert main(["serve", "--class", "60", "--lessons", "02_bsa_and_dosing,03_schedule_timeline"]) == 0
    assert (seen["class_size"], seen["lessons"]) == (60, ["02_bsa_and_dosing", "03_schedule_timeline"])
    assert main(["serve", "--max-kernels", "40"]) == 0 and seen["max_kernels"] == 40
    assert main(["serve", "--no-fork"]) == 0 and seen["fork"] is False


def test_pages_and_scripts_travel_compressed(served: str) -> None:
    """A class shares one access point: text responses are gzip-compressed, and no unused lab
    extension is listed for the browser to download (issue 9)."""
    import gzip
    import json
    import re

    def fetch(url: str) -> tuple[str | None, bytes]:
        req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req, timeout=60) as r:
            lengths.append(r.headers.get("Content-Length"))
            return r.headers.get("Content-Encoding"), r.read()

    lengths: list[str | None] = []

    encoding, body = fetch(f"{served}voila/render/02_bsa_and_dosing.ipynb")
    assert encoding == "gzip"
    page = gzip.decompress(body).decode()
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    names = [e["name"] for e in config.get("federated_extensions", [])]
    assert "jupyterlab-plotly" not in names and "@jupyter-widgets/jupyterlab-manager" in names
    script = re.search(r'src="([^"]+\.js[^"]*)"', page).group(1)
    script_url = served.rstrip("/") + script if script.startswith("/") else served + script
    encoding, body = fetch(script_url)
    assert encoding == "gzip" and len(gzip.decompress(body)) > len(body)
    # the next learner gets the same bytes compressed once before, whole (with their length)
    again = fetch(script_url)
    assert again == (encoding, body) and lengths[-1] == str(len(body))


def test_a_forked_kernel_is_seen_gone_when_it_ends_and_a_reused_pid_is_not_it() -> None:
    """The restarter asks each kernel every 3 s whether it lives (ForkedProcess.poll): cheap (one
    poll(2) on a pidfd), true to the process (an exited but unreaped one is gone), never fooled
    by a later process given the same pid."""
    import subprocess

    from alledu.serve.forking import ForkedProcess

    proc = subprocess.Popen(["sleep", "0.3"])
    kernel = ForkedProcess(proc.pid)
    assert kernel.poll() is None and kernel._fd is not None
    deadline = time.monotonic() + 10
    while kernel.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kernel.poll() == 1 and proc.returncode is None  # seen gone while still unreaped (a zombie)
    proc.wait()
    assert ForkedProcess(proc.pid).poll() == 1  # no process: gone at once
    live = subprocess.Popen(["sleep", "30"])
    try:
        kernel = ForkedProcess(live.pid)
        kernel.send_signal(15)
        live.wait(10)
        assert kernel.poll() == -15  # we signalled it: -signal, as Popen says
    finally:
        live.kill()


def test_folders_a_killed_server_left_are_removed_at_the_next_start(tmp_path: Path) -> None:
    """Issue 24 (low): `kill -9` of Voila left its connection folder (53-651 files) and the fork
    template's folder; each is marked with its owner and removed once that owner is gone."""
    import subprocess

    from alledu.serve import leftovers

    dead = subprocess.Popen(["true"])
    dead.wait()
    gone = tmp_path / "voila_gone"
    gone.mkdir()
    (gone / "kernel-1.json").write_text("{}")
    (gone / leftovers.MARK).write_text(f"{dead.pid} 1.0\n")
    template = tmp_path / "alledu-template-gone"
    template.mkdir()
    (template / leftovers.MARK).write_text(f"{dead.pid} 1.0\n")
    mine = tmp_path / "voila_mine"  # a server still running (this process)
    mine.mkdir()
    leftovers.mark(mine)
    strangers = tmp_path / "voila_other"  # not marked: somebody else's Voila
    strangers.mkdir()
    assert sorted(p.name for p in leftovers.sweep(tmp_path)) == ["alledu-template-gone", "voila_gone"]
    assert not gone.exists() and not template.exists() and mine.exists() and strangers.exists()


def test_a_failing_kernel_start_is_retried_later_and_later() -> None:
    """Issue 24 (low): with /tmp full the refill retried every second with a traceback each time."""
    from alledu.serve.kernels import RETRY_MAX_S, retry_delay

    assert [retry_delay(n) for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60] and RETRY_MAX_S == 60


def test_websocket_ping_settings_are_what_tornado_applies() -> None:
    """Issue 24 (low): a 90 s ping timeout was silently cut to the 30 s interval by tornado >= 6.5."""
    import ast

    source = (Path(__file__).resolve().parent.parent / "alledu" / "serve" / "voila.py").read_text()
    [settings] = [
        ast.literal_eval(node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "c.Voila.tornado_settings"
    ]
    assert 0 < settings["websocket_ping_timeout"] <= settings["websocket_ping_interval"]
