"""Browser tests: real Chromium (Playwright) against the real served lessons.

Each lesson must render widgets, show no error text and no code, send no request off the
host, and compute a right answer after a real interaction. Screenshots go to screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alledu.content_loader import content

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"


def tree_questions() -> int:
    """How many questions lesson 04's tree asks: the patient fields with `ask: N` in the content."""
    return sum(field.ask is not None for field in content().patient_fields.values())


class Lesson:
    """One open lesson page, recording every request it makes."""

    def __init__(self, browser, served: str, lesson_id: str) -> None:
        self.base = served.rstrip("/")
        self.page = browser.new_page(viewport={"width": 1280, "height": 3200})
        self.page.set_default_timeout(60_000)  # a 2-core CI machine refilling kernel pools is slow
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.blocked: list[str] = []  # Content-Security-Policy violations (alledu/serve/hardening.py)
        self.page.on("console", lambda m: "Content Security Policy" in m.text and self.blocked.append(m.text))
        self.lesson_id = lesson_id
        self.page.goto(f"{served}voila/render/{lesson_id}.ipynb", wait_until="domcontentloaded")
        self.page.wait_for_selector(".jupyter-widgets", timeout=90_000)
        self.page.wait_for_selector("text=References", timeout=90_000)

    def off_host(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.base) or u.startswith(("data:", "blob:")))]

    def text(self) -> str:
        return self.page.inner_text("body")

    def field(self, label: str):
        return self.page.get_by_label(label, exact=True)

    def shot(self, name: str = "") -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{self.lesson_id}{name}.png"), full_page=True)

    def check_clean(self) -> None:
        body = self.text()
        assert "Traceback" not in body and "Something went wrong" not in body, body[:2000]
        assert not re.search(r"\bError\b", body), re.findall(r".{60}\bError\b.{60}", body)
        assert self.page.locator(".jp-InputArea-editor:visible").count() == 0  # no code on the page
        assert "page.header(" not in body and "import " not in body
        assert "Educational use only" in body and "2021-07-02" in body
        assert self.off_host() == []
        assert self.blocked == []


@pytest.fixture
def open_lesson(browser, served: str):
    pages: list[Lesson] = []

    def opener(lesson_id: str) -> Lesson:
        lesson = Lesson(browser, served, lesson_id)
        pages.append(lesson)
        return lesson

    yield opener
    for lesson in pages:
        lesson.page.close()


def test_landing_page_in_browser(browser, served: str) -> None:
    page = browser.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(served)
    items = page.locator("#alledu-lesson-list li")
    assert items.count() == len(content().lessons.lessons)
    assert "(20 min)" in items.nth(2).inner_text()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "landing.png"), full_page=True)
    assert [u for u in seen if not u.startswith(served.rstrip("/"))] == []
    landing_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    page.close()
    # one type face on the landing page and in the lessons (the landing page was serif, issue 21)
    lesson = Lesson(browser, served, "02_bsa_and_dosing")
    try:
        lesson_font = lesson.page.evaluate("getComputedStyle(document.querySelector('.alledu-page')).fontFamily")
        assert (
            "serif" not in landing_font.replace("sans-serif", "")
            and landing_font.split(",")[0] == lesson_font.split(",")[0]
        )
    finally:
        lesson.page.close()


def test_a_lesson_first_screen_at_1366x768_reaches_its_controls(browser, served: str) -> None:
    """Issue 21: the first screen was banner, notice (shown twice) and objectives."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(f"{served}voila/render/02_bsa_and_dosing.ipynb", wait_until="domcontentloaded")
        # the widgets, not the template's foot (which also says "References")
        page.wait_for_selector(".alledu-head-notice", state="attached", timeout=90_000)
        page.wait_for_selector("text=Height (cm)")
        assert page.locator(".alledu-bar-notice").is_visible()  # the notice once at the top (the bar)...
        assert page.locator(".alledu-head-notice").count() == 1 and not page.locator(".alledu-head-notice").is_visible()
        height = page.get_by_label("Height (cm)", exact=True)
        box = height.bounding_box()
        assert box and box["y"] + box["height"] <= 768, box
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "first_screen_1366x768.png"))
    finally:
        page.close()


def test_00_start_here(open_lesson) -> None:
    lesson = open_lesson("00_start_here")
    lesson.check_clean()
    links = lesson.page.locator("a[href$='.ipynb']:not([rel])")  # the lesson list (not next/previous)
    assert links.count() == len(content().lessons.lessons) - 1
    assert lesson.page.locator("a[rel='next']").count() == 1
    lesson.shot()
    lesson.page.click("text=BSA and dosing")
    lesson.page.wait_for_selector("text=5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day", timeout=90_000)


def test_01_prognosis(open_lesson) -> None:
    lesson = open_lesson("01_relapse_and_prognosis")
    lesson.check_clean()
    lesson.page.wait_for_selector("svg.alledu-chart")  # drawn by the kernel: no plotting bundle
    assert lesson.page.locator("svg.alledu-chart").count() == 1
    assert "Illustrative model, not trial data" in lesson.text()
    lesson.field("CR1 duration (months)").fill("20")
    lesson.field("CR1 duration (months)").press("Enter")
    lesson.field("Platelets at relapse (x10^9/L)").fill("30")
    lesson.field("Platelets at relapse (x10^9/L)").press("Enter")
    lesson.page.wait_for_selector("text=expected CR rate 7%")
    for factor in ("Low albumin", "Low platelet count"):
        lesson.page.get_by_role("radiogroup", name=factor).get_by_label("Adverse", exact=True).check()
    # two factors left unmarked are unknown, not absent: a range, not the 2-factor figure
    lesson.page.wait_for_selector("text=expected 12-month survival 0% to 14%, depending on the unmarked factors")
    for factor in ("Short CR1 duration", "High bone marrow blast percentage"):
        lesson.page.get_by_role("radiogroup", name=factor).get_by_label("Not adverse", exact=True).check()
    lesson.page.wait_for_selector("text=All 4 factors marked, 2 adverse: expected 12-month survival 14%")
    lesson.shot()


def test_02_dose_calculator_45kg(open_lesson) -> None:
    lesson = open_lesson("02_bsa_and_dosing")
    lesson.check_clean()
    text = lesson.text()
    assert "5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day" in text and "15.61 mcg/day" in text
    lesson.shot("_30kg")
    weight = lesson.field("Weight (kg)")
    weight.fill("45")
    weight.press("Enter")
    lesson.page.wait_for_selector("text=fixed dose 9 mcg/day")
    text = lesson.text()
    assert "fixed dose 28 mcg/day" in text and "Fixed" in text
    assert "5 mcg/m2/day x 1.0408 m2" not in text  # the working now shows fixed doses only
    lesson.shot("_45kg")
    weight.fill("0")
    weight.press("Enter")
    lesson.page.wait_for_selector("text=Weight: “0” is not accepted. Accepted: 1 to 300 kg")
    assert "fixed dose 9 mcg/day" not in lesson.text()  # no dose shown for a bad entry
    # typed as people type: a decimal comma is a decimal (12.5 kg, never 125 kg and an adult dose)
    weight.fill("12,5")
    weight.press("Enter")
    lesson.page.wait_for_selector("text=Height 130.0 cm, weight 12.5 kg.")
    assert "fixed dose 9 mcg/day" not in lesson.text() and lesson.page.locator(".alledu-error").count() == 0
    for typed, shown in (("abc", "Weight: “abc” is not accepted"), ("", "Weight: empty is not accepted")):
        weight.fill(typed)
        weight.press("Enter")
        lesson.page.wait_for_selector(f"text={shown}")
        body = lesson.text()
        assert "Dose shown" not in body and " m2 = " not in body and "mcg/day (per m2)" not in body, body[:3000]


def reload(lesson: Lesson) -> None:
    """Reload the page (a new kernel) and wait for the lesson's widgets, not the template's foot."""
    lesson.page.reload(wait_until="domcontentloaded")
    lesson.page.wait_for_selector(".alledu-head-notice", state="attached", timeout=90_000)


def test_inputs_and_steps_survive_a_reload(open_lesson) -> None:
    """Issue 21: a reload or Back sent lesson 02's inputs to their defaults, lesson 03's plan back to
    2 cycles and the case back to step 1."""
    dose = open_lesson("02_bsa_and_dosing")
    weight = dose.field("Weight (kg)")
    weight.fill("45")
    weight.press("Enter")
    dose.page.wait_for_selector("text=fixed dose 9 mcg/day")
    reload(dose)
    dose.page.wait_for_selector("text=fixed dose 9 mcg/day")
    assert dose.field("Weight (kg)").input_value() == "45"

    plan = open_lesson("03_schedule_timeline")
    cycles = plan.page.get_by_role("textbox", name="Cycles")
    cycles.fill("3")
    cycles.press("Enter")
    plan.page.wait_for_selector("text=2026-03-30 to 2026-04-26")
    reload(plan)
    plan.page.wait_for_selector("text=2026-03-30 to 2026-04-26")

    case = open_lesson("05_case_scenarios")
    case.page.get_by_label("None of these").check()
    case.page.click("text=Check answer")
    case.page.wait_for_selector("text=✓ Correct: favourable factors present: none of them.")
    case.page.click("text=Next ▶")
    case.page.wait_for_selector("text=/^Step 2 of/")
    reload(case)
    case.page.wait_for_selector("text=/^Step 2 of/")


def test_03_timeline(open_lesson) -> None:
    lesson = open_lesson("03_schedule_timeline")
    lesson.check_clean()
    lesson.page.wait_for_selector("svg.alledu-chart g rect")
    assert lesson.page.locator("a[download='blinatumomab_rr.ics']").count() == 0  # built when asked for
    prepare = lesson.page.get_by_role("button", name="Prepare downloads")
    cut = prepare.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert cut[0] <= cut[1], cut  # the label fits its button (was cut to "Prepare do...")
    lesson.page.click("text=Prepare downloads")
    lesson.page.wait_for_selector("a[download='blinatumomab_rr.ics']", state="attached")
    text = lesson.text()
    assert "2026-01-05 to 2026-01-11" in text  # cycle 1 days 1-7 of blinatumomab
    assert "15.61 mcg/day" in text
    cycles = lesson.page.get_by_role("textbox", name="Cycles")
    cycles.fill("3")
    cycles.press("Enter")
    lesson.page.wait_for_selector("text=2026-03-30 to 2026-04-26")  # cycle 3 starts on day 85
    lesson.shot()


def test_04_tree(open_lesson) -> None:
    lesson = open_lesson("04_eligibility_tree")
    lesson.check_clean()
    assert f"Question 1 of {tree_questions()}" in lesson.text()
    lesson.page.get_by_label("T-cell").check()
    lesson.page.click("text=Answer ▶")
    lesson.page.wait_for_selector(f"text=Question 2 of {tree_questions()}")
    # the tree and verdicts are separate widgets: wait for their update rather than read at once
    lesson.page.wait_for_selector("text=✗ Blinatumomab (relapsed/refractory B-ALL)")
    lesson.page.wait_for_selector("text=✗ Inotuzumab ozogamicin")
    assert "? Nelarabine (adult dose)" in lesson.text()
    lesson.shot()
    lesson.page.reload(wait_until="domcontentloaded")  # the answers are kept in the browser (issue 21)
    lesson.page.wait_for_selector(f"text=Question 2 of {tree_questions()}", timeout=90_000)
    lesson.page.wait_for_selector("text=✗ Inotuzumab ozogamicin")


def test_05_case(open_lesson) -> None:
    lesson = open_lesson("05_case_scenarios")
    lesson.check_clean()
    lesson.page.click("text=Check answer")  # nothing ticked: asked, not marked
    lesson.page.wait_for_selector("text=Tick an answer, or “None of these”.")
    lesson.page.get_by_label("None of these").check()  # step 1: no factor present = the right answer here
    lesson.page.click("text=Check answer")
    lesson.page.wait_for_selector("text=✓ Correct: favourable factors present: none of them.")
    lesson.page.click("text=Next ▶")
    lesson.page.get_by_label("Blinatumomab, relapsed/refractory").check()
    lesson.page.click("text=Check answer")
    lesson.page.wait_for_selector("text=✗ Not quite: by the label in force, the agents that fit are")
    # today's label: the CAR-T products are among what he fits (never marked wrong for naming one)
    lesson.page.wait_for_selector(
        "text=You missed: Inotuzumab ozogamicin; Brexucabtagene autoleucel (CAR-T); Obecabtagene autoleucel (CAR-T)."
    )
    lesson.shot()


def test_06_quiz(open_lesson) -> None:
    lesson = open_lesson("06_self_check_quiz")
    lesson.check_clean()
    from alledu import exercises

    assert f"Question 1 of {len(exercises.question_bank().questions)}" in lesson.text()
    lesson.page.click("text=Check answer")
    lesson.page.wait_for_selector("text=Choose an answer first")
    lesson.page.locator(".widget-radio-box input, .widget-checkbox input").first.check()  # single or multiple
    lesson.page.click("text=Check answer")
    lesson.page.wait_for_selector("text=/[✓✗] (Correct|Not quite)/")
    lesson.shot()
    score = lesson.page.locator("text=/^Score: [01] \\/ 1$/").inner_text().split()[1]
    lesson.page.click("text=Next ▶")
    lesson.page.wait_for_selector("text=Question 2 of")
    # a reload (a new kernel) brings the learner back to question 2 with the score kept (issue 21)
    lesson.page.reload(wait_until="domcontentloaded")
    lesson.page.wait_for_selector("text=References", timeout=90_000)
    lesson.page.wait_for_selector(
        f"text=Question 2 of {len(exercises.question_bank().questions)} · score so far {score}"
    )


def test_lessons_run_in_jupyterlab(browser, tmp_path: Path) -> None:
    """Self-study path: the same lessons, run in JupyterLab."""
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.server import free_port

    for nb in (ROOT / "alledu" / "lessons").glob("*.ipynb"):  # a copy: JupyterLab autosaves what it runs
        shutil.copy(nb, tmp_path / nb.name)
    port = free_port()
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            f"--port={port}",
            "--no-browser",
            "--allow-root",
            "--IdentityProvider.token=",
            f"--ServerApp.root_dir={tmp_path}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "api", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        page = browser.new_page(viewport={"width": 1400, "height": 4000})  # Lab renders visible cells only
        page.set_default_timeout(90_000)
        for lesson_id, ready in (
            ("02_bsa_and_dosing", "text=5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day"),
            ("03_schedule_timeline", "svg.alledu-chart g rect"),
        ):
            page.goto(f"{base}lab/tree/{lesson_id}.ipynb")
            page.wait_for_selector(".jp-Notebook >> visible=true")  # the earlier lesson's tab stays, hidden
            page.wait_for_timeout(5000)  # let Lab settle its kernel session before the menu is used
            page.click("text=Run")
            page.click("text=Run All Cells")
            page.wait_for_selector(ready)
        assert page.locator("svg.alledu-chart g rect").count() > 0
        # the timeline stays inside the notebook's column (it used to overflow it)
        fits = page.evaluate(
            """() => [...document.querySelectorAll('svg.alledu-chart')].map(svg => {
                const out = svg.closest('.jp-OutputArea-output').getBoundingClientRect();
                const box = svg.getBoundingClientRect();
                return [box.width > 200, box.left >= out.left - 0.5, box.right <= out.right + 0.5];
            })"""
        )
        assert fits and all(all(f) for f in fits), fits
        # a question's options are one radio group in Lab too: the arrow keys choose within it
        # (JupyterLab's notebook would otherwise take them to move between cells)
        page.goto(f"{base}lab/tree/04_eligibility_tree.ipynb")
        page.wait_for_selector(".jp-Notebook >> visible=true")
        page.wait_for_timeout(5000)
        page.click("text=Run")
        page.click("text=Run All Cells")
        unknown, t_cell = page.get_by_label("Unknown", exact=True), page.get_by_label("T-cell", exact=True)
        unknown.wait_for(state="attached")
        assert unknown.is_checked()
        unknown.focus()
        active = "() => [...document.querySelectorAll('.jp-Cell.jp-mod-active')].map(c => c.innerText.length)"
        active_cell = page.evaluate(active)
        page.keyboard.press("ArrowUp")
        page.wait_for_function("() => document.activeElement.closest('label')?.innerText.trim() === 'T-cell'")
        assert t_cell.is_checked() and not unknown.is_checked()
        assert page.evaluate("() => document.activeElement.closest('label').innerText.trim()") == "T-cell"
        assert page.evaluate(active) == active_cell  # the notebook did not move to another cell
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "jupyterlab_03.png"))
        page.close()
    finally:
        lab.terminate()
        lab.wait(timeout=30)
