"""JupyterHub for a class: a real hub, its configurable-http-proxy and learner servers on loopback.

Two hubs per run: one started as `make hub` starts it (with culling shortened to seconds), one
started from the config file for two real Chromium learners. What a host relies on is checked
against the running processes: each browser gets its own learner server running the lessons in
`alledu serve`'s Voila, a learner's cookies open only their own server, the admin page is
closed to anonymous visitors, the culler stops an idle server and keeps a busy one, and the
Kubernetes files validate (values against the chart's schema, the Dockerfile by hadolint).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests
import yaml

from tests.server import free_port

pytestmark = pytest.mark.served
ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CONFIG = DEPLOY / "jupyterhub" / "jupyterhub_config.py"
LESSON = "02_bsa_and_dosing"
SHOTS = ROOT / "screenshots"


@pytest.fixture(scope="session")
def proxy_installed() -> None:
    """configurable-http-proxy from npm, as `make hub` installs it (a no-op once installed)."""
    subprocess.run(["make", "-s", "hub-deps"], cwd=ROOT, check=True)


class Hub:
    """A JupyterHub process group on a free loopback port, with its log in a file."""

    def __init__(self, cmd: list[str], env: dict[str, str], port: int, state: Path) -> None:
        self.url = f"http://127.0.0.1:{port}/"
        self.state = state
        self.log = state.parent / f"{state.name}.log"
        self.seen: dict[int, psutil.Process] = {}  # every learner server seen, to be sure all stop
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited early:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}hub/api/", timeout=5).json().get("version"):
                    return
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not answer in time:\n{self.log_tail()}")
            time.sleep(0.5)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def learner_servers(self) -> dict[str, psutil.Process]:
        """Running learner servers by user name, from their Voila command lines."""
        found = {}
        for proc in psutil.process_iter(["cmdline"]):
            cmdline = proc.info["cmdline"] or []
            if not ("voila" in cmdline or "alledu.serve.app" in cmdline) or not self._ours(proc):
                continue
            for arg in cmdline:
                m = re.fullmatch(r"--Voila\.base_url=/user/([^/]+)/", arg)
                if m:
                    found[m.group(1)] = proc
                    self.seen[proc.pid] = proc
        return found

    def _ours(self, proc: psutil.Process) -> bool:
        """A learner server runs in a working folder under this hub's state folder."""
        try:
            return Path(proc.cwd()).is_relative_to(self.state)
        except psutil.Error:
            return False

    def stop(self) -> None:
        """SIGTERM to the group: the hub stops its learner servers, culler and proxy itself."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        _gone, alive = psutil.wait_procs(list(self.seen.values()), timeout=20)
        for proc in alive:  # a leftover would be a defect, but must not outlive the test run
            proc.kill()
        assert alive == [], f"learner servers outlived the hub: {alive}"


def new_learner(hub: Hub) -> tuple[requests.Session, str]:
    """A browser-less learner: open the hub URL, follow it until the learner's server answers."""
    session = requests.Session()
    r = session.get(hub.url, timeout=60)
    deadline = time.monotonic() + 120
    while "/user/" not in r.url:
        assert time.monotonic() < deadline, f"no learner server after 120 s:\n{hub.log_tail()}"
        time.sleep(0.5)
        r = session.get(r.url, timeout=60)
    assert r.status_code == 200, r.text[:500]
    return session, r.url


def eventually(condition, timeout: float = 30.0) -> bool:
    """Whether `condition()` becomes true within `timeout` seconds (polled twice a second)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def user_of(url: str) -> str:
    m = re.search(r"/user/([^/]+)/", url)
    assert m, url
    return m.group(1)


def landing_lessons(html: str) -> list[str]:
    """The lesson ids the landing page links to."""
    return re.findall(r'href="[^"]*/voila/render/([0-9a-z_]+)\.ipynb"', html)


# --- `make hub`, and culling, on a hub with culling shortened to seconds ---


@pytest.fixture(scope="module")
def made_hub(proxy_installed, tmp_path_factory) -> Iterator[Hub]:
    """`make hub` as a host types it, with a temporary state folder and a free port."""
    state = tmp_path_factory.mktemp("made-hub") / "state"
    port = free_port()
    # 30 s: long enough that a learner still starting on a loaded 2-core machine is not culled
    env = {**os.environ, "ALLEDU_HUB_CULL_TIMEOUT": "30", "ALLEDU_HUB_CULL_EVERY": "2"}
    hub = Hub(["make", "-s", "hub", f"HUB_PORT={port}", f"HUB_STATE={state}"], env, port, state)
    yield hub
    hub.stop()


def test_make_hub_starts_and_serves_the_lessons(made_hub: Hub) -> None:
    assert (made_hub.state / "jupyterhub.sqlite").is_file()  # state went where HUB_STATE said
    assert (made_hub.state / "jupyterhub_cookie_secret").is_file()
    session, landing = new_learner(made_hub)
    assert landing.startswith(f"{made_hub.url}user/")
    page = session.get(landing, timeout=30).text
    from alledu.content_loader import content

    assert landing_lessons(page) == [lesson.id for lesson in content().lessons.lessons]
    assert landing_lessons(page)[:3] == ["00_start_here", "01_relapse_and_prognosis", "02_bsa_and_dosing"]
    assert "Educational use only" in page
    # the hub's own pages (home, progress while a server starts) carry the notice and content date
    from alledu.serve import suite_info

    hub_home = session.get(f"{made_hub.url}hub/home", timeout=30).content.decode()  # utf-8, per its meta tag
    assert f"{suite_info()['notice']} Content checked {suite_info()['checked']}." in hub_home


def test_culler_stops_an_idle_learner_server_and_keeps_a_busy_one(made_hub: Hub) -> None:
    idle_session, idle_url = new_learner(made_hub)
    busy_session, busy_url = new_learner(made_hub)
    idle, busy = user_of(idle_url), user_of(busy_url)
    servers = made_hub.learner_servers()
    idle_proc, busy_proc = servers[idle], servers[busy]
    assert (made_hub.state / "learners" / idle).is_dir()
    deadline = time.monotonic() + 150
    while idle_proc.is_running() and idle_proc.status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, f"idle server not culled in 150 s:\n{made_hub.log_tail()}"
        assert busy_session.get(busy_url, timeout=30).status_code == 200  # activity, every 2 s
        time.sleep(2)
    assert busy_proc.is_running() and busy in made_hub.learner_servers()
    assert idle not in made_hub.learner_servers()
    # the hub finishes the stop after the process ends: its working folder goes, then the
    # temporary user, after which the hub no longer knows the idle learner's cookie
    assert eventually(lambda: not (made_hub.state / "learners" / idle).exists())
    assert eventually(
        lambda: (
            "/hub/login"
            in idle_session.get(f"{made_hub.url}hub/home", allow_redirects=False, timeout=30).headers.get(
                "location", ""
            )
        )
    )
    assert busy_session.get(f"{made_hub.url}hub/home", allow_redirects=False, timeout=30).status_code == 200
    assert f"Culling server {idle}" in made_hub.log.read_text() or f"Culling user {idle}" in made_hub.log.read_text()


def test_bad_hub_setting_is_one_line_and_exit_2(proxy_installed, tmp_path: Path) -> None:
    env = {**os.environ, "HUB_PORT": "eighty", "ALLEDU_HUB_STATE": str(tmp_path)}
    r = subprocess.run(
        [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], env=env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2
    assert "HUB_PORT = 'eighty' is not accepted; accepted: 1 to 65535 (TCP port)" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_teachers_folder_with_problems_stops_the_hub_with_each_listed(proxy_installed, tmp_path: Path) -> None:
    """ALLEDU_CONTENT is checked when the hub starts, as `alledu serve --content` does (issue 22)."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "a.yaml").write_text("questions:\n  - {id: q, kind: truefalse, prompt: p, answer: perhaps}\n")
    env = {**os.environ, "ALLEDU_CONTENT": str(folder), "ALLEDU_HUB_STATE": str(tmp_path / "state")}
    r = subprocess.run(
        [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], env=env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2
    assert "a.yaml:2: question 1 'q' answer: should be true or false (value: 'perhaps')" in r.stderr
    assert f"ALLEDU_CONTENT={folder}: 1 problem(s)" in r.stderr and "Traceback" not in r.stderr


def test_a_class_arriving_together_queues_and_nobody_is_turned_away(proxy_installed, tmp_path: Path) -> None:
    """Issue 24 (medium 4): 30 at once, 10 got "429 Too many users trying to log in" from the hub's
    `concurrent_spawn_limit`. Starts now wait their turn in the spawner: here 8 learners at once
    with 2 starts at a time all get their server, and no response along the way is a 429."""
    from concurrent.futures import ThreadPoolExecutor

    state = tmp_path / "state"
    port = free_port()
    env = {**os.environ, "HUB_PORT": str(port), "ALLEDU_HUB_STATE": str(state), "ALLEDU_HUB_STARTS_AT_ONCE": "2"}
    hub = Hub([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], env, port, state)
    statuses: list[int] = []

    def arrive(_: int) -> tuple[str, float]:
        start = time.monotonic()
        session = requests.Session()
        session.hooks["response"].append(lambda r, *args, **kwargs: statuses.append(r.status_code))
        r = session.get(hub.url, timeout=120)
        while "/user/" not in r.url:
            assert time.monotonic() - start < 400, f"no learner server after 400 s:\n{hub.log_tail()}"
            time.sleep(1)
            r = session.get(r.url, timeout=120)
        assert r.status_code == 200 and landing_lessons(r.text), r.text[:300]
        return user_of(r.url), time.monotonic() - start

    try:
        with ThreadPoolExecutor(8) as pool:
            arrived = list(pool.map(arrive, range(8)))
        assert len({name for name, _ in arrived}) == 8 and 429 not in statuses, statuses
        waits = sorted(t for _, t in arrived)
        print(f"\n8 at once, 2 starts at a time: ready after {waits[0]:.1f}-{waits[-1]:.1f} s (median {waits[4]:.1f})")
        assert "Too many users" not in hub.log.read_text(errors="replace")
    finally:
        hub.stop()


# --- two real browsers on a hub started from the config file ---


@pytest.fixture(scope="module")
def hub(proxy_installed, tmp_path_factory) -> Iterator[Hub]:
    state = tmp_path_factory.mktemp("hub") / "state"
    port = free_port()
    env = {**os.environ, "HUB_PORT": str(port), "ALLEDU_HUB_STATE": str(state)}
    hub = Hub([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], env, port, state)
    yield hub
    hub.stop()


class Learner:
    """One browser (its own context: own cookies) that opened the hub and then lesson 02."""

    def __init__(self, browser, hub: Hub, label: str) -> None:
        self.hub = hub
        self.label = label
        self.context = browser.new_context(viewport={"width": 1280, "height": 2400})
        self.context.set_default_timeout(90_000)  # a 2-core machine starting servers and kernels
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.goto(hub.url)  # hub -> temporary login -> spawn -> this learner's landing page
        self.page.wait_for_selector("#alledu-lesson-list", timeout=150_000)
        self.landing = self.page.url
        self.name = user_of(self.landing)

    def open_lesson(self) -> None:
        self.page.click(f"a[href$='{LESSON}.ipynb']")
        self.page.wait_for_selector(".jupyter-widgets")
        self.page.wait_for_selector("text=References")

    def cookie_header(self) -> str:
        return "; ".join(f"{c['name']}={c['value']}" for c in self.context.cookies())


@pytest.fixture(scope="module")
def learners(hub: Hub, browser) -> Iterator[tuple[Learner, Learner]]:
    a = Learner(browser, hub, "a")
    b = Learner(browser, hub, "b")
    a.open_lesson()
    b.open_lesson()
    yield a, b
    a.context.close()
    b.context.close()


@pytest.mark.browser
def test_two_browsers_get_two_learner_servers_and_each_computes_a_dose(learners) -> None:
    a, b = learners
    assert a.name != b.name
    assert a.landing == f"{a.hub.url}user/{a.name}/"  # straight onto the landing page
    servers = a.hub.learner_servers()
    assert servers[a.name].pid != servers[b.name].pid
    for learner in (a, b):
        page = learner.page
        assert page.url == f"{learner.landing}voila/render/{LESSON}.ipynb"
        weight = page.get_by_label("Weight (kg)", exact=True)
        weight.fill("45")
        weight.press("Enter")
        page.wait_for_selector("text=fixed dose 9 mcg/day")
        weight.fill("30")
        weight.press("Enter")
        page.wait_for_selector("text=5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day")
        body = page.inner_text("body")
        assert "fixed dose 9 mcg/day" not in body
        assert "Traceback" not in body and "import " not in body
        assert page.locator(".jp-InputArea-editor:visible").count() == 0  # no code on the page
        assert "Educational use only" in body
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"hub_{learner.label}_{LESSON}.png"), full_page=True)
        # nothing left the machine: every request went to the hub's own address
        base = learner.hub.url.rstrip("/")
        assert [u for u in learner.requests if not u.startswith((base, "data:", "blob:"))] == []
        # the lesson's kernel runs inside this learner's own server
        kernels = [k for k in servers[learner.name].children(recursive=True) if "ipykernel_launcher" in k.cmdline()]
        assert len(kernels) == 1, kernels


def kernel_id(server: psutil.Process) -> str:
    """The id of the one lesson kernel a learner server runs, from its connection file."""
    for child in server.children(recursive=True):
        m = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(child.cmdline()))
        if m:
            return m.group(1)
    raise AssertionError(f"no kernel under {server}")


@pytest.mark.browser
def test_learner_b_cannot_open_learner_a(learners) -> None:
    import websocket

    a, b = learners
    kid = kernel_id(a.hub.learner_servers()[a.name])
    kernel_api = f"{a.landing}api/kernels/{kid}"
    own = a.context.request.get(kernel_api)  # the same URL works for its owner
    assert own.status == 200 and own.json()["id"] == kid
    for url in (a.landing, f"{a.landing}voila/render/{LESSON}.ipynb", kernel_api):
        r = b.context.request.get(url)
        assert r.status == 403, (url, r.status, r.url)
        assert "alledu-lesson-list" not in r.text() and kid not in r.text()
    r = b.page.goto(f"{a.landing}voila/render/{LESSON}.ipynb")
    assert r is not None and r.status == 403
    assert "Weight (kg)" not in b.page.inner_text("body")
    ws_url = kernel_api.replace("http://", "ws://") + "/channels"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(ws_url, header=[f"Cookie: {b.cookie_header()}"], timeout=30)
    assert refused.value.status_code == 403
    # without any cookie a learner server sends the visitor to the hub, never serves a page
    anon = requests.get(a.landing, allow_redirects=False, timeout=30)
    assert anon.status_code == 302 and "/hub/api/oauth2/authorize" in anon.headers["location"]


def test_admin_page_is_closed_to_anonymous_visitors(hub: Hub) -> None:
    first = requests.get(f"{hub.url}hub/admin", allow_redirects=False, timeout=30)
    assert first.status_code == 302 and first.headers["location"].startswith("/hub/login")
    # following the login makes a temporary learner, who is not an admin either
    followed = requests.get(f"{hub.url}hub/admin", timeout=60)
    assert followed.status_code == 403
    assert requests.get(f"{hub.url}hub/api/users", timeout=30).status_code == 403
    assert requests.get(f"{hub.url}hub/api/users/admin", timeout=30).status_code == 403


def test_learner_server_is_alledu_serve_voila(hub: Hub) -> None:
    from alledu.serve import HERE as SERVE_DIR
    from alledu.serve import notebooks_dir

    session, landing = new_learner(hub)
    proc = hub.learner_servers()[user_of(landing)]
    cmd = proc.cmdline()
    # standalone Voila (alledu serve's Voila application), not a Jupyter server
    assert cmd[1:5] == ["-P", "-m", "alledu.serve.app", str(notebooks_dir())]
    assert cmd[cmd.index("--Voila.config_file_paths") + 1] == str(SERVE_DIR)  # alledu/serve/voila.py
    assert "--VoilaConfiguration.default_pool_size=0" in cmd
    assert "--Voila.ip=127.0.0.1" in cmd
    # the lesson sources cannot be downloaded, and Jupyter's code-running endpoints do not exist
    for path in (f"voila/files/{LESSON}.ipynb", "api/contents", "lab", "terminals/websocket/1", "api/sessions"):
        r = session.get(f"{landing}{path}", allow_redirects=False, timeout=30)
        assert r.status_code in (403, 404), (path, r.status_code)
    assert session.post(f"{landing}api/kernels", timeout=30).status_code in (403, 404, 405)


# --- Kubernetes files that cannot run here (no Docker daemon, no cluster): validated statically ---


CHART = DEPLOY / "z2jh" / "chart-4.4.0"  # the chart's own schema and defaults, vendored


def helm_merge(defaults: object, values: object) -> object:
    """Values over the chart's defaults as Helm merges them: maps deeply, anything else replaced."""
    if isinstance(defaults, dict) and isinstance(values, dict):
        return {k: helm_merge(defaults[k], v) if k in defaults else v for k, v in values.items()} | {
            k: v for k, v in defaults.items() if k not in values
        }
    return values


def test_z2jh_values_match_the_chart_schema() -> None:
    import jsonschema

    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    values = yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text())
    merged = helm_merge(defaults, values)
    jsonschema.validate(merged, schema)
    assert merged["singleuser"]["memory"] == {"guarantee": "350M", "limit": "700M"}  # ours won
    assert merged["proxy"]["service"]["type"] == defaults["proxy"]["service"]["type"]  # defaults kept
    typo = helm_merge(merged, {"singleuser": {"memory": {"limt": "1G"}}})
    with pytest.raises(jsonschema.ValidationError, match="limt"):  # the schema rejects a misspelt key
        jsonschema.validate(typo, schema)


def test_z2jh_values_agree_with_the_local_hub() -> None:
    """One login, one culling policy, one set of limits: Kubernetes and `make hub` agree."""
    values = yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text())
    text = CONFIG.read_text()
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "tmp"
    assert 'c.JupyterHub.authenticator_class = "tmp"' in text
    assert values["cull"]["timeout"] == 1800 and 'ALLEDU_HUB_CULL_TIMEOUT", 1800' in text
    assert values["cull"]["users"] is True and '"--cull-users=true"' in text
    assert values["singleuser"]["memory"]["limit"] == re.search(r'MEM_LIMIT = "(\w+)"', text).group(1)
    assert values["singleuser"]["memory"]["guarantee"] == re.search(r'MEM_GUARANTEE = "(\w+)"', text).group(1)
    assert values["singleuser"]["cpu"]["limit"] == float(re.search(r"CPU_LIMIT = ([\d.]+)", text).group(1))
    egress = values["singleuser"]["networkPolicy"]["egressAllowRules"]
    assert egress["nonPrivateIPs"] is False and egress["privateIPs"] is False  # no network but DNS
    assert egress["cloudMetadataServer"] is False and values["singleuser"]["networkPolicy"]["egress"] == []
    assert values["singleuser"]["storage"]["type"] == "none"  # a temporary learner keeps nothing
    assert values["singleuser"]["cmd"] == ["python", "/srv/alledu/deploy/jupyterhub/learner_server.py"]
    assert "/srv/alledu/deploy/jupyterhub/learner_server.py" in (DEPLOY / "learner" / "Dockerfile").read_text()


def test_learner_server_script_by_hand_is_one_line_and_exit_2() -> None:
    script = DEPLOY / "jupyterhub" / "learner_server.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")}
    r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (
        "alledu learner server: JUPYTERHUB_SERVICE_URL: not set; this script is started by JupyterHub, not by hand"
    )


def test_learner_image_dockerfile_lints_clean(tmp_path: Path) -> None:
    hadolint = str(Path(sys.executable).parent / "hadolint")
    dockerfile = DEPLOY / "learner" / "Dockerfile"
    r = subprocess.run([hadolint, "--failure-threshold", "info", str(dockerfile)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # the image installs the pinned serve set and the pinned jupyterhub, not the test tools
    text = dockerfile.read_text().replace("\\\n", " ")
    assert re.search(r"pip install -r requirements-serve.txt \"\$\(grep '\^jupyterhub==' requirements.txt\)\"", text)
    serve = (ROOT / "requirements-serve.txt").read_text()
    assert "voila==" in serve and "pytest" not in serve and "playwright" not in serve
    assert re.search(r"^jupyterhub==", (ROOT / "requirements.txt").read_text(), re.M)
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN cd /srv && pip install alledu\n")  # hadolint must object to this one
    r = subprocess.run([hadolint, str(bad)], capture_output=True, text=True)
    assert r.returncode == 1 and "DL3006" in r.stdout  # untagged base image
