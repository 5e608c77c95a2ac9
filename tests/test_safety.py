"""Every safety note of clinical-facts section 5 reaches every page that shows its regimen's dose.

Surfaces: the dose calculator, the timeline (notes above the plot and the day table), the
printable page, the CSV download, the command line's table, and dose answers in the quiz and
cases. If a note could not be shown next to a dose, the dose must not be shown: these tests
fail when a note is missing from any surface.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import re

import pytest

import alledu
from alledu.cli import main
from alledu.schedule import dosed_regimen_ids, safety_notes
from alledu.widgets.dose import DoseCalculator
from alledu.widgets.timeline import ScheduleTimeline

# (regimen, age): an adult and a child for the regimens whose premedication differs by age.
CASES = [(rid, 40) for rid in dosed_regimen_ids()] + [("blinatumomab_rr", 9), ("blinatumomab_mrd", 9)]
WIDGET_CASES = [(rid, age) for rid, age in CASES if not alledu.regimen(rid).day_zero]  # lessons 02 and 03
JUDGED = [rid for rid in alledu.regimen_ids() if rid not in dosed_regimen_ids()]  # judged, not dosed here

# The notes section 5 names, by regimen: each must be among the notes shown.
REQUIRED = {
    "nelarabine_adult": ["Boxed warning: neurologic toxicity"],
    "nelarabine_pediatric": ["Boxed warning: neurologic toxicity"],
    "clofarabine_pediatric": [
        "halve the dose at a creatinine clearance of 30-60",
        "no sooner than 14 days from the starting day of the previous cycle, and only with an ANC of at least 0.75",
    ],
    "clofarabine_adult": [
        "halve the dose at a creatinine clearance of 30-60",
        "no sooner than 14 days from the starting day of the previous cycle, and only with an ANC of at least 0.75",
    ],
    "vincristine_liposomal": ["Verify the drug name and dose", "IV only", "Withdrawn since 2022-05-02"],
    "blinatumomab_rr": [
        "Boxed warning: cytokine release syndrome and neurological toxicities, including immune effector cell",
        "In hospital: cycle 1 days 1-9; cycle 2 days 1-2.",
        "Premedication",
    ],
    "blinatumomab_mrd": [
        "Boxed warning: cytokine release syndrome and neurological toxicities, including immune effector cell",
        "In hospital: cycle 1 days 1-3; cycle 2 days 1-2.",
        "Premedication",
    ],
    "inotuzumab": [
        "Boxed warning: hepatotoxicity, including fatal or life-threatening veno-occlusive disease",
        "higher rate of non-relapse mortality after allogeneic stem cell transplant",
        "Corticosteroid, antipyretic and antihistamine",
        "Days 8 and 15 may each move by up to 2 days",
    ],
}


def notes(rid: str, age: float) -> list[str]:
    texts = [n.text for n in safety_notes(rid, age)]
    assert texts, f"{rid}: every regimen has safety notes to show next to its dose (clinical-facts section 5)"
    for needle in REQUIRED.get(rid, ()):  # a new regimen adds its own needles here when it has them
        assert any(needle in t for t in texts), (rid, needle)
    return texts


@pytest.mark.parametrize(("rid", "age"), WIDGET_CASES)
def test_dose_calculator(rid: str, age: float) -> None:
    calc = DoseCalculator(regimen_id=rid, age_years=age, height_cm=170 if age > 18 else 130, weight_kg=70)
    assert calc.message.value == ""
    for text in notes(rid, age):
        assert html.escape(text) in calc.working.value, text
        assert f"Safety: {text}" in calc.summary


@pytest.mark.parametrize(("rid", "age"), WIDGET_CASES)
def test_timeline_day_table_printable_and_csv(rid: str, age: float) -> None:
    t = ScheduleTimeline(regimen_id=rid, compare_with=None)
    t.age.set(age)
    assert t.message.value == ""
    page = t.printable_html()
    t.prepare.click()
    csvs = [
        base64.b64decode(m).decode()
        for m in re.findall(r'download="[^"]+\.csv" href="data:text/csv;base64,([^"]+)"', t.downloads.value)
    ]
    assert len(csvs) == 1 and csvs[0].startswith("# Educational use only")
    for text in notes(rid, age):
        assert html.escape(text) in t.notes.value, text  # above the timeline
        assert html.escape(text) in t.table.value, text  # the day table
        assert html.escape(text) in page, text  # the printable page
        assert f"# Safety: {text}" in csvs[0], text


@pytest.mark.parametrize(("rid", "age"), CASES)
def test_command_line_table(rid: str, age: float) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        args = ["schedule", rid, "--age", str(age), "--height-cm", "150", "--weight-kg", "50"]
        assert main(args) == 0
    for text in notes(rid, age):
        assert f"Safety: {text}" in out.getvalue(), text


def test_child_and_adult_blinatumomab_premedication_differ() -> None:
    child, adult = " ".join(notes("blinatumomab_rr", 9)), " ".join(notes("blinatumomab_rr", 40))
    assert "5 mg/m2 (max 20 mg)" in child and "first dose of the first cycle" in child
    assert "20 mg IV 1 hour before the first dose of the cycle (cycles 1-9 day 1)" in adult
    assert "not stated" in " ".join(notes("blinatumomab_mrd", 9))
    assert "Prednisone 100 mg" in " ".join(notes("blinatumomab_mrd", 40))


# Agents the suite judges but does not dose (yet): their dose in words and every safety note stand
# with the verdict, on the command line and in the eligibility tree.
BOXED = {
    "tisagenlecleucel": ["Boxed warning: cytokine release syndrome and neurologic toxicities", "fludarabine 30 mg/m2"],
    "brexucabtagene": ["Boxed warning: cytokine release syndrome and neurologic toxicities"],
    "obecabtagene": ["Boxed warning: cytokine release syndrome and neurologic toxicities", "without a REMS"],
    "dasatinib": ["No boxed warning was found in the label text checked here"],
    "ponatinib": ["Boxed warning: arterial occlusive events, venous thromboembolic events, heart failure"],
    "revumenib": ["Boxed warning: differentiation syndrome"],
}


@pytest.mark.parametrize("rid", JUDGED)
def test_judged_agents_show_safety_with_the_verdict(rid: str) -> None:
    from alledu.widgets.tree import EligibilityTree

    texts = [n.text for n in safety_notes(rid, 40)]
    assert texts
    for needle in BOXED.get(rid, ()):
        assert any(needle in t for t in texts), (rid, needle)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["eligibility", "--age", "40", "--height-cm", "170", "--weight-kg", "70"]) == 0
    block = out.getvalue().split(f"\n{rid}: ")[1].split("\n    sources:")[0]
    tree = EligibilityTree()
    for text in texts:
        assert f"note: Safety: {text}" in block, text
        assert html.escape(text) in tree.verdicts.value, text
    assert f"note: Dose: {alledu.regimen(rid).dose_note}" in block
