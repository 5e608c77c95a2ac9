"""The PDF handout of a schedule: built by alledu.export.to_pdf, read back as a reader would.

Each PDF is opened with pypdfium2 (PDFium, the engine of Chromium's viewer): its pages are
rendered to images, which must carry ink, and its text must carry the notice, the patient,
every safety note, every dose and every reference - the same data as the printable page.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import ipywidgets as W
import pypdfium2 as pdfium
import pytest
import traitlets

from alledu import Patient
from alledu.content_loader import content
from alledu.export import handout_lines, pdf_text, to_pdf
from alledu.schedule import cycles_allowed, dose_steps, dosed_regimen_ids, regimen, safety_notes, schedule
from alledu.widgets.timeline import ScheduleTimeline

CHILD = Patient(age_years=9, height_cm=130, weight_kg=30)
ADULT = Patient(age_years=40, height_cm=170, weight_kg=70)
CONTEXT = {"Patient": "age 9 years, height 130 cm, weight 30 kg", "BSA": "1.0408 m2 (Mosteller, unrounded)"}


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces as single spaces (the PDF wraps long lines)."""
    return " ".join(text.split())


def read(data: bytes) -> tuple[str, list[float]]:
    """All text of a PDF, and per page the share of pixels that are not white (rendered at 72 dpi)."""
    doc = pdfium.PdfDocument(data)
    texts, ink = [], []
    for page in doc:
        texts.append(page.get_textpage().get_text_range())
        image = page.render(scale=1, grayscale=True).to_pil()
        dark = sum(image.histogram()[:200])
        ink.append(dark / (image.width * image.height))
    return flat("\n".join(texts)), ink


@pytest.mark.parametrize(
    ("rid", "patient"), [(rid, ADULT) for rid in dosed_regimen_ids()] + [("blinatumomab_rr", CHILD)]
)
def test_pdf_carries_notice_patient_safety_doses_and_sources(rid: str, patient: Patient) -> None:
    frame = schedule(rid, patient, cycles=min(2, cycles_allowed(rid)), start=dt.date(2026, 3, 2))
    data = to_pdf(frame, rid, patient.age_years, CONTEXT)
    assert data.startswith(b"%PDF-")
    text, ink = read(data)
    assert all(share > 0.005 for share in ink), ink  # every page has print on it
    assert text.count(flat(pdf_text(content().meta.notice))) >= 1 + len(ink)  # top, and every page's foot
    assert f"2021 review dated {content().meta.core_review.date}" in text
    assert f"label as checked {content().meta.content_checked}" in text
    assert "Patient: age 9 years, height 130 cm, weight 30 kg" in text
    assert "BSA: 1.0408 m2 (Mosteller, unrounded)" in text
    notes = safety_notes(rid, patient.age_years)
    assert notes
    for note in notes:
        assert flat(pdf_text(note.text)) in text, note.text
    for step in dose_steps(frame):
        assert f"{step.days_text} " in text and flat(pdf_text(step.text)) in text
        assert flat(pdf_text(step.working)) in text
    for key in dict.fromkeys(regimen(rid).cite):
        assert f"[{key}]: {flat(pdf_text(content().citations[key].text))}" in text


def test_long_schedule_runs_over_pages_each_with_the_notice() -> None:
    frame = schedule("inotuzumab", ADULT, cycles=6, start=dt.date(2026, 3, 2), response="cr")
    text, ink = read(to_pdf(frame, "inotuzumab", 40, {"Choices": "Response (CR/CRi) reached: CR/CRi after cycle 1"}))
    assert len(ink) == 2 and all(share > 0.002 for share in ink), ink
    for page in (1, 2):
        assert f"Page {page} of 2." in text
    assert text.count("Cycle 6 day ") == 3  # the premedication lines of the last cycle, on the last page
    assert "Choices: Response (CR/CRi) reached: CR/CRi after cycle 1" in text


def test_pdf_spells_signs_outside_latin1() -> None:
    assert pdf_text("≥ 45 kg — “x” …") == '>= 45 kg - "x" ...'
    # every line of every handout fits the PDF font without a replacement "?"
    for rid in dosed_regimen_ids():
        for line in handout_lines(rid, 9) + handout_lines(rid, 40):
            assert pdf_text(line).count("?") == line.count("?"), line


def test_lesson_03_offers_the_pdf_with_the_same_data_as_the_printable_page() -> None:
    t = ScheduleTimeline(compare_with="inotuzumab")
    t.start.value = dt.date(2026, 3, 2)
    t.prepare.click()  # files are built when asked for
    found = re.findall(r'download="([^"]+\.pdf)" href="data:application/pdf;base64,([^"]+)"', t.downloads.value)
    assert [name for name, _ in found] == ["blinatumomab_rr.pdf", "inotuzumab.pdf"]
    page = t.printable_html()
    for (_, b64), plan in zip(found, t.plans, strict=True):
        text, _ = read(base64.b64decode(b64))
        for key, value in t._context(plan).items():
            assert flat(pdf_text(f"{key}: {value}")) in text
            assert f"{key}: {value}" in page
        for line in plan.brief.fit:
            assert flat(pdf_text(line)) in text


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "alledu", *args], capture_output=True, text=True, timeout=60)


def test_command_line_pdf(tmp_path: Path) -> None:
    out = tmp_path / "nel.pdf"
    args = ["schedule", "nelarabine_adult", "--age", "40", "--height-cm", "170", "--weight-kg", "70"]
    r = run(*args, "--format", "pdf", "--output", str(out))
    assert r.returncode == 0 and r.stderr == "" and r.stdout.startswith(f"wrote {out}")
    text, _ = read(out.read_bytes())
    assert "Patient: age 40 years, height 170 cm, weight 70 kg" in text
    assert "Boxed warning: neurologic toxicity" in text
    assert "1500 mg/m2/day x 1.8181 m2 = 2727.18 mg" in text
    r = run(*args, "--format", "pdf")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "output" in r.stderr and "--output FILE" in r.stderr
    r = run(*args, "--format", "pdf", "--output", str(tmp_path / "missing" / "x.pdf"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "output" in r.stderr and "missing/x.pdf" in r.stderr


def test_print_summary_block_follows_the_panel_and_hides_on_screen() -> None:
    from alledu.widgets.print_css import PRINT_CSS, PRINT_ONLY, print_summary, readable
    from alledu.widgets.tree import EligibilityTree

    t = ScheduleTimeline(compare_with=None)
    blocks = [c for c in t.children if PRINT_ONLY in c._dom_classes]
    assert len(blocks) == 1 and blocks[0] is t.children[-1]
    assert "Blinatumomab, relapsed/refractory: 2 cycle(s), 56 administration days" in blocks[0].value
    t.cycles.value = "3"
    assert "Blinatumomab, relapsed/refractory: 3 cycle(s), 84 administration days" in blocks[0].value
    assert "@media not print { .alledu-print-only { display: none !important; } }" in PRINT_CSS
    tree = EligibilityTree()
    block = next(c for c in tree.children if PRINT_ONLY in c._dom_classes)
    assert "Liposomal vincristine (withdrawn): ✗ Not eligible - No longer available" in block.value
    # a drug named inside a sentence keeps its words; only a line's leading id becomes a title
    assert readable("inotuzumab: 1 cycle\nSafety: inotuzumab days 8") == (
        "Inotuzumab ozogamicin: 1 cycle\nSafety: inotuzumab days 8"
    )
    panel = W.VBox()
    panel.add_traits(summary=traitlets.Unicode(""))
    box = print_summary(panel)
    assert box.value == "" and panel.children == (box,)
    panel.summary = "a <b> & c"
    assert "<pre>a &lt;b&gt; &amp; c</pre>" in box.value


def test_pdf_says_whom_the_dose_is_for() -> None:
    from alledu.eligibility import population_fit

    fit = population_fit(regimen("nelarabine_adult"), 9)
    assert fit  # an adult dose for a 9-year-old: the handout must say so
    frame = schedule("nelarabine_adult", CHILD, cycles=1)
    text, _ = read(to_pdf(frame, "nelarabine_adult", 9, CONTEXT, fit))
    assert "Whom this dose is for" in text
    for line in fit:
        assert flat(pdf_text(line)) in text
