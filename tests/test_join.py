"""Issue 20, part 0: the link a teacher hands out opens the lesson (printed per address, with the
token and class code), the login form works when a learner types the password, and a learner
without the link is told, in a learner's words, to ask the teacher for it."""

from __future__ import annotations

import re
import socket
from types import SimpleNamespace

import pytest

from alledu.cli import main
from alledu.serve import join_message
from alledu.serve import links as L
from alledu.widgets.live import join_html

TOKEN = "s3cret-Class"


@pytest.fixture
def wifi(monkeypatch: pytest.MonkeyPatch) -> None:
    """A teacher's laptop: loopback, a Wi-Fi address, a link-local one, and an interface that is down."""

    def addr(ip: str, family: int = socket.AF_INET) -> SimpleNamespace:
        return SimpleNamespace(family=family, address=ip)

    interfaces = {
        "lo": [addr("127.0.0.1"), addr("::1", socket.AF_INET6)],
        "wlan0": [addr("192.168.4.23"), addr("fe80::1%wlan0", socket.AF_INET6)],
        "eth0": [addr("169.254.10.2")],
        "docker0": [addr("172.17.0.1")],
    }
    up = {"lo": True, "wlan0": True, "eth0": True, "docker0": False}
    monkeypatch.setattr(L.psutil, "net_if_addrs", lambda: interfaces)
    monkeypatch.setattr(L.psutil, "net_if_stats", lambda: {k: SimpleNamespace(isup=v) for k, v in up.items()})


def test_every_address_means_this_machines_addresses_never_0_0_0_0(wifi: None) -> None:
    assert L.reachable_addresses("0.0.0.0") == ["192.168.4.23", "127.0.0.1"]  # network first, loopback last
    assert L.reachable_addresses("") == ["192.168.4.23", "127.0.0.1"]
    assert L.reachable_addresses("10.1.2.3") == ["10.1.2.3"]  # a named address is used as given


def test_join_links_carry_the_token_and_say_where_they_work(wifi: None) -> None:
    links = L.join_links("0.0.0.0", 8866, "course", TOKEN)
    assert [(link.url, link.where) for link in links] == [
        (f"http://192.168.4.23:8866/course/?token={TOKEN}", "learners on this network"),
        (f"http://127.0.0.1:8866/course/?token={TOKEN}", "this computer only"),
    ]
    assert L.learner_link(links).address == "192.168.4.23"
    assert L.join_links("127.0.0.1", 8866)[0].url == "http://127.0.0.1:8866/"  # no token: none in the link
    assert L.with_query("http://h:1/x?class=AB12", token="t") == "http://h:1/x?class=AB12&token=t"


def test_serve_prints_each_link_and_a_qr_code_of_the_network_one(wifi: None) -> None:
    text = join_message("0.0.0.0", 8866, "/", TOKEN)
    assert "0.0.0.0" not in text
    assert f"http://192.168.4.23:8866/?token={TOKEN}   (learners on this network)" in text
    assert f"http://127.0.0.1:8866/?token={TOKEN}   (this computer only)" in text
    assert L.qr_text(f"http://192.168.4.23:8866/?token={TOKEN}").rstrip("\n") in text
    assert L.qr_text(f"http://192.168.4.23:8866/?token={TOKEN}") != L.qr_text("http://192.168.4.23:8866/")
    alone = join_message("127.0.0.1", 8866, "/", "")
    assert "this computer only" in alone and "--host 0.0.0.0 --token" in alone and "█" not in alone


def test_class_new_links_use_the_network_address_token_and_code(
    wifi: None, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    assert main(["class", "new", "--data", str(tmp_path), "--url", "http://0.0.0.0:8866", "--token", TOKEN]) == 0
    out = capsys.readouterr().out
    code = re.search(r"Class code: (\w+)", out).group(1)
    assert "0.0.0.0" not in out
    assert f"Learners, every lesson: http://192.168.4.23:8866/?class={code}&token={TOKEN}" in out
    assert f"also at: http://127.0.0.1:8866/?class={code}&token={TOKEN}" in out
    assert f"06_self_check_quiz.ipynb?class={code}&token={TOKEN}" in out
    assert L.qr_text(f"http://192.168.4.23:8866/?class={code}&token={TOKEN}").rstrip("\n") in out
    # the link `alledu serve` printed, pasted as it is: its token is kept, once
    assert main(["class", "new", "--data", str(tmp_path), "--url", f"http://0.0.0.0:8866/?token={TOKEN}"]) == 0
    out = capsys.readouterr().out
    assert out.count(f"token={TOKEN}") >= 5 and f"token={TOKEN}/" not in out


def test_the_teachers_dashboard_shows_the_join_link_and_its_qr_code() -> None:
    html = join_html("K7MX", f"http://192.168.4.23:8866/?token={TOKEN}")
    assert f"http://192.168.4.23:8866/?token={TOKEN}&amp;class=K7MX" in html
    assert "<svg" in html and 'aria-label="QR code of the class link"' in html
    assert "<svg" not in join_html("K7MX", "")  # no served link known (JupyterLab, a hub): no QR, says so
    assert "K7MX" in join_html("K7MX", "")


# ---- in a real browser, against `alledu serve --token` as a teacher runs it ---------------------


@pytest.mark.browser
def test_a_learner_gets_the_lesson_by_the_link_or_by_typing_the_password(browser) -> None:
    from tests.server import alledu_serve

    with alledu_serve("--token", TOKEN, "--pool", "1") as (_proc, base, lines):
        printed = [line.strip() for line in lines if line.startswith("  http")]
        assert printed == [f"{base}?token={TOKEN}"], lines[:5]  # the link to hand out carries the token

        # 1. following the printed link: the landing page, then a lesson, with no login page between
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(printed[0])
        page.click("#alledu-lesson-list a[href*='02_bsa_and_dosing']")
        page.wait_for_selector("text=References")
        assert "voila/render/02_bsa_and_dosing.ipynb" in page.url
        page.wait_for_selector("text=5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day")  # the kernel computed it
        context.close()

        # 2. no link: told to ask the teacher; a wrong password says so; the right one opens the lesson
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(90_000)
        lesson = f"{base}voila/render/02_bsa_and_dosing.ipynb"
        answer = page.goto(lesson)
        assert "/login" in page.url and answer.headers.get("referrer-policy") == "same-origin"
        body = page.inner_text("body")
        assert "Ask your teacher for the class link" in body
        assert "jupyter server list" not in body and "Educational use only" in body
        page.fill("#password_input", "not-it")
        page.click("#login_submit")
        assert "did not open the lessons" in page.inner_text("#alledu-login-error")
        page.fill("#password_input", TOKEN)
        page.click("#login_submit")
        page.wait_for_selector("text=References")
        assert page.url == lesson
        page.wait_for_selector("text=5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day")  # the kernel computed it
        context.close()
