"""Live class in a real Chromium against a real `alledu serve` recording into a SQLite store.

Two learners (separate browser contexts, so separate sessions) join with the code in the
address, answer; the teacher's page shows only the key prompt until the key is entered, then
both answers. The server is then restarted mid-class: the answers are still there, the same
browser session is still the same anonymous learner, and new answers are accepted.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from alledu import exercises as E
from alledu.cli import main
from alledu.live import location, open_store
from tests.live_support import served_lessons
from tests.server import free_port

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
LESSONS = ("06_self_check_quiz", "07_teacher_dashboard")


def open_page(context, url: str):
    page = context.new_page()
    page.set_default_timeout(90_000)  # a 2-core machine preheating kernels is slow
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("text=References")
    return page


def answer_first_question(page, label: str, code: str) -> None:
    page.locator(".widget-radio-box label", has_text=label).locator("input").check()
    page.click("text=Check answer")
    page.wait_for_selector(f"text=✓ Answer sent to class {code}.")


def test_two_learners_teacher_and_a_restart(browser, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["class", "new", "--title", "Demo", "--format", "json", "--data", str(tmp_path)]) == 0
    made = json.loads(capsys.readouterr().out)
    code, key = made["code"], made["teacher_key"]
    url = location(tmp_path)
    first = E.shuffled(1)[0]  # every learner's quiz starts with the same question (seed 1)
    right = first.options[str(first.correct)]
    wrong = next(text for k, text in first.options.items() if k != first.correct)
    ana, ben, teacher = (browser.new_context(viewport={"width": 1280, "height": 2400}) for _ in range(3))
    SHOTS.mkdir(exist_ok=True)
    port = free_port()
    try:
        with served_lessons(url, LESSONS, port) as base:
            quiz = f"{base}voila/render/06_self_check_quiz.ipynb"
            landing = ana.new_page()
            landing.goto(f"{base}?class={code}")  # the landing page carries the code on to each lesson
            href = landing.locator("#alledu-lesson-list a", has_text="Self-check quiz").get_attribute("href")
            assert href == f"{quiz}?class={code}"
            landing.close()
            page_a = open_page(ana, f"{quiz}?class={code.lower()}")
            page_a.wait_for_selector(f"text=Joined class {code} (Demo) anonymously")
            page_a.get_by_label("Nickname (optional)").fill("Ana")
            page_a.click("text=Join class")
            page_a.wait_for_selector(f"text=Joined class {code} (Demo) as Ana")
            answer_first_question(page_a, right, code)
            page_b = open_page(ben, f"{quiz}?class={code}")
            page_b.wait_for_selector(f"text=Joined class {code} (Demo) anonymously")
            answer_first_question(page_b, wrong, code)
            page_a.screenshot(path=str(SHOTS / "live_learner.png"), full_page=True)

            board = open_page(teacher, f"{base}voila/render/07_teacher_dashboard.ipynb?class={code}")
            key_box = board.get_by_label("Teacher key")
            key_box.wait_for()
            board.wait_for_function(
                "code => [...document.querySelectorAll('input')].some(i => i.value === code)", arg=code
            )
            text = board.inner_text("body")
            for secret in (first.prompt, right, "Ana", " answered · ", "learner(s)", "Reopen the class"):
                assert secret not in text, secret
            board.screenshot(path=str(SHOTS / "live_teacher_prompt.png"), full_page=True)
            key_box.fill(key)
            key_box.press("Enter")
            board.wait_for_selector("text=2 answered · 1 wrong")
            text = board.inner_text("body")
            assert first.prompt in text and "2 learner(s) · 2 answer(s)" in text
            assert "✓ correct" not in text
            board.click("text=Reveal the correct answers")
            board.wait_for_selector(f"text={right} ✓ correct")
            assert board.locator(f"a[download='class-{code}-answers.csv']").count() == 0  # built when asked for
            board.click("text=Prepare downloads")
            board.wait_for_selector(f"a[download='class-{code}-gradebook.csv']", state="attached")
            assert board.locator(f"a[download='class-{code}-answers.csv']").count() == 1
            board.screenshot(path=str(SHOTS / "live_teacher_dashboard.png"), full_page=True)
            # present mode on a 1280x720 projector: the question and its counts on the first screen
            board.set_viewport_size({"width": 1280, "height": 720})
            board.click("text=Present: one at a time")
            table = board.locator(".alledu-present-table")
            table.wait_for()
            board.wait_for_timeout(300)  # scrolled to the top
            box = table.bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, box
            assert board.locator(".alledu-present h2").inner_text() == first.prompt
            slide = board.locator(".alledu-present").inner_text()
            for text in first.options.values():
                assert text in slide  # every option, chosen or not
            assert "Right answer" not in slide
            board.keyboard.press("r")
            board.wait_for_selector("text=Right answer:")
            board.screenshot(path=str(SHOTS / "live_present_1280x720.png"))
            for page in (page_a, page_b, board):
                assert "Traceback" not in page.inner_text("body")
            page_b.close()
            board.close()

        rows = open_store(url).answers(code)
        assert [(r.nickname, r.value(), r.correct) for r in rows] == [
            ("Ana", first.correct, True),
            ("", rows[1].value(), False),
        ]
        assert rows[0].learner != rows[1].learner

        with served_lessons(url, LESSONS, port) as base:  # the server restarted mid-class, same address
            board = open_page(teacher, f"{base}voila/render/07_teacher_dashboard.ipynb?class={code}")
            board.get_by_label("Teacher key").fill(key)
            board.get_by_label("Teacher key").press("Enter")
            board.wait_for_selector("text=2 answered · 1 wrong")  # the answers from before the restart
            page_a.close()  # another tab of the same browser, no ?class: it remembers, as the same learner
            page_a = open_page(ana, f"{base}voila/render/06_self_check_quiz.ipynb")
            page_a.wait_for_selector("text=References")
            page_a.wait_for_selector(f"text=Joined class {code} (Demo) as Ana")
            # her progress came along (issue 21): question 2, her score kept; she answers it
            total = len(E.question_bank().questions)
            page_a.wait_for_selector(f"text=Question 2 of {total} · score so far 1")
            second = E.shuffled(1)[1]
            if second.kind == "numeric":
                page_a.get_by_label(re.compile("^Your answer")).fill(f"{E.numeric_answer(second):g}")
            else:
                page_a.locator(".widget-radio-box input, .widget-checkbox input").first.check()
            page_a.click("text=Check answer")
            page_a.wait_for_selector(f"text=✓ Answer sent to class {code}.")
            sent = time.monotonic()
            board.wait_for_selector("text=2 learner(s) · 3 answer(s)")  # live: nobody touched the teacher's page
            print(f"\nteacher's page showed the new answer {time.monotonic() - sent:.2f} s after 'sent'")
            page_a.close()
            board.close()
        rows = open_store(url).answers(code)
        assert len(rows) == 3 and rows[2].learner == rows[0].learner  # another tab, same browser: same learner
    finally:
        for context in (ana, ben, teacher):
            context.close()
