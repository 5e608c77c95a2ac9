"""Printing every lesson: real Chromium prints the real served page (print media, page.pdf()).

The printed PDF is read back with pypdfium2: it must run to the end of the page (recap,
references, notice - not one truncated screen), over more than one sheet where the lesson is
long, with no slider or button in print media, the panel's result as text, the safety notes of
the dose shown, and the references. The first page of lesson 02 is kept as an image in
screenshots/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest

from alledu.content_loader import content
from alledu.schedule import safety_notes
from alledu.widgets.common import lesson as lesson_meta
from alledu.widgets.print_css import PRINT_ONLY, readable
from tests.test_browser import SHOTS, Lesson

pytestmark = pytest.mark.browser

# lesson -> (pages at least, the panel whose result is printed as text, or None). Every lesson in
# the content is printed; one not named here (a new lesson) gets the checks every lesson gets.
LESSONS = {
    "00_start_here": (1, None),
    "01_relapse_and_prognosis": (2, "prognosis.FactorExplorer"),
    "02_bsa_and_dosing": (3, "dose.DoseCalculator"),
    "03_schedule_timeline": (3, "timeline.ScheduleTimeline"),
    "04_eligibility_tree": (1, "tree.EligibilityTree"),
    "05_case_scenarios": (2, None),
    "06_self_check_quiz": (2, None),
    "07_teacher_dashboard": (1, None),
}
# a compact handout, not one agent per sheet (lesson 04 printed 13 pages, issue 21)
PAGES_AT_MOST = {"04_eligibility_tree": 4}  # with its references
# sections folded on screen under these titles, which must print open (the default regimen is blinatumomab)
FOLDED = {"02_bsa_and_dosing": "About this regimen", "03_schedule_timeline": "About the regimens shown"}
# the chosen option of a toggle row stays, printed as plain bold text (the value entered)
CHOSEN = ".widget-toggle-button.mod-active"
CONTROLS = (
    f"button:not({CHOSEN}):visible, .widget-slider .slider-container:visible, .noUi-target:visible, .modebar:visible, "
    "input[type=range]:visible, .alledu-slider:visible"  # the lessons' sliders printed as lone blue thumbs
)


def flat(text: str) -> str:
    """One line; a hyphen PDFium marks at a line end (U+FFFE), or a hyphen the line broke after
    ("2022-05-" / "02"), joins its word again."""
    return " ".join(re.sub(r"(?<=\w)-\r?\n", "-", re.sub("\ufffe\\s*", "-", text)).split())


def starting_summary(name: str) -> str:
    """The panel's result with the lesson's starting values, built here as the page builds it."""
    import importlib

    module, cls = name.split(".")
    panel = getattr(importlib.import_module(f"alledu.widgets.{module}"), cls)()
    return readable(panel.printout() if hasattr(panel, "printout") else panel.summary)


def printed(page) -> tuple[int, str, bytes]:
    """Print the page as Chromium does (A4, print media): pages, flattened text, the PDF."""
    import pypdfium2 as pdfium

    data = page.pdf(format="A4", print_background=True)
    doc = pdfium.PdfDocument(data)
    raw = "\n".join(p.get_textpage().get_text_range() for p in doc)
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / f"print_{page.url.rsplit('/', 1)[-1].split('.')[0]}.txt").write_text(raw)  # to read on failure
    text = flat(raw)
    return len(doc), text, data


def test_print_expectations_are_for_lessons_in_the_content() -> None:
    assert set(LESSONS) <= {lesson.id for lesson in content().lessons.lessons}  # none left for a lesson gone


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in content().lessons.lessons])
def test_lesson_prints_whole_without_controls(browser, served: str, lesson_id: str) -> None:
    pages_at_least, panel = LESSONS.get(lesson_id, (1, None))
    lesson = Lesson(browser, served, lesson_id)
    try:
        page = lesson.page
        page.wait_for_selector("h2:has-text('References')")
        on_screen = page.locator(f".{PRINT_ONLY}")
        printed_panel = on_screen.count()
        if lesson_id in LESSONS:
            assert printed_panel == (1 if panel else 0)
        else:  # a new lesson: at most one printed panel, and if there is one, it prints
            assert printed_panel <= 1
        assert page.locator(f".{PRINT_ONLY}:visible").count() == 0  # never on screen
        if lesson_id in ("01_relapse_and_prognosis", "02_bsa_and_dosing", "03_schedule_timeline"):
            assert page.locator(CONTROLS).count() > 0  # (the check below is not vacuous)
        if lesson_id == "03_schedule_timeline":  # the PDF handout downloads from the page as a real file
            page.click("text=Prepare downloads")  # the files are built when asked for
            with page.expect_download() as download:
                page.click("text=PDF handout (Blinatumomab, relapsed/refractory)")
            handout = download.value
            assert handout.suggested_filename == "blinatumomab_rr.pdf"
            import pypdfium2 as pdfium

            doc = pdfium.PdfDocument(handout.path().read_bytes())
            pdf_text = flat(" ".join(p.get_textpage().get_text_range() for p in doc))
            assert "Patient: age 9 years, height 130 cm, weight 30 kg" in pdf_text and "15.61 mcg/day" in pdf_text
        page.emulate_media(media="print")
        assert page.locator(CONTROLS).count() == 0, page.locator(CONTROLS).first.evaluate("e => e.outerHTML")
        chosen = page.eval_on_selector_all(CHOSEN, "s => s.map(e => getComputedStyle(e).borderStyle)")
        assert set(chosen) <= {"none"}
        arrows = page.eval_on_selector_all("select", "s => s.map(e => getComputedStyle(e).appearance)")
        assert set(arrows) <= {"none"}
        kept = page.eval_on_selector_all(".widget-inline-hbox", "s => s.map(e => getComputedStyle(e).breakInside)")
        assert set(kept) <= {"avoid"}  # a label never ends one sheet with its value on the next
        pages, text, _ = printed(page)
        assert pages_at_least <= pages <= PAGES_AT_MOST.get(lesson_id, 99), (pages, text[:500])
        assert "press Prepare downloads" not in text  # a line about the screen
        meta, item = content().meta, lesson_meta(lesson_id)
        assert flat(meta.notice) in text and str(meta.content_checked) in text
        assert flat(item.recap[-1]) in text  # the end of the page is printed, not one screenful
        assert "References" in text and "All lessons" in text
        if lesson_id in FOLDED:  # folded on screen (a phone's page is shorter), printed open
            assert page.locator("details.alledu-fold:not([open])", has_text=FOLDED[lesson_id]).count() == 1
            assert FOLDED[lesson_id] in text and "Bispecific T-cell engager (BiTE)" in text
        for key in dict.fromkeys([*meta.core_review.cite, *item.cite]):
            assert f"[{key}] {content().citations[key].text}"[:80] in text, key
        if printed_panel:
            assert page.locator(f".{PRINT_ONLY}:visible").count() == 1
            title = "Your inputs and results, as on screen when printed"
            if lesson_id == "04_eligibility_tree":  # its compact handout
                title = "The patient's answers and the verdicts, as on screen when printed"
            assert title in text
        if panel:
            for line in starting_summary(panel).splitlines():
                assert flat(line) in text, line
        assert lesson.blocked == []
    finally:
        page.close()


def test_printed_dose_follows_the_inputs_and_keeps_safety_notes(browser, served: str) -> None:
    from alledu.widgets.dose import DoseCalculator

    lesson = Lesson(browser, served, "02_bsa_and_dosing")
    try:
        page = lesson.page
        weight = lesson.field("Weight (kg)")
        weight.fill("45")
        weight.press("Enter")
        page.wait_for_selector("text=fixed dose 9 mcg/day")
        page.emulate_media(media="print")
        pages, text, data = printed(page)
        expected = DoseCalculator(weight_kg=45)
        for line in readable(expected.summary).splitlines():
            assert flat(line) in text, line
        assert "5.20 mcg/day" not in text  # the 30 kg result is gone everywhere, also on paper
        defaults = content().lessons.defaults
        notes = safety_notes(defaults.regimen, defaults.patient["age_years"])
        assert notes
        for note in notes:
            assert flat(note.text) in text, note.text
        import pypdfium2 as pdfium

        SHOTS.mkdir(exist_ok=True)
        first = pdfium.PdfDocument(data)[0].render(scale=1.5).to_pil()
        first.save(SHOTS / "print_02_page1.png")
        dark = sum(first.convert("L").histogram()[:200])
        assert dark > 0.01 * first.width * first.height  # the first sheet carries print
        assert pages >= 3
    finally:
        page.close()
