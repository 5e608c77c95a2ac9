"""Phones and tablets (issue 9, item 2): every lesson at 390x844 (a phone) and 768x1024 (a
tablet in portrait) in a real Chromium with mobile emulation, as those devices lay it out.

No sideways page scroll; no control past the right edge of the screen; rows of controls
stacked; wide tables and the timeline scroll inside their own boxes; the day-by-day table
(the phone's agenda) readable. Screenshots: screenshots/phone_<lesson>_<n>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alledu.content_loader import content

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TABLET = {"viewport": {"width": 768, "height": 1024}, "is_mobile": True, "has_touch": True}
LESSONS = [lesson.id for lesson in content().lessons.lessons]  # every lesson, a new one too
# Boxes allowed to scroll sideways, each inside the screen: tables (common.table), the
# timeline (widgets/style.py), the "every administration day" table folded in <details>.
OWN_BOX = ".alledu-scroll, .alledu-wide, details"

MEASURE = """(ownBox) => {
  const W = window.innerWidth;
  const page = document.getElementById("rendered_cells") || document.scrollingElement;
  const sideways = [];
  for (const el of document.querySelectorAll("*")) {
    const ox = getComputedStyle(el).overflowX;
    if (el.scrollWidth > el.clientWidth + 1 && (ox === "auto" || ox === "scroll") && !el.matches(ownBox))
      sideways.push(`${el.tagName}.${String(el.className).slice(0, 60)} ${el.scrollWidth}>${el.clientWidth}`);
  }
  const past = [];
  for (const el of document.querySelectorAll("input, select, button, textarea, [role=slider]")) {
    const r = el.getBoundingClientRect();
    const shown = r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
    if (shown && (r.right > W + 0.5 || r.left < -0.5))
      past.push(`${el.tagName}.${String(el.className).slice(0, 40)} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  const boxes = [...document.querySelectorAll(ownBox)].filter(b => b.getBoundingClientRect().width > 0);
  return {
    W, docScroll: document.scrollingElement.scrollWidth, pageScroll: page.scrollWidth, pageWidth: page.clientWidth,
    height: page.scrollHeight, sideways, past,
    boxesOutside: boxes.filter(b => b.getBoundingClientRect().right > W + 0.5).length,
    scrollingTables: [...document.querySelectorAll(".alledu-scroll")]
      .filter(b => b.scrollWidth > b.clientWidth + 1).length,
  };
}"""


@pytest.fixture(scope="module")
def devices(served: str, browser) -> Iterator[dict[str, object]]:
    """One browser context per device for the module (the run's one Chromium, tests/conftest.py)."""
    contexts = {"phone": browser.new_context(**PHONE), "tablet": browser.new_context(**TABLET)}
    yield contexts
    for context in contexts.values():
        context.close()


@pytest.fixture
def phone(devices: dict[str, object]) -> object:
    return devices["phone"]


def open_lesson(phone, served: str, lesson_id: str):
    page = phone.new_page()
    page.set_default_timeout(60_000)  # a 2-core CI machine refilling kernel pools is slow
    page.goto(f"{served}voila/render/{lesson_id}.ipynb", wait_until="domcontentloaded")
    page.wait_for_selector(".jupyter-widgets", timeout=90_000)
    page.wait_for_selector("text=References", timeout=90_000)
    return page


def shots(page, name: str, count: int = 3) -> None:
    """The top of the page and the next screens (Voila scrolls #rendered_cells, not the document)."""
    SHOTS.mkdir(exist_ok=True)
    for n in range(count):
        page.evaluate(f"() => {{ document.getElementById('rendered_cells').scrollTop = {n * 800}; }}")
        page.screenshot(path=str(SHOTS / f"{name}_{n}.png"))


def rect(locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, locator
    return box


@pytest.mark.parametrize("device", ["phone", "tablet"])
@pytest.mark.parametrize("lesson_id", LESSONS)
def test_lesson_fits_the_screen(devices, served: str, lesson_id: str, device: str) -> None:
    page = open_lesson(devices[device], served, lesson_id)
    m = page.evaluate(MEASURE, OWN_BOX)
    # the page's viewport meta makes the device lay it out at its own width
    assert m["W"] == {"phone": 390, "tablet": 768}[device]
    assert m["docScroll"] <= m["W"] and m["pageScroll"] <= m["pageWidth"], m  # no sideways page scroll
    assert m["sideways"] == [], m["sideways"]  # nothing else scrolls sideways
    assert m["past"] == [], m["past"]  # every control inside the screen
    assert m["boxesOutside"] == 0, m
    shots(page, f"{device}_{lesson_id}", 3 if device == "phone" else 1)
    page.close()


def test_controls_stack_on_a_phone(phone, served: str) -> None:
    """Lesson 03: the two regimen pickers, date and cycles, each number box and its slider: one column."""
    page = open_lesson(phone, served, "03_schedule_timeline")
    regimen, compare = rect(page.get_by_label("Regimen", exact=True)), rect(page.get_by_label("Compare with"))
    assert compare["y"] >= regimen["y"] + regimen["height"]  # side by side on a desktop
    cycles = rect(page.get_by_role("textbox", name="Cycles"))
    start = rect(page.get_by_label("Start date (cycle 1 day 1)"))
    assert cycles["y"] >= start["y"] + start["height"]
    weight, slider = (
        rect(page.get_by_label("Weight (kg)", exact=True)),
        rect(page.get_by_role("slider", name="Weight slider")),
    )
    assert slider["y"] >= weight["y"] + weight["height"] - 1 and slider["x"] + slider["width"] <= 390
    page.close()


def test_timeline_and_agenda_on_a_phone(phone, served: str) -> None:
    """The timeline keeps a readable width and scrolls in its own box; the table is the agenda."""
    page = open_lesson(phone, served, "03_schedule_timeline")
    page.wait_for_selector("svg.alledu-chart g rect")
    box = page.locator(".alledu-wide").first
    outer = rect(box)
    assert outer["x"] >= 0 and outer["x"] + outer["width"] <= 390
    inner = page.evaluate("() => document.querySelector('.alledu-wide svg.alledu-chart').getBoundingClientRect().width")
    assert inner >= 1000  # drawn at its own scale: labels 11-15 px, not squeezed to 7 (issue 21)
    smallest = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('.alledu-wide svg.alledu-chart text')]"
        ".map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 10, smallest
    assert page.evaluate(
        "() => { const b = document.querySelector('.alledu-wide'); return b.scrollWidth > b.clientWidth; }"
    )
    # no hover on a phone: a tap on a bar shows its details on the line under the axis (issue 21)
    bar = page.locator(".alledu-wide .alledu-bar").nth(1)
    text = bar.get_attribute("aria-label")
    details = page.locator(".alledu-wide .alledu-bar + .alledu-tip").nth(1)
    assert not details.is_visible()
    bar.tap()
    assert details.is_visible() and details.text_content() == text and "mcg/day" in text
    assert page.locator(".alledu-wide .alledu-tip:visible").count() == 1
    assert not page.locator(".alledu-wide .alledu-tip-hint").is_visible()
    # the day-by-day table: whole dates and doses on the screen's width, scrolling in its own box
    agenda = page.locator(".alledu-scroll", has_text="2026-01-05 to 2026-01-11").first
    a = rect(agenda)
    assert a["x"] >= 0 and a["x"] + a["width"] <= 390
    assert "15.61 mcg/day" in agenda.inner_text()
    agenda.scroll_into_view_if_needed()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone_03_agenda.png"))
    page.close()


def test_verdicts_are_cards_on_a_phone(phone, served: str) -> None:
    """Lesson 04's verdict table: one card per agent, each cell under its column's name, in the screen
    (five columns of long text wrapped into a table ~9,000 px tall on a phone; as cards ~6,200 px)."""
    page = open_lesson(phone, served, "04_eligibility_tree")
    page.wait_for_selector(".alledu-cards tbody tr")
    m = page.evaluate(MEASURE, OWN_BOX)
    assert m["pageScroll"] <= m["pageWidth"] and m["sideways"] == [], m
    verdicts = page.locator(".alledu-scroll", has_text="Verdict").first
    assert verdicts.get_attribute("tabindex") == "0"  # a keyboard can still reach it
    cards = page.evaluate(
        """() => [...document.querySelectorAll('.alledu-cards tbody tr')].map(tr => {
          const cells = [...tr.children].map(td => td.getBoundingClientRect());
          const r = tr.getBoundingClientRect();
          return {display: getComputedStyle(tr).display, left: r.left, right: r.right,
                  stacked: cells.every((c, i) => i === 0 || c.top >= cells[i - 1].bottom - 1),
                  label: getComputedStyle(tr.children[2], '::before').content}; })"""
    )
    assert len(cards) == len(content().meta.regimens)  # one per agent
    for card in cards:
        assert card["display"] == "block" and card["stacked"] and card["label"] == '"Why"', card
        assert card["left"] >= 0 and card["right"] <= 390, card
    assert page.get_by_role("columnheader", name="Verdict").count() == 1  # still a table to a screen reader
    page.close()


def test_dose_table_shows_the_cycle_and_its_dose_together_on_a_phone(phone, served: str) -> None:
    """Issue 21: lesson 02's dose table put the dose in its last column, never on a phone's screen
    together with the cycle in its first."""
    page = open_lesson(phone, served, "02_bsa_and_dosing")
    cycle = page.locator("td", has_text="Cycle 1").first
    cycle.scroll_into_view_if_needed()
    dose = cycle.locator("xpath=..").locator("td", has_text="mcg/day").first
    c, d = rect(cycle), rect(dose)
    assert c["x"] >= 0 and d["x"] >= 0 and d["x"] + min(d["width"], 120) <= 390, (c, d)
    page.close()
