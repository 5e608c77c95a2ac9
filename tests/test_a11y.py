"""Accessibility in a real Chromium against the real served lessons (issue 9, item 4).

axe-core (pinned in package.json, installed by `make node-deps`) judges the landing page and
every lesson, when opened and again after one interaction: 0 violations (critical, serious,
moderate or minor; each page's findings also go to screenshots/a11y-moderate.json). A
keyboard-only learner goes through every page with Tab, Shift+Tab, Space, Enter, the arrow keys
and typing (no clicks, no filled-in boxes): opens a lesson from the landing page, types a
patient and reads the doses (02), the prognosis (01) and the dates (03), finishes the rule
tree (04), a case (05) and the quiz (06), and reaches the teacher's key box (07); after every
Check and Next the focus is on what comes next, never on the page body.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from alledu.content_loader import content
from tests.test_browser import tree_questions

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "screenshots"
MODERATE: dict[str, list[str]] = {}

RUN_AXE = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
    where: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.html.slice(0, 160))}));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            raise AssertionError(f"{AXE} is missing: `make node-deps` (npm ci) must run before the tests")
        pytest.skip("axe-core is not installed here: run `make node-deps` (needs npm: .ci/hub-deps.sh)")
    return AXE.read_text()


@pytest.fixture(scope="module", autouse=True)
def moderate_report() -> Iterator[None]:
    """After the module: the moderate findings, for the record (the run's Chromium is shared)."""
    yield
    if MODERATE:
        SHOTS.mkdir(exist_ok=True)
        (SHOTS / "a11y-moderate.json").write_text(json.dumps(MODERATE, indent=1))


def open_page(browser, url: str, blocked: list[str]):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(60_000)  # a 2-core CI machine refilling kernel pools is slow
    page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
    page.goto(url, wait_until="domcontentloaded")
    return page


def open_lesson(browser, served: str, lesson_id: str, blocked: list[str]):
    page = open_page(browser, f"{served}voila/render/{lesson_id}.ipynb", blocked)
    page.wait_for_selector(".jupyter-widgets", timeout=90_000)
    page.wait_for_selector("text=References", timeout=90_000)
    return page


def audit(page, axe_source: str, name: str) -> None:
    """Run axe-core in the page: no violation at all (critical, serious, moderate or minor).

    The script goes in through the DevTools protocol (page.evaluate), not as a <script> tag,
    so the page's Content-Security-Policy (no inline script) stays as strict as learners get it.
    """
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(axe_source)
    found = page.evaluate(RUN_AXE)
    bad = [v for v in found if v["impact"] in ("critical", "serious")]
    MODERATE[name] = sorted(f"{v['id']} ({v['impact']}, {v['nodes']} nodes)" for v in found if v not in bad)
    assert bad == [], json.dumps(bad, indent=1)
    assert found == [], json.dumps(found, indent=1)  # moderate ones too: `region`, `heading-order`


def fill(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


# One interaction per lesson: what a learner does first there, then wait for the page's answer.
INTERACTIONS: dict[str, Callable] = {
    "00_start_here": lambda p: (
        p.keyboard.press("Tab"),
        p.wait_for_function("() => document.activeElement.tagName === 'A'"),
    ),
    "01_relapse_and_prognosis": lambda p: (
        fill(p, "CR1 duration (months)", "20"),
        p.wait_for_selector("text=expected CR rate 7%"),
    ),
    "02_bsa_and_dosing": lambda p: (
        # the weight slider by keyboard: one arrow step (0.1 kg) reaches the kernel and the working
        p.get_by_role("slider", name="Weight slider").focus(),
        p.keyboard.press("ArrowRight"),
        p.wait_for_selector("text=weight 30.1 kg"),
    ),
    "03_schedule_timeline": lambda p: (
        fill(p, "Cycles", "3"),
        p.wait_for_selector("text=2026-03-30 to 2026-04-26"),
    ),
    "04_eligibility_tree": lambda p: (
        p.get_by_label("T-cell").check(),
        p.click("text=Answer ▶"),
        p.wait_for_selector(f"text=Question 2 of {tree_questions()}"),
        p.wait_for_selector("text=✗ Inotuzumab ozogamicin"),
    ),
    "05_case_scenarios": lambda p: (
        p.get_by_label("None of these").check(),  # step 1: no favourable factor present
        p.click("text=Check answer"),
        p.wait_for_selector("text=✓ Correct: favourable factors present: none of them."),
    ),
    "06_self_check_quiz": lambda p: (
        p.locator(".widget-radio-box input, .widget-checkbox input").first.check(),  # single or multiple
        p.click("text=Check answer"),
        p.wait_for_selector("text=/[✓✗] (Correct|Not quite)/"),
    ),
    "07_teacher_dashboard": lambda p: (
        p.get_by_label("Class code", exact=True).fill("K7MX"),
        p.keyboard.press("Tab"),
        p.wait_for_function("() => document.activeElement.type === 'password'"),
    ),
}


def first_tab(page) -> None:
    """A lesson with no interaction of its own above (a new one): one Tab, and the focus leaves the body."""
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.activeElement && document.activeElement !== document.body")


def test_landing_page_has_no_serious_violations(browser, served: str, axe_source: str) -> None:
    blocked: list[str] = []
    page = open_page(browser, served, blocked)
    page.wait_for_selector("#alledu-lesson-list li")
    audit(page, axe_source, "landing")
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.activeElement.tagName === 'A'")
    audit(page, axe_source, "landing after Tab")
    page.close()


def test_the_learners_login_page_has_no_violations(browser, axe_source: str) -> None:
    """The page a learner without the class link sees (`alledu serve --token`), and its wrong-password message."""
    from tests.server import alledu_serve

    with alledu_serve("--token", "s3cret", "--pool", "0") as (_proc, base, _lines):
        blocked: list[str] = []
        page = open_page(browser, f"{base}voila/render/02_bsa_and_dosing.ipynb", blocked)
        page.wait_for_selector("#password_input")
        audit(page, axe_source, "login")
        page.fill("#password_input", "wrong")
        page.click("#login_submit")
        page.wait_for_selector("#alledu-login-error")
        audit(page, axe_source, "login, wrong password")
        assert blocked == []
        page.close()


def test_interactions_are_for_lessons_in_the_content() -> None:
    assert set(INTERACTIONS) <= {lesson.id for lesson in content().lessons.lessons}  # none left for a lesson gone


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in content().lessons.lessons])
def test_lesson_has_no_serious_violations(browser, served: str, axe_source: str, lesson_id: str) -> None:
    blocked: list[str] = []
    page = open_lesson(browser, served, lesson_id, blocked)
    audit(page, axe_source, lesson_id)
    INTERACTIONS.get(lesson_id, first_tab)(page)
    audit(page, axe_source, f"{lesson_id} after one interaction")
    assert blocked == []  # axe ran without loosening the page's Content-Security-Policy
    page.close()


def focused(page) -> dict[str, str]:
    return page.evaluate(
        """() => { const a = document.activeElement;
          return {tag: a.tagName, cls: String(a.className), text: (a.innerText || a.value || "").trim(),
                  type: a.type || ""}; }"""
    )


def wait_focus(page, js_test: str) -> dict[str, str]:
    """Wait until the focused element `a` passes `js_test` (a function, not a string: the CSP forbids eval)."""
    page.wait_for_function(f"() => {{ const a = document.activeElement; return {js_test}; }}")
    return focused(page)


def tab_to(page, text: str, limit: int = 25) -> None:
    """Press Tab until the button reading `text` has the focus (a learner's Tabs, counted)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["text"] == text:
            return
    raise AssertionError(f"{limit} Tabs did not reach {text!r}; focus is on {focused(page)}")


def tab_until(page, js_test: str, limit: int = 25) -> dict[str, str]:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const a = document.activeElement; return {js_test}; }}"):
            return focused(page)
    raise AssertionError(f"{limit} Tabs did not reach {js_test}; focus is on {focused(page)}")


def test_quiz_by_keyboard_alone(browser, served: str) -> None:
    """Every question of the bank with Tab/Space/Enter; focus: Check -> Next -> the next question -> its answers."""
    from alledu import exercises

    blocked: list[str] = []
    page = open_lesson(browser, served, "06_self_check_quiz", blocked)
    questions = exercises.shuffled(1)  # the lesson's first order (Quiz(seed=1))
    page.locator(".alledu-question").first.wait_for()
    tab_to(page, "Join class")  # from the top of the page: the optional live-class box comes first
    for i, q in enumerate(questions):
        page.keyboard.press("Tab")  # from the question line to its first answer
        here = focused(page)
        if q.kind == "numeric":
            assert here["tag"] == "INPUT" and here["type"] == "text", here
            page.keyboard.type("1")
        else:
            assert here["tag"] == "INPUT" and here["type"] in ("radio", "checkbox"), here
            page.keyboard.press("Space")
        tab_to(page, "Check answer")
        page.keyboard.press("Enter")
        here = wait_focus(page, "a.innerText && a.innerText.trim() === 'Next ▶'")  # not the page body
        page.wait_for_selector("text=/[✓✗] (Correct|Not quite)/")
        page.keyboard.press("Enter")
        if i + 1 < len(questions):
            here = wait_focus(
                page, f"a.classList.contains('alledu-question') && a.innerText.startsWith('Question {i + 2} of')"
            )
            assert here["text"].startswith(f"Question {i + 2} of {len(questions)}")
    here = wait_focus(page, "a.innerText && a.innerText.trim() === 'Retry (new order)'")
    assert f"/ {len(questions)}" in page.inner_text("body") and "Final score" in page.inner_text("body")
    page.keyboard.press("Enter")  # Retry, by keyboard: back on question 1
    here = wait_focus(page, "a.classList.contains('alledu-question') && a.innerText.startsWith('Question 1 of')")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "keyboard_06_retry.png"))
    assert blocked == []
    page.close()


def test_tree_by_keyboard_alone(browser, served: str) -> None:
    """Every question of the tree with Tab/Space/arrows/Enter: after Answer the focus is on the next question."""
    blocked: list[str] = []
    page = open_lesson(browser, served, "04_eligibility_tree", blocked)
    page.locator(".alledu-question").first.wait_for()
    total = tree_questions()
    for i in range(total):
        if i == 0:  # from the top of the page to the first answer
            here = tab_until(page, "a.type === 'radio'")
        else:
            page.keyboard.press("Tab")  # from the question line to its first answer
            here = focused(page)
        assert here["tag"] == "INPUT" and here["type"] in ("radio", "text"), here
        if here["type"] == "radio":
            page.keyboard.press("Space")  # the first option
        tab_to(page, "Answer ▶")
        page.keyboard.press("Enter")
        if i + 1 < total:
            here = wait_focus(
                page, f"a.classList.contains('alledu-question') && a.innerText.startsWith('Question {i + 2} of')"
            )
        else:
            here = wait_focus(
                page, "a.classList.contains('alledu-question') && a.innerText.startsWith('All questions')"
            )
    # Back, by keyboard, lands on the last question again
    tab_to(page, "◀ Back")
    page.keyboard.press("Enter")
    wait_focus(page, f"a.classList.contains('alledu-question') && a.innerText.startsWith('Question {total} of')")
    page.wait_for_selector("text=Verdict for every agent")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "keyboard_04_done.png"))
    assert blocked == []
    page.close()


# --- every other lesson by keyboard alone (issue 9, item 4) ---------------------------------
# Only key presses after the page has loaded: Tab/Shift+Tab to move, typing into the box that has
# the focus, Enter/Space/arrows to act; the assertions read the values the page then shows.

LABEL_OF = "((a.labels && a.labels.length ? a.labels[0].innerText : a.getAttribute('aria-label')) || '').trim()"


def tab_to_field(page, label: str, limit: int = 40, back: bool = False) -> None:
    """Tab (or Shift+Tab) until the control named `label` (its <label> or aria-label) has the focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(f"() => {{ const a = document.activeElement; return {LABEL_OF}; }}") == label:
            return
    raise AssertionError(f"{limit} Tabs did not reach {label!r}; focus is on {focused(page)}")


def tab_to_group(page, name: str, limit: int = 40) -> None:
    """Tab until an option of the radio group named `name` (its aria-labelledby title) has the focus."""
    js = """() => { const g = document.activeElement.closest('[role=radiogroup]'); if (!g) return '';
      const t = g.getAttribute('aria-labelledby'); const el = t && document.getElementById(t);
      return ((el && el.innerText) || g.getAttribute('aria-label') || '').trim(); }"""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(js) == name:
            return
    raise AssertionError(f"{limit} Tabs did not reach the group {name!r}; focus is on {focused(page)}")


def type_into_focused(page, value: str) -> None:
    """Replace what the focused box holds, as a learner does: select all, type, Enter."""
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def wait_widgets(page, selector: str) -> None:
    page.wait_for_selector(".jupyter-widgets", timeout=90_000)
    page.wait_for_selector(selector, timeout=90_000)


def test_landing_and_dosing_by_keyboard_alone(browser, served: str) -> None:
    """00 -> 02: Tab to a lesson title, Enter opens it (the class code carried on); then type height
    and weight, choose the drug by typing its first letter, and read the doses."""
    blocked: list[str] = []
    page = open_page(browser, f"{served}?class=K7MX", blocked)
    page.wait_for_selector("#alledu-lesson-list li")
    here = tab_until(page, "a.innerText.trim() === 'BSA and dosing'")
    assert here["tag"] == "A"
    assert page.evaluate("() => document.activeElement.href").endswith("02_bsa_and_dosing.ipynb?class=K7MX")
    page.keyboard.press("Enter")
    page.wait_for_url("**/02_bsa_and_dosing.ipynb?class=K7MX")
    wait_widgets(page, "text=5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day")  # the default child, 130 cm 30 kg
    tab_to_field(page, "Weight (kg)")
    type_into_focused(page, "20")
    page.wait_for_selector("text=5 mcg/m2/day x 0.8498 m2 = 4.25 mcg/day")
    assert "5.20 mcg/day" not in page.inner_text("body")
    tab_to_field(page, "Height (cm)", back=True)
    type_into_focused(page, "12,5")  # a comma decimal is never read as 125 cm
    page.wait_for_selector(".alledu-error")
    assert "mcg/day" not in page.inner_text(".alledu-error")
    type_into_focused(page, "130")  # the focus stayed in the box: type again
    page.wait_for_selector("text=5 mcg/m2/day x 0.8498 m2 = 4.25 mcg/day")
    tab_to_field(page, "Regimen")
    page.keyboard.type("c")  # a closed <select> jumps to the first option starting with "c"
    page.wait_for_selector("text=52 mg/m2/day x 0.8498 m2 = 44.19 mg")  # clofarabine (1-21 years), 20 kg
    assert focused(page)["tag"] == "SELECT"  # the focus stays on the control the learner used
    assert blocked == []
    page.close()


def test_prognosis_by_keyboard_alone(browser, served: str) -> None:
    """01: type the CR1 duration and platelets, mark two factors adverse with the arrow keys."""
    blocked: list[str] = []
    page = open_lesson(browser, served, "01_relapse_and_prognosis", blocked)
    wait_widgets(page, "svg.alledu-chart")
    tab_to_field(page, "CR1 duration (months)")
    type_into_focused(page, "20")
    tab_to_field(page, "Platelets at relapse (x10^9/L)")
    type_into_focused(page, "30")
    page.wait_for_selector("text=expected CR rate 7%")
    tab_to_group(page, "Low platelet count")  # enters at the chosen option: Not marked
    page.keyboard.press("ArrowDown")  # Adverse
    page.keyboard.press("Tab")  # the next factor's group: Low albumin
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("text=expected 12-month survival 0% to 14%, depending on the unmarked factors")
    assert page.evaluate(f"() => {{ const a = document.activeElement; return [a.checked, {LABEL_OF}]; }}") == [
        True,
        "Adverse",
    ]
    assert blocked == []
    page.close()


def test_schedule_by_keyboard_alone(browser, served: str) -> None:
    """03: type the number of cycles, choose options with the arrow keys and a regimen by its first
    letter, and read the dates."""
    blocked: list[str] = []
    page = open_lesson(browser, served, "03_schedule_timeline", blocked)
    wait_widgets(page, "text=Prepare downloads")
    tab_to_field(page, "Cycles")
    type_into_focused(page, "3")
    page.wait_for_selector("text=2026-03-30 to 2026-04-26")
    assert "showing 1 of the 3 cycles asked for" in page.inner_text("body")  # inotuzumab waits for a choice
    tab_to_field(page, "Response (CR/CRi) reached", back=True)
    page.keyboard.press("ArrowDown")  # In CR/CRi
    tab_to_field(page, "Length of cycle 1", back=True)
    page.keyboard.press("ArrowDown")  # 28 days
    # in CR after a 28-day cycle 1: inotuzumab's cycle 2 starts on day 29 and cycle 3 follows
    page.wait_for_selector("td:has-text('2026-02-02 to 2026-02-02')")
    page.wait_for_selector("td:has-text('2026-03-16 to 2026-03-16')")
    assert "showing 1 of the 3 cycles" not in page.inner_text("body")
    tab_to_field(page, "Regimen", back=True)
    page.keyboard.type("c")  # Clofarabine, label dose (1-21 years)
    page.wait_for_selector("td:has-text('52 mg/m2/day x 1.0408 m2 = 54.12 mg')")
    page.wait_for_selector("td:has-text('2026-03-02 to 2026-03-06')")  # its third cycle, 28 days after the second
    assert blocked == []
    page.close()


def test_case_by_keyboard_alone(browser, served: str) -> None:
    """05: the first case, every step, to its end screen; the score is what the answers earn."""
    from alledu import exercises as E

    blocked: list[str] = []
    page = open_lesson(browser, served, "05_case_scenarios", blocked)
    wait_widgets(page, ".alledu-question")
    case = E.scenarios()[0]  # the lesson opens on the first case
    score = 0
    for i, step in enumerate(case.steps):
        if i == 0:
            here = tab_until(page, "a.type === 'checkbox'")  # past the optional live-class box
        else:
            page.keyboard.press("Tab")  # from the step line to its first answer
            here = focused(page)
        kind = E.input_kind(step)
        if kind == "numeric":
            assert here["tag"] == "INPUT" and here["type"] == "text", here
            page.keyboard.type("1")
            given: object = "1"
        else:
            assert here["type"] == ("radio" if kind == "single" else "checkbox"), here
            page.keyboard.press("Space")  # the first option
            given = next(iter(E.step_options(case, step)))
            given = given if kind == "single" else [given]
        score += E.check_step(case, step, given).correct
        tab_to(page, "Check answer")
        page.keyboard.press("Enter")
        wait_focus(page, "a.innerText && a.innerText.trim() === 'Next ▶'")
        page.keyboard.press("Enter")
        if i + 1 < len(case.steps):
            wait_focus(page, f"a.classList.contains('alledu-question') && a.innerText.startsWith('Step {i + 2} of')")
    wait_focus(page, "a.innerText && a.innerText.trim() === 'Try this case again'")
    body = page.inner_text("body")
    assert "Case complete" in body and f"{score} of {len(case.steps)} steps right" in body
    assert page.locator(".alledu-review li").count() == len(case.steps)  # every step reviewed
    page.keyboard.press("Enter")  # try again, by keyboard
    page.wait_for_selector(f"text=Step 1 of {len(case.steps)}")
    assert blocked == []
    page.close()


def test_dashboard_key_box_by_keyboard_alone(browser, served: str) -> None:
    """07: the class code comes from the address; Tab to the key box, type, Enter: an answer shows."""
    blocked: list[str] = []
    page = open_page(browser, f"{served}voila/render/07_teacher_dashboard.ipynb?class=K7MX", blocked)
    wait_widgets(page, "text=This page is for the teacher")
    tab_to_field(page, "Class code")
    page.wait_for_function("() => document.activeElement.value === 'K7MX'")  # carried from ?class=
    page.keyboard.press("Tab")
    assert focused(page)["type"] == "password"
    page.keyboard.type("not-the-key")
    page.keyboard.press("Enter")
    # no class K7MX on this server: the page says so in words, and the focus stays in the key box
    page.wait_for_selector("text=Class code: “K7MX” is not accepted.")
    assert "Accepted: the code of an existing class" in page.inner_text("body")
    assert focused(page)["type"] == "password"
    assert blocked == []
    page.close()


def test_radio_options_are_one_group_moved_by_arrows(browser, served: str) -> None:
    """A question's options are one Tab stop; the arrow keys move and choose, and the kernel gets it."""
    blocked: list[str] = []
    page = open_lesson(browser, served, "04_eligibility_tree", blocked)
    page.locator(".alledu-question").first.wait_for()
    option = """() => { const a = document.activeElement;
      return a.type === 'radio' ? a.closest('label').innerText.trim() : null; }"""
    tab_until(page, "a.type === 'radio'")
    assert page.evaluate(option) == "Unknown"  # Tab enters the group at the chosen option
    assert page.locator("input[type=radio][name]").count() == 3  # B-cell precursor, T-cell, Unknown
    page.keyboard.press("ArrowUp")
    assert page.evaluate(option) == "T-cell"
    assert page.get_by_label("T-cell").is_checked() and not page.get_by_label("Unknown").is_checked()
    page.keyboard.press("Tab")  # one Tab leaves the group
    assert page.evaluate(option) is None
    page.keyboard.press("Shift+Tab")  # and one comes back, to the chosen option
    assert page.evaluate(option) == "T-cell"
    tab_to(page, "Answer ▶")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"text=Question 2 of {tree_questions()}")
    page.wait_for_selector("text=✗ Inotuzumab ozogamicin")  # the kernel judged a T-cell patient
    tab_to(page, "◀ Back")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"text=Question 1 of {tree_questions()}")
    page.wait_for_function(
        "() => document.querySelector('input[type=radio]:checked').closest('label').innerText.trim() === 'T-cell'"
    )
    assert blocked == []
    page.close()


def test_landing_titles_look_like_links(browser, served: str) -> None:
    """Every lesson title on the landing page is a link named by its title, underlined, link-coloured,
    with a visible focus ring."""
    blocked: list[str] = []
    page = open_page(browser, served, blocked)
    page.wait_for_selector("#alledu-lesson-list li")
    lessons = content().lessons.lessons
    for lesson in lessons:
        link = page.get_by_role("link", name=lesson.title, exact=True)
        assert link.count() == 1 and link.get_attribute("href").endswith(f"/{lesson.id}.ipynb"), lesson.id
    looks = page.evaluate(
        """() => [...document.querySelectorAll('#alledu-lesson-list a')].map(a => {
          const s = getComputedStyle(a);
          return [s.textDecorationLine, s.color, getComputedStyle(a.closest('li')).color]; })"""
    )
    assert len(looks) == len(lessons)
    for line, colour, text_colour in looks:
        assert line == "underline" and colour != text_colour, (line, colour, text_colour)
    tab_until(page, f"a.innerText.trim() === {lessons[0].title!r}")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert ring == ["solid", "3px"]
    assert blocked == []
    page.close()
